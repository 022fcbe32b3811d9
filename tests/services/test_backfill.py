"""
The backfill, against both emulators over real HTTP: each linking rule, ambiguous and unmatched
Accounts reported, a dry run that changes nothing anywhere, a second run that writes nothing,
a run killed halfway that resumes to the same result, and the Bulk API path.
"""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command

from accounts.models import Account, Customer
from integration_log.models import LogEntry
from sync.models import SyncJob
from sync.services.backfill import BackfillRun

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def orgs(salesforce, netsuite, field_mappings):
    """
    Six Accounts in Salesforce and six customers in NetSuite, none linked by SFNS yet:
    Acme (by name), Globex (its NetSuite Id), Initech (its id already on the customer),
    Handmade (two customers of that name), Nobody (no customer), Umbrella (by website).
    """
    names = ["Acme Inc", "Globex", "Initech", "Handmade Ltd", "Nobody Corp", "Umbrella"]
    ids = salesforce.seed_accounts(
        {"Name": "Acme Inc", "Website": "https://acme.example"},
        {"Name": "Globex", "NetSuite_Id__c": "802"},
        {"Name": "Initech"},
        {"Name": "Handmade Ltd"},
        {"Name": "Nobody Corp", "Website": "nobody.example"},
        {"Name": "Umbrella", "Website": "www.umbrella.example"},
    )
    netsuite.seed(
        customer=[
            {"id": "801", "companyName": "ACME Incorporated"},
            {"id": "802", "companyName": "Globex Corporation"},
            {"id": "803", "companyName": "Initech LLC", "externalId": ids[2]},
            {"id": "804", "companyName": "Handmade Ltd"},
            {"id": "805", "companyName": "HANDMADE, Inc."},
            {"id": "806", "companyName": "Umbrella Holdings", "url": "https://umbrella.example"},
        ]
    )
    salesforce.reset_stats()
    netsuite.reset_stats()
    return dict(zip(names, ids, strict=True))


EXPECTED = {
    # name: (action, NetSuite id, rule)
    "Acme Inc": ("linked", "801", "company name"),
    "Globex": ("linked", "802", "NetSuite Id on the Account"),
    "Initech": ("linked", "803", "Salesforce id on the customer"),
    "Handmade Ltd": ("ambiguous", "", "company name"),
    "Nobody Corp": ("unmatched", "", ""),
    "Umbrella": ("linked", "806", "website domain"),
}


def backfill(tmp_path, *args: str) -> tuple[dict[str, dict], str]:
    """Run the command; (report rows by Account name, what it printed)."""
    report = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.csv"
    from io import StringIO

    out = StringIO()
    call_command(
        "backfill",
        "--report",
        str(report),
        "--state-dir",
        str(tmp_path / "state"),
        *args,
        stdout=out,
    )
    with report.open() as rows:
        return {row["name"]: row for row in csv.DictReader(rows)}, out.getvalue()


def outcomes(rows: dict[str, dict]) -> dict[str, tuple[str, str, str]]:
    return {name: (r["action"], r["netsuite_id"], r["rule"]) for name, r in rows.items()}


def test_each_rule_links_and_the_rest_is_reported(orgs, salesforce, netsuite, tmp_path):
    rows, printed = backfill(tmp_path)

    assert outcomes(rows) == EXPECTED
    assert rows["Handmade Ltd"]["reason"] == "customers 804, 805 match"
    customers = netsuite.state()["records"]["customer"]
    for name in ("Acme Inc", "Globex", "Umbrella"):
        customer = customers[EXPECTED[name][1]]
        assert customer["externalId"] == orgs[name]
        assert customer["custentity_sfns_salesforce_id"] == orgs[name]
    assert "externalId" not in customers["804"] and "externalId" not in customers["805"]
    assert len(customers) == 6  # no customer created
    for name in ("Acme Inc", "Initech", "Umbrella"):
        assert salesforce.account(orgs[name])["NetSuite_Id__c"] == EXPECTED[name][1]
    mirrors = dict(Account.objects.values_list("name", "netsuite_id"))
    assert mirrors == {name: expected[1] for name, expected in EXPECTED.items()}
    assert Customer.objects.count() == 6
    assert not SyncJob.objects.exists()  # nothing pushed, nothing queued
    assert "6 customers read, 6 Accounts:" in printed
    assert "  linked by company name: 1" in printed
    assert "  ambiguous by company name: 1" in printed
    assert "API calls:" in printed


def snapshot(salesforce, netsuite) -> str:
    tables = {
        model.__name__: sorted(map(str, model.objects.values()))
        for model in (Account, Customer, SyncJob, LogEntry)
    }
    state = {"sf": salesforce.state()["records"], "ns": netsuite.state()["records"]}
    return json.dumps({**tables, **state}, sort_keys=True, default=str)


def test_a_dry_run_changes_nothing_anywhere_and_reports_what_a_run_would_do(
    orgs, salesforce, netsuite, tmp_path
):
    before = snapshot(salesforce, netsuite)

    rows, printed = backfill(tmp_path, "--dry-run")

    assert snapshot(salesforce, netsuite) == before
    assert outcomes(rows) == EXPECTED
    assert "Dry run: nothing was written." in printed
    assert not (tmp_path / "state").exists()


