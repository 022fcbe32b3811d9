"""Logged-in REST sessions on the Salesforce emulator: a clean shared one, and notifying ones."""

from __future__ import annotations

import pytest

from emulators.base import start_emulator
from emulators.salesforce import SalesforceEmulator

from .helpers import Api, password_token
from .receiver import Receiver


@pytest.fixture
def sf(salesforce_emulator, salesforce_ca, settings) -> Api:
    token = password_token(salesforce_emulator.url, settings, salesforce_ca).json()["access_token"]
    return Api(salesforce_emulator.url, token, salesforce_ca)


@pytest.fixture
def notifying(settings):
    """An emulator with a notify_url pointing at a scripted receiver (plain HTTP)."""
    started = []

    def start(script: list[tuple[int, bytes]]) -> tuple[Api, Receiver]:
        receiver = Receiver(script)
        app = SalesforceEmulator(notify_url=receiver.url)
        running = start_emulator(app)
        started.append((running, receiver))
        token = password_token(running.url, settings).json()["access_token"]
        return Api(running.url, token, True), receiver

    yield start
    for running, receiver in started:
        running.stop()
        receiver.close()
