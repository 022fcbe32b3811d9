"""
The client tests' set-up: an emulated Salesforce org with SFNS's credentials and a client on it,
the token cache emptied around every test, a second org that refuses SFNS's logins, and a
NetSuite client on the NetSuite emulator.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache

from sync.clients import salesforce as salesforce_module
from sync.clients.netsuite import NetSuiteClient
from sync.clients.salesforce import SalesforceClient
from tests.conftest import SalesforceControl

PROJECT_DIR = Path(__file__).resolve().parents[2]
CLIENT_SECRET = "sfns-test-client-secret-7f3a9c"
PASSWORD = "sfns-test-password-91c2e4+securitytoken"
# What each OAuth flow sends as grant_type.
GRANT_TYPES = {
    "password": "password",
    "client_credentials": "client_credentials",
    "jwt": "urn:ietf:params:oauth:grant-type:jwt-bearer",
}
FOREIGN_CLIENT_SECRET = "the-foreign-org-s-client-secret"


def write_rsa_key(path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture(autouse=True)
def no_cached_tokens():
    """The token cache is per process: every test starts logged out."""
    salesforce_module._tokens.clear()
    yield
    salesforce_module._tokens.clear()


@pytest.fixture
def credentials(settings):
    settings.SALESFORCE_CLIENT_SECRET = CLIENT_SECRET
    settings.SALESFORCE_PASSWORD = PASSWORD
    settings.SALESFORCE_AUTH_FLOW = "password"
    return settings


@pytest.fixture
def org(salesforce_emulator, salesforce_ca, credentials) -> Iterator[SalesforceControl]:
    # The API usage reading outlives a test in the cache: a spent allocation must not hold
    # back the next test's calls (and only this key goes: the cache may share Redis).
    key = salesforce_module.api_usage_key()
    cache.delete(key)
    yield SalesforceControl(salesforce_emulator.url, salesforce_ca)
    cache.delete(key)


@pytest.fixture
def sfns_key_field(org) -> str:
    """An external id of the tests' own on Account, which several Accounts may share."""
    field = {"type": "string", "length": 80, "externalId": True}
    org._post("fields", {"sobject": "Account", "add": {"SFNS_Key__c": field}})
    return "SFNS_Key__c"


@pytest.fixture
def salesforce_client(org) -> SalesforceClient:
    return SalesforceClient(max_wait=0.01)


@pytest.fixture(scope="module")
def foreign_org(tmp_path_factory):
    """
    A second emulator in its own process, whose connected app has other credentials than SFNS's
    settings (the in-process emulator reads SFNS's own): every SFNS login there is refused.
    """
    home = tmp_path_factory.mktemp("foreign-org")
    ca = home / "ca.pem"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sfns.settings",
        "SALESFORCE_CLIENT_SECRET": FOREIGN_CLIENT_SECRET,
        "SALESFORCE_PASSWORD": "the-foreign-org-s-password",
        "SALESFORCE_PRIVATE_KEY_FILE": str(write_rsa_key(home / "org.key")),
    }
    # call_command, unlike manage.py, skips the system checks: they have nothing to do with this.
    serve = (
        "import django; django.setup(); from django.core.management import call_command; "
        f"call_command('emulate', 'salesforce', tls=True, port={port}, ca_out={str(ca)!r})"
    )
    log = home / "emulator.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", serve], cwd=PROJECT_DIR, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        f"the second Salesforce emulator did not start:\n{log.read_text()}"
                    ) from None
                time.sleep(0.1)
        yield SalesforceControl(f"https://127.0.0.1:{port}", str(ca))
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def netsuite_client(netsuite_emulator) -> NetSuiteClient:
    return NetSuiteClient(max_wait=0.02, slot_wait=10)