def emulated(salesforce, netsuite) -> str:
    return json.dumps(
        {"sf": salesforce.state()["records"], "ns": netsuite.state()["records"]}, sort_keys=True
    )


def test_a_second_run_writes_nothing(orgs, salesforce, netsuite, tmp_path):
    backfill(tmp_path)
    salesforce.reset_stats()
    netsuite.reset_stats()
    before, entries = emulated(salesforce, netsuite), LogEntry.objects.count()

    rows, _ = backfill(tmp_path)

    assert emulated(salesforce, netsuite) == before
    assert LogEntry.objects.count() == entries
    assert not SyncJob.objects.exists()
    assert "composite_sobjects" not in salesforce.data_calls()
    assert set(netsuite.stats()["calls"]) <= {"suiteql"}
    assert {name: r["action"] for name, r in rows.items() if EXPECTED[name][1]} == {
        "Acme Inc": "already linked",
        "Globex": "already linked",
        "Initech": "already linked",
        "Umbrella": "already linked",
    }


class Killed(Exception):
    """Stands for the process being killed after its first batch."""


def test_a_run_killed_halfway_resumes_to_the_same_result(orgs, salesforce, netsuite, tmp_path):
    def kill_after_first_batch(phase: str, done: int) -> None:
        if phase == "accounts" and done >= 2:
            raise Killed

    killed = BackfillRun(
        state_dir=tmp_path / "state", batch_size=2, on_progress=kill_after_first_batch
    )
    with pytest.raises(Killed):
        killed.run()
    assert Account.objects.count() == 2  # the first batch is written, the rest is not

    resumed = BackfillRun(state_dir=tmp_path / "state", batch_size=2).run()

    assert resumed.resumed and resumed.accounts == 6
    assert sum(resumed.outcomes.values()) == 6
    mirrors = dict(Account.objects.values_list("name", "netsuite_id"))
    assert mirrors == {name: expected[1] for name, expected in EXPECTED.items()}
    customers = netsuite.state()["records"]["customer"]
    assert {c.get("externalId") for c in customers.values()} == {
        orgs["Acme Inc"],
        orgs["Globex"],
        orgs["Initech"],
        orgs["Umbrella"],
        None,
    }


def test_above_the_threshold_accounts_are_read_with_a_bulk_api_job(
    orgs, salesforce, netsuite, tmp_path
):
    rows, _ = backfill(tmp_path, "--bulk-threshold", "3")

    assert outcomes(rows) == EXPECTED
    calls = salesforce.data_calls()
    assert any("bulk" in endpoint or "jobs" in endpoint for endpoint in calls), calls


def test_the_phone_and_email_rules_link_once_switched_on(
    salesforce, netsuite, field_mappings, integration_settings, tmp_path
):
    salesforce.seed_accounts(
        {"Name": "Phoney", "Phone": "+1 (415) 555-0101"},
        {"Name": "Mailer", "Website": "https://mailer.example"},
    )
    netsuite.seed(
        customer=[
            {"id": "811", "companyName": "P Holdings", "phone": "415.555.0101"},
            {"id": "812", "companyName": "M Holdings", "email": "ap@mailer.example"},
        ]
    )
    off, _ = backfill(tmp_path, "--dry-run")
    integration_settings(match_by_phone=True, match_by_email_domain=True)

    on, _ = backfill(tmp_path, "--dry-run")

    assert outcomes(off) == {"Phoney": ("unmatched", "", ""), "Mailer": ("unmatched", "", "")}
    assert outcomes(on) == {
        "Phoney": ("linked", "811", "phone"),
        "Mailer": ("linked", "812", "email domain"),
    }


def test_a_link_netsuite_refuses_is_reported_failed_logged_and_not_written_to_salesforce(
    orgs, salesforce, netsuite, tmp_path
):
    def netsuite_goes_down(phase: str, done: int) -> None:
        if phase == "total":  # the customers are read: from now on NetSuite answers 503
            netsuite.faults(fail_rate=1.0)

    reported = []
    try:
        BackfillRun(
            state_dir=tmp_path / "state", on_progress=netsuite_goes_down, on_outcome=reported.append
        ).run()
    finally:
        netsuite.faults(fail_rate=0.0)

    failed = {o.name for o in reported if o.action == "failed"}
    assert failed == {"Acme Inc", "Globex", "Umbrella"}  # each needed its customer written
    assert {o.name for o in reported if o.action == "linked"} == {"Initech"}  # Salesforce only
    assert salesforce.account(orgs["Acme Inc"]).get("NetSuite_Id__c") is None
    assert salesforce.account(orgs["Initech"])["NetSuite_Id__c"] == "803"
    errors = LogEntry.objects.filter(operation="backfill", outcome="error")
    assert sorted(errors.values_list("netsuite_id", flat=True)) == ["801", "802", "806"]
    assert Account.objects.get(salesforce_id=orgs["Acme Inc"]).netsuite_id == ""
