"""Shared fixtures: the two emulators, served over real HTTP from background threads."""

from __future__ import annotations

import pytest
import requests

from sync.emulators.base import start_emulator


@pytest.fixture(scope="session")
def netsuite_emulator_server():
    from sync.emulators.netsuite import NetSuiteEmulator

    running = start_emulator(NetSuiteEmulator())
    yield running
    running.stop()


@pytest.fixture
def netsuite_emulator(netsuite_emulator_server, settings):
    """A clean NetSuite emulator, and SFNS's settings pointed at it."""
    requests.post(
        f"{netsuite_emulator_server.url}/__emulator__/reset", timeout=5
    ).raise_for_status()
    settings.NETSUITE_BASE_URL = f"{netsuite_emulator_server.url}/services/rest/"
    return netsuite_emulator_server


@pytest.fixture(scope="session")
def salesforce_ca(tmp_path_factory):
    return str(tmp_path_factory.mktemp("sf-tls") / "ca.pem")


@pytest.fixture(scope="session")
def salesforce_emulator_server(salesforce_ca):
    from sync.emulators.salesforce import SalesforceEmulator

    running = start_emulator(SalesforceEmulator(), ca_out=salesforce_ca)
    yield running
    running.stop()


@pytest.fixture
def salesforce_emulator(salesforce_emulator_server, salesforce_ca, settings, monkeypatch):
    """A clean Salesforce emulator (HTTPS, local CA trusted), and SFNS's settings pointed at it."""
    requests.post(
        f"{salesforce_emulator_server.url}/__emulator__/reset", timeout=5, verify=salesforce_ca
    ).raise_for_status()
    settings.SALESFORCE_LOGIN_URL = salesforce_emulator_server.url
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", salesforce_ca)
    return salesforce_emulator_server
