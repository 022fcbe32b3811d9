"""Every NetSuite emulator test starts and ends without faults, and signs its calls."""

from __future__ import annotations

import pytest

from .helpers import Api


@pytest.fixture(autouse=True)
def no_faults(netsuite):
    """Faults live on the session's emulator and survive reset: start and leave without any."""
    netsuite.faults(latency_ms=0, fail_rate=0.0, concurrency_limit=0)
    yield netsuite
    netsuite.faults(latency_ms=0, fail_rate=0.0, concurrency_limit=0)


@pytest.fixture
def api(netsuite_emulator, settings):
    return Api(netsuite_emulator.url, settings)
