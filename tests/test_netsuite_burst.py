"""The cross-process cap, end to end: 1,000 updates from 4 worker processes never put more than
5 requests in flight at `emulate netsuite --concurrency-limit 5 --latency-ms 50`."""

from __future__ import annotations

import os

import pytest

from benchmarks.netsuite_burst import run_burst

pytestmark = pytest.mark.broker  # the cap lives in Redis


def test_burst_from_four_processes_stays_under_the_concurrency_limit():
    from django.conf import settings

    result = run_burst(
        updates=1000,
        processes=4,
        threads=4,
        limit=5,
        latency_ms=50,
        redis_url=settings.SFNS_REDIS_URL or os.environ["CELERY_BROKER_URL"],
    )

    assert result.peak_in_flight == 5  # the cap is used fully, and never exceeded
    assert result.rejected_429 == 0
    assert result.failures == 0
    assert result.updated_in_netsuite == 1000
