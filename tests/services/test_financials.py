"""
Financials on their own: NetSuite reports a linked customer's new financials (its webhook, as
the SuiteScript posts it); SFNS puts them on the Account and the write-back takes them to
Salesforce in one collection call, with no button and nothing pushed back to NetSuite.
Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

import pytest

from integration_log.models import LogEntry
from sync.models import FieldMapping, JobKind, SyncJob
from sync.services import inbound, writeback

from ..factories import AccountFactory
from .helpers import make_statuses_due

pytestmark = pytest.mark.django_db(transaction=True)

NEW = {"balance": 99.5, "overdueBalance": 0, "daysOverdue": 0}
WRITTEN = {
    "NetSuite_Balance__c": 99.5,
    "NetSuite_Overdue_Balance__c": 0,
    "NetSuite_Days_Overdue__c": 0,
}


def _report(netsuite_id: str, at: str = "2026-09-01T10:00:00.000Z", **fields) -> str:
    """A customer change as NetSuite's SuiteScript reports it."""
    return inbound.netsuite_customer_event_apply(
        event={
            "event": "update",
            "recordType": "customer",
            "id": netsuite_id,
            "lastModifiedDate": at,
            "fields": fields,
        }
    )


def _write_back():
    make_statuses_due()
    return writeback.status_writeback()


def test_new_financials_reach_salesforce_in_one_batch_with_no_button(synced, netsuite, salesforce):
    netsuite.seed(customer=[{"id": "201", "companyName": "Beta"}])
    other = AccountFactory(
        salesforce_id=salesforce.seed_accounts({"Name": "Beta"})[0], name="Beta", netsuite_id="201"
    )
    _write_back()
    salesforce.reset_stats()
    netsuite.reset_stats()
    SyncJob.objects.all().delete()

    assert _report("200", **NEW) == "applied"
    _report("201", balance=5)

    assert _write_back() == 2
    assert salesforce.data_calls() == {"composite_sobjects": 1}
    record = salesforce.account(synced.salesforce_id)
    assert {k: record.get(k) for k in WRITTEN} == WRITTEN
    assert salesforce.account(other.salesforce_id)["NetSuite_Balance__c"] == 5
    synced.refresh_from_db()
    assert {k: synced.fields[k] for k in WRITTEN} == WRITTEN
    assert not synced.values_pending
    entry = LogEntry.objects.get(operation="account_update_from_netsuite", netsuite_id="200")
    assert entry.diff["NetSuite_Balance__c"] == [None, 99.5]
    assert netsuite.stats()["calls"] == {}  # nothing read, nothing pushed back
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()


def test_a_report_with_the_same_values_writes_nothing(synced, netsuite, salesforce):
    _report("200", **NEW)
    _write_back()
    salesforce.reset_stats()

    _report("200", at="2026-09-01T11:00:00.000Z", **NEW, phone="+1 555 0199")

    assert _write_back() == 0
    assert salesforce.data_calls() == {}


def test_a_field_mapped_both_ways_is_not_pushed_back(synced, netsuite, salesforce):
    FieldMapping.objects.create(direction="ns_to_sf", source="phone", target="Phone")

    _report("200", phone="+1 999 000 1111")
    _write_back()

    assert salesforce.account(synced.salesforce_id)["Phone"] == "+1 999 000 1111"
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()
    assert netsuite.stats()["calls"] == {}


@pytest.mark.parametrize(
    ("settings_", "written"),
    [
        ({"financials_on_their_own": False}, False),
        ({"salesforce_edition": "Professional Edition"}, False),
        ({}, True),
    ],
)
def test_the_setting_and_the_edition_decide(
    synced, netsuite, salesforce, integration_settings, settings_, written
):
    integration_settings(**settings_)

    _report("200", **NEW)
    _write_back()

    record = salesforce.account(synced.salesforce_id)
    assert (record.get("NetSuite_Balance__c") == 99.5) is written


def test_values_arrive_even_when_the_outbound_mapping_cannot_apply_and_the_error_stays(
    synced, netsuite, salesforce
):
    synced.refresh_from_db()
    synced.fields = {**synced.fields, "BillingCountry": "Atlantis"}  # the next push fails
    synced.save()
    synced.refresh_from_db()
    assert "Atlantis" in synced.last_sync_error

    assert _report("200", **NEW) == "applied"

    synced.refresh_from_db()
    assert synced.fields["NetSuite_Balance__c"] == 99.5
    assert "Atlantis" in synced.last_sync_error  # values coming back are not a sync


def test_text_numbers_from_the_reconcile_are_the_webhooks_numbers(synced, netsuite, salesforce):
    _report("200", **NEW)
    _write_back()
    salesforce.reset_stats()

    text = {k: str(v) for k, v in NEW.items()}  # as SuiteQL gives them
    _report("200", at="2026-09-01T11:00:00.000Z", **text)

    assert _write_back() == 0
    assert LogEntry.objects.filter(operation="account_update_from_netsuite").count() == 1
