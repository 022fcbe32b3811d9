"""Shared fixtures: the two emulators, served over real HTTP from background threads."""

from __future__ import annotations

import os

import pytest
import requests

from emulators.base import start_emulator

_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """In CI (SFNS_CI, set by .ci/run) every test must run: a skip fails the run, loudly."""
    if os.environ.get("SFNS_CI") and _skipped and exitstatus == 0:
        print(f"\nCI: {len(_skipped)} test(s) skipped; every test must run here:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = 1


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CELERY_BROKER_URL"):
        return
    skip = pytest.mark.skip(
        reason="needs a Celery broker and worker processes: set CELERY_BROKER_URL (and "
        "DATABASE_URL to PostgreSQL) as .ci/run does"
    )
    for item in items:
        if item.get_closest_marker("broker"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def netsuite_emulator_server():
    from emulators.netsuite import NetSuiteEmulator

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
    from emulators.salesforce import SalesforceEmulator

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


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Tasks run in-process, except in tests marked `broker`, which use real workers."""
    from sfns.celery import app

    eager = request.node.get_closest_marker("broker") is None
    previous = app.conf.task_always_eager
    # Under the settings' own key too: celery 5.6 reads CELERY_TASK_ALWAYS_EAGER (from the
    # Django settings) before a task_always_eager set here.
    app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = eager
    yield
    app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture
def jobs_wait_for_a_worker():
    """This process acts as a worker process would, with no worker here to wake: jobs are
    queued for one instead of running in-process, and its claims have a heartbeat."""
    from sfns.celery import app

    app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    app.conf.task_always_eager = app.conf.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def field_mappings(db):
    """The default field mappings (a transactional test's flush removes the migrated ones)."""
    from importlib import import_module

    from django.apps import apps

    from sync.models import FieldMapping

    if FieldMapping.objects.exists():  # as migrated: the defaults already
        return
    import_module("sync.migrations.0002_default_field_mappings").add_defaults(apps, None)
    import_module("sync.migrations.0007_address_lines").add_addresses(apps, None)
    import_module("sync.migrations.0008_contacts").add_contact_mappings(apps, None)


@pytest.fixture
def integration_settings(db):
    """
    The IntegrationSettings singleton: call it with field values to set them for the test, e.g.
    integration_settings(create_only=True); it returns the saved settings.
    """
    from settings.models import IntegrationSettings

    def configure(**values) -> IntegrationSettings:
        conf = IntegrationSettings.load()
        for name, value in values.items():
            setattr(conf, name, value)
        conf.save()
        return conf

    return configure


@pytest.fixture
def netsuite(netsuite_emulator):
    """The emulated NetSuite, seen through its control endpoints (seed, state, stats, faults)."""
    return NetSuiteControl(netsuite_emulator.url)


@pytest.fixture
def salesforce(salesforce_emulator, salesforce_ca):
    """The emulated Salesforce, seen through its control endpoints."""
    return SalesforceControl(salesforce_emulator.url, verify=salesforce_ca)


class EmulatorControl:
    def __init__(self, url: str, verify: bool | str = True) -> None:
        self.url = url
        self.verify = verify

    def _post(self, action: str, body: dict | None = None) -> dict:
        response = requests.post(
            f"{self.url}/__emulator__/{action}", json=body or {}, timeout=10, verify=self.verify
        )
        response.raise_for_status()
        return response.json()

    def seed(self, **records) -> None:
        self._post("seed", records)

    def edit(self, **body) -> dict:
        return self._post("edit", body)

    def faults(self, **body) -> None:
        self._post("faults", body)

    def reset_stats(self) -> None:
        self._post("stats/reset")

    def state(self) -> dict:
        return requests.get(f"{self.url}/__emulator__/state", timeout=10, verify=self.verify).json()

    def stats(self) -> dict:
        return requests.get(f"{self.url}/__emulator__/stats", timeout=10, verify=self.verify).json()

    def record(self, rtype: str, rid: str) -> dict | None:
        return self.state()["records"][rtype].get(rid)


class NetSuiteControl(EmulatorControl):
    def account(self, **body) -> dict:
        """The account's edition: account(oneWorld=True) makes it OneWorld."""
        return self._post("account", body)


class SalesforceControl(EmulatorControl):
    """The Salesforce emulator's control endpoints, with the answers the tests need."""

    def seed_ids(self, **records: list[dict]) -> dict[str, list[str]]:
        return self._post("seed", records)["ids"]

    def seed_accounts(self, *records: dict) -> list[str]:
        return self.seed_ids(Account=list(records))["Account"]

    def expire_sessions(self) -> None:
        self._post("expire-sessions")

    def accounts(self) -> dict[str, dict]:
        return self.state()["records"]["Account"]

    def account(self, salesforce_id: str) -> dict | None:
        return self.accounts().get(salesforce_id)

    def api_usage(self) -> int:
        return self.state()["api_usage"]

    def calls(self, endpoint: str) -> int:
        return self.stats()["calls"].get(endpoint, 0)

    def data_calls(self) -> dict:
        """REST data API calls by endpoint (logging in is not a data call)."""
        return {k: v for k, v in self.stats()["calls"].items() if k != "oauth_token"}
