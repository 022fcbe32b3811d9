"""
The lists' filters, search and ordering: a value a filter cannot take is a 400 naming the
parameter, never a silently unfiltered list; parameters the API does not know are ignored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account
from integration_log.models import LogEntry
from sync.models import SyncJob

from ..factories import (
    AccountFactory,
    CustomerFactory,
    LogEntryFactory,
    OpportunityFactory,
    SyncJobFactory,
)

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row.get("name") or row.get("company_name") for row in response.json()["results"]]


@pytest.fixture
def accounts(db):
    Account.objects.all().delete()
    now = timezone.now()
    AccountFactory(name="Acme", netsuite_id="4711", last_modified=now)
    AccountFactory(
        name="Globex", last_sync_error="NetSuite said no", last_modified=now - dt.timedelta(days=3)
    )
    AccountFactory(name="Initech", deleted_at=now)
    return now


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("linked=true", ["Acme"]),
        ("linked=FALSE", ["Globex", "Initech"]),
        ("linked=0", ["Globex", "Initech"]),
        ("sync_error=true", ["Globex"]),
        ("deleted=true", ["Initech"]),
        ("deleted=false", ["Acme", "Globex"]),
        ("netsuite_id=4711", ["Acme"]),
        ("search=glob", ["Globex"]),
        ("search=4711", ["Acme"]),
        ("ordering=-name", ["Initech", "Globex", "Acme"]),
        ("ordering=last_modified,-name&deleted=false", ["Globex", "Acme"]),
        ("linked=", ["Acme", "Globex", "Initech"]),  # empty: no filter
        ("colour=blue", ["Acme", "Globex", "Initech"]),  # not a parameter of the API
    ],
)
def test_accounts_are_filtered_searched_and_ordered(call, staff, accounts, query, expected):
    assert names(call(staff, "GET", f"/api/accounts/?{query}")) == expected


def test_accounts_by_the_time_they_last_changed(call, staff, accounts):
    since = (accounts - dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")

    assert names(call(staff, "GET", f"/api/accounts/?modified_after={since}")) == ["Acme"]


@pytest.mark.parametrize(
    ("url", "parameter", "message"),
    [
        ("/api/accounts/?linked=maybe", "linked", "'maybe' is not true or false"),
        ("/api/accounts/?deleted=yes", "deleted", "is not true or false"),
        ("/api/accounts/?modified_after=last+week", "modified_after", "Enter a valid date/time"),
        ("/api/accounts/?ordering=size", "ordering", "cannot order by 'size'"),
        ("/api/accounts/?ordering=name,-", "ordering", "cannot order by '-'"),
        ("/api/accounts/?ordering=fields", "ordering", "cannot order by 'fields'"),
        ("/api/opportunities/?amount_min=lots", "amount_min", "Enter a number"),
        ("/api/opportunities/?amount_max=1e400", "amount_max", "no more than 18 digits"),
        ("/api/opportunities/?amount_max=NaN", "amount_max", "Enter a number"),
        ("/api/opportunities/?account=001", "account", "is not a Salesforce id"),
        ("/api/opportunities/?has_estimate=2", "has_estimate", "is not true or false"),
        ("/api/customers/?locked=perhaps", "locked", "is not true or false"),
        ("/api/customers/?balance_min=%24100", "balance_min", "Enter a number"),
        (
            "/api/jobs/?status=sent",
            "status",
            "must be one of pending, running, done, failed, superseded, not sent",
        ),
        ("/api/jobs/?kind=account_delete", "kind", "must be one of"),
        ("/api/jobs/?record_id=x", "record_id", "is not a Salesforce id"),
        ("/api/jobs/?created_before=2026-13-01", "created_before", "Enter a valid date/time"),
        (
            "/api/log/?created_after=0001-01-01T00:00:00%2B23:00",  # overflows in UTC
            "created_after",
            "between the years 1900 and 9998",
        ),
        ("/api/jobs/?created_before=9999-12-31T23:59:59", "created_before", "between the years"),
        ("/api/log/?outcome=failed", "outcome", "must be one of"),
        ("/api/log/?operation=push", "operation", "must be one of"),
        ("/api/log/?direction=up", "direction", "must be one of"),
        ("/api/log/?job_id=one", "job_id", "Enter a whole number"),
        ("/api/log/?job_id=99999999999999999999", "job_id", "less than or equal to"),
        ("/api/log/?job_id=-1", "job_id", "greater than or equal to 0"),
        ("/api/log/?salesforce_id=0019000000B98de999", "salesforce_id", "not the checksum"),
        (
            "/api/log/?ordering=reason",
            "ordering",
            "give one or more of created_at, duration_ms, id",
        ),
        ("/api/mappings/?enabled=on", "enabled", "is not true or false"),
        ("/api/mappings/?transform=upper", "transform", "must be one of"),
        ("/api/jobs/?status=failed%00", "status", "must not contain a NUL character"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(call, staff, url, parameter, message):
    response = call(staff, "GET", url)

    assert response.status_code == 400
    assert list(response.json()) == [parameter]
    assert message in response.json()[parameter][0]


def test_opportunities_by_account_amount_and_what_was_made(call, staff):
    acme = AccountFactory(name="Acme")
    OpportunityFactory(name="Small", account=acme, amount="100.00")
    OpportunityFactory(name="Big", account=acme, amount="5000.00", netsuite_estimate_id="9")
    OpportunityFactory(name="Elsewhere", amount="700.00", stage="Closed Won")

    assert names(call(staff, "GET", f"/api/opportunities/?account={acme.salesforce_id[:15]}")) == [
        "Small",
        "Big",
    ]
    assert names(call(staff, "GET", "/api/opportunities/?amount_min=500&ordering=-amount")) == [
        "Big",
        "Elsewhere",
    ]
    assert names(call(staff, "GET", "/api/opportunities/?has_estimate=true")) == ["Big"]
    assert names(call(staff, "GET", "/api/opportunities/?stage=Closed+Won")) == ["Elsewhere"]
    assert names(call(staff, "GET", "/api/opportunities/?search=acme&amount_max=100")) == ["Small"]


def test_customers_by_lock_balance_and_name(call, staff):
    CustomerFactory(netsuite_id="1", company_name="Acme Inc", locked=True, balance="10.00")
    CustomerFactory(netsuite_id="2", company_name="Globex", balance="2500.00")

    assert names(call(staff, "GET", "/api/customers/?locked=true")) == ["Acme Inc"]
    assert names(call(staff, "GET", "/api/customers/?balance_min=1000")) == ["Globex"]
    assert names(call(staff, "GET", "/api/customers/?search=acme")) == ["Acme Inc"]
    assert names(call(staff, "GET", "/api/customers/?ordering=-balance")) == ["Globex", "Acme Inc"]


def test_jobs_by_status_kind_record_and_time(call, staff):
    SyncJob.objects.all().delete()
    failed = SyncJobFactory(status="failed", last_error="NetSuite said no")
    quote = SyncJobFactory(kind="opportunity_quote", record_id="006000000000001AAA")
    SyncJob.objects.filter(pk=failed.pk).update(created_at=timezone.now() - dt.timedelta(days=2))

    def ids(query: str) -> list[int]:
        return [job["id"] for job in call(staff, "GET", f"/api/jobs/?{query}").json()["results"]]

    yesterday = (timezone.now() - dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids("status=failed") == [failed.pk]
    assert ids("kind=opportunity_quote") == [quote.pk]
    assert ids("record_id=006000000000001") == [quote.pk]
    assert ids(f"created_after={yesterday}") == [quote.pk]
    assert ids(f"created_before={yesterday}") == [failed.pk]
    assert ids("search=said+no") == [failed.pk]
    assert ids("ordering=id") == [failed.pk, quote.pk]


def test_log_entries_by_direction_job_and_search(call, staff):
    LogEntry.objects.all().delete()
    pushed = LogEntryFactory(job_id=7, reason="customer updated")
    refused = LogEntryFactory(direction="from_netsuite", outcome="error", reason="bad signature")

    def ids(query: str) -> list[int]:
        return [e["id"] for e in call(staff, "GET", f"/api/log/?{query}").json()["results"]]

    assert ids("direction=from_netsuite") == [refused.pk]
    assert ids("job_id=7") == [pushed.pk]
    assert ids("search=signature") == [refused.pk]
    assert ids("ordering=id") == [pushed.pk, refused.pk]
