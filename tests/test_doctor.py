"""
`manage.py doctor` and its admin page, against both emulators over real HTTP: it passes on the
embedded setup, and names the field or the credential and the fix when something is wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def systems(salesforce, netsuite, field_mappings, settings):
    """
    The embedded setup: both emulated systems with the packages' fields, SFNS's default field
    mappings, and DEBUG on as in `make run` (the test runner turns it off).
    """
    settings.DEBUG = True
    return salesforce, netsuite


def doctor(capsys) -> tuple[bool, str]:
    """Run the command: (passed, what it printed)."""
    try:
        call_command("doctor")
        passed = True
    except CommandError as exc:
        print(f"CommandError: {exc}")
        passed = False
    return passed, capsys.readouterr().out


def change_fields(control, body: dict) -> None:
    response = requests.post(
        f"{control.url}/__emulator__/fields", json=body, timeout=10, verify=control.verify
    )
    response.raise_for_status()


def test_the_embedded_setup_passes_every_check(systems, capsys):
    passed, out = doctor(capsys)

    assert passed, out
    assert "✗" not in out
    for line in (
        "✓ Salesforce login: integration@sfns.example, password flow",
        "✓ Salesforce edition: Enterprise Edition",
        "✓ Salesforce API version: 62.0",
        "✓ Salesforce field Account.NetSuite_Id__c: string (NetSuite Id)",
        "✓ Salesforce field Account.NetSuite_Sync__c: string (NetSuite Sync)",
        "✓ Salesforce field Account.NetSuite_Balance__c: currency (mapped from NetSuite balance)",
        "✓ Salesforce field Account.BillingCity:",
        "✓ Salesforce field Opportunity.Amount:",
        "✓ NetSuite login: account 1234567_SB1",
        "✓ NetSuite field customer.custentity_sfns_lock_record: boolean (Salesforce Lock Record)",
        "✓ NetSuite field customer.custentity_sfns_salesforce_id: string (Salesforce ID)",
        "✓ NetSuite field customer.addressBook:",
        "✓ NetSuite concurrency:",
    ):
        assert line in out
    assert "checks passed." in out


def test_a_salesforce_field_missing_from_the_org_is_named_with_its_fix(systems, capsys):
    salesforce, _ = systems
    change_fields(salesforce, {"sobject": "Account", "drop": ["NetSuite_Sync__c"]})

    passed, out = doctor(capsys)

    assert not passed
    assert "✗ Salesforce field Account.NetSuite_Sync__c: missing (NetSuite Sync)" in out
    assert "fix: deploy the Salesforce package" in out
    assert "CommandError: 1 of " in out


def test_a_salesforce_field_of_the_wrong_type_is_named(systems, capsys):
    salesforce, _ = systems
    change_fields(
        salesforce,
        {
            "sobject": "Account",
            "drop": ["NetSuite_Balance__c"],
            "add": {"NetSuite_Balance__c": {"type": "string", "length": 40}},
        },
    )

    passed, out = doctor(capsys)

    assert not passed
    assert (
        "✗ Salesforce field Account.NetSuite_Balance__c: is a string field; SFNS needs currency "
        "or double or int or percent (mapped from NetSuite balance)" in out
    )


def test_a_netsuite_field_missing_from_the_account_is_named_with_its_fix(systems, capsys):
    _, netsuite = systems
    change_fields(netsuite, {"record": "customer", "drop": ["custentity_sfns_lock_record"]})

    passed, out = doctor(capsys)

    assert not passed
    assert (
        "✗ NetSuite field customer.custentity_sfns_lock_record: missing (Salesforce Lock Record)"
        in out
    )
    assert "fix: deploy the NetSuite package" in out


@pytest.fixture(scope="module")
def doctor_database(tmp_path_factory):
    """A migrated SQLite database for `manage.py doctor` run as its own process."""
    url = f"sqlite:///{tmp_path_factory.mktemp('doctor') / 'db.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        timeout=120,
    )
    return url


def doctor_process(database: str, salesforce, netsuite, **environ: str):
    """
    `manage.py doctor` in its own process, configured by its environment like a deployment.
    The emulators (in this process) check credentials against the test's settings, so
    credentials set here differently are wrong credentials to them.
    """
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database,
        "SALESFORCE_LOGIN_URL": salesforce.url,
        "REQUESTS_CA_BUNDLE": salesforce.verify,
        "NETSUITE_BASE_URL": f"{netsuite.url}/services/rest/",
        **environ,
    }
    env.pop("CELERY_BROKER_URL", None)  # the embedded mode, as `make run`
    return subprocess.run(
        [sys.executable, "manage.py", "doctor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_exits_zero_against_the_embedded_emulators(
    doctor_database, salesforce, netsuite
):
    result = doctor_process(doctor_database, salesforce, netsuite)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "✗" not in result.stdout
    assert "checks passed." in result.stdout


def test_wrong_salesforce_credentials_fail_the_login_and_show_no_secret(
    doctor_database, salesforce, netsuite
):
    result = doctor_process(
        doctor_database,
        salesforce,
        netsuite,
        SALESFORCE_CLIENT_SECRET="a-wrong-client-secret-0042",
    )

    assert result.returncode == 1
    assert "✗ Salesforce login: Salesforce refused the password login: invalid_client" in (
        result.stdout
    )
    assert "fix: check SALESFORCE_LOGIN_URL" in result.stdout
    assert "✓ NetSuite login" in result.stdout  # the other side is still checked
    assert "a-wrong-client-secret-0042" not in result.stdout + result.stderr


def test_wrong_netsuite_credentials_fail_the_login_and_show_no_secret(
    doctor_database, salesforce, netsuite
):
    result = doctor_process(
        doctor_database, salesforce, netsuite, NETSUITE_TOKEN_SECRET="a-wrong-token-secret-0042"
    )

    assert result.returncode == 1
    assert "✗ NetSuite login:" in result.stdout
    assert "fix: check NETSUITE_ACCOUNT_ID" in result.stdout
    assert "✓ Salesforce login" in result.stdout
    assert "a-wrong-token-secret-0042" not in result.stdout + result.stderr


def test_an_api_version_the_org_does_not_serve_is_named(systems, settings, capsys):
    settings.SALESFORCE_API_VERSION = "20.0"

    passed, out = doctor(capsys)

    assert not passed
    assert "✗ Salesforce API version: 20.0 is not served by this org" in out
    assert "fix: set SALESFORCE_API_VERSION to 62.0" in out
    assert "Salesforce edition" not in out  # every other call needs a version the org serves


def test_a_cap_over_the_accounts_concurrency_limit_fails(systems, settings, capsys):
    settings.NETSUITE_CONCURRENCY_LIMIT = 10
    settings.NETSUITE_ACCOUNT_CONCURRENCY_LIMIT = 5

    passed, out = doctor(capsys)

    assert not passed
    assert "✗ NetSuite concurrency: SFNS may send 10 calls at once; the account allows 5" in out
    assert "fix: set NETSUITE_CONCURRENCY_LIMIT to at most 5" in out


def test_the_demo_webhook_secret_fails_once_debug_is_off(systems, settings, capsys):
    settings.DEBUG = False
    settings.SFNS_WEBHOOK_SECRET = settings.SFNS_DEMO_WEBHOOK_SECRET  # as a trial leaves it

    passed, out = doctor(capsys)

    assert not passed
    assert "✗ Webhook secret: the demo value, with DEBUG off" in out


def test_the_admin_page_shows_the_same_checklist(systems, admin_client):
    salesforce, _ = systems
    change_fields(salesforce, {"sobject": "Account", "drop": ["NetSuite_Id__c"]})

    page = admin_client.get("/admin/doctor/").content.decode()
    dashboard = admin_client.get("/admin/dashboard/").content.decode()

    assert "1 of " in page and "checks failed" in page
    assert "Salesforce field Account.NetSuite_Id__c" in page
    assert "Fix: deploy the Salesforce package" in page
    assert 'href="/admin/doctor/"' in dashboard


def test_the_admin_page_is_for_staff_only(client):
    response = client.get("/admin/doctor/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
