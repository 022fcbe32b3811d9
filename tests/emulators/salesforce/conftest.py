"""A logged-in REST session on a clean Salesforce emulator."""

from __future__ import annotations

import pytest

from .helpers import Api, password_token


@pytest.fixture
def sf(salesforce_emulator, salesforce_ca, settings) -> Api:
    token = password_token(salesforce_emulator.url, settings, salesforce_ca).json()["access_token"]
    return Api(salesforce_emulator.url, token, salesforce_ca)
