"""
Update from NetSuite: the edition, the financials here and in Salesforce in one call, no
push back.
Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Account, Customer
from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sync.errors import SyncRefused
from sync.models import FieldMapping, JobKind, SyncJob
from sync.services import (
    push,
    update_from_netsuite,
)

from ..factories import AccountFactory
from .helpers import (
    only_log,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("edition", ["Professional Edition", "Essentials Edition"])
def test_update_from_netsuite_is_refused_below_enterprise_edition(
    synced, netsuite, salesforce, edition, integration_settings
):
    integration_settings(salesforce_edition=edition)

    with pytest.raises(
        SyncRefused,
        match=f"needs Salesforce Enterprise Edition or higher; this org is {edition}",
    ):
        update_from_netsuite.account_request_update_from_netsuite(account=synced)

    assert not SyncJob.objects.exists()
    assert netsuite.stats()["calls"] == {}
    assert salesforce.data_calls() == {}


def test_update_from_netsuite_detects_the_edition_and_caches_it(
    synced, netsuite, salesforce, integration_settings
):
    integration_settings(salesforce_edition="", salesforce_edition_detected="")
    salesforce.faults(edition="Professional Edition")

    with pytest.raises(SyncRefused, match="this org is Professional Edition"):
        update_from_netsuite.account_request_update_from_netsuite(account=synced)
    assert IntegrationSettings.load().salesforce_edition_detected == "Professional Edition"
    assert salesforce.data_calls() == {"query": 1}
    # Asked at most once a day:
    with pytest.raises(SyncRefused, match="Professional Edition"):
        update_from_netsuite.account_request_update_from_netsuite(account=synced)
    assert salesforce.data_calls() == {"query": 1}

    # The org is upgraded; once the cached answer is cleared, the new edition is detected.
    salesforce.faults(edition="Enterprise Edition")
    integration_settings(salesforce_edition_detected="", salesforce_edition_detected_at=None)
    job = update_from_netsuite.account_request_update_from_netsuite(account=synced)

    job.refresh_from_db()
    assert job.status == "done"
    assert IntegrationSettings.load().salesforce_edition_detected == "Enterprise Edition"


@pytest.mark.parametrize(
    "edition",
    ["Enterprise Edition", "Unlimited Edition", "Performance Edition", "Developer Edition"],
)
def test_update_from_netsuite_writes_the_financials_here_and_in_salesforce_in_one_call(
    synced, netsuite, salesforce, edition, integration_settings
):
    integration_settings(salesforce_edition=edition)

    job = update_from_netsuite.account_request_update_from_netsuite(account=synced)

    job.refresh_from_db()
    assert job.status == "done"
    assert salesforce.data_calls() == {"sobject_record": 1}  # one PATCH of the Account
    synced.refresh_from_db()
    expected = {
        "NetSuite_Balance__c": 1500.25,
        "NetSuite_Overdue_Balance__c": 200.5,
        "NetSuite_Credit_Limit__c": 10000,
        "NetSuite_Days_Overdue__c": 12,
        "NetSuite_Unbilled_Orders__c": 300,
        "NetSuite_Deposit_Balance__c": 50,
    }
    record = salesforce.account(synced.salesforce_id)
    assert {k: record.get(k) for k in expected} == expected
    assert record["NetSuite_Id__c"] == "200"
    assert record["NetSuite_Sync__c"] == synced.last_synced_at.isoformat(timespec="seconds")
    assert {k: synced.fields.get(k) for k in expected} == expected
    customer = Customer.objects.get(netsuite_id="200")
    assert (customer.balance, customer.overdue_balance, customer.credit_limit) == (
        Decimal("1500.25"),
        Decimal("200.50"),
        Decimal("10000"),
    )
    assert (customer.days_overdue, customer.unbilled_orders, customer.deposit_balance) == (
        12,
        Decimal("300"),
        Decimal("50"),
    )
    entry = only_log("account_update_from_netsuite")
    assert entry.outcome == "success" and entry.netsuite_id == "200"
    assert netsuite.stats()["calls"] == {"record_item": 1}  # the GET; nothing pushed back
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()


def test_update_from_netsuite_does_not_push_back_a_field_mapped_both_ways(
    synced, netsuite, salesforce
):
    FieldMapping.objects.create(direction="ns_to_sf", source="phone", target="Phone")
    netsuite.edit(type="customer", id="200", fields={"phone": "+1 999 000 1111"})

    update_from_netsuite.account_request_update_from_netsuite(account=synced)

    synced.refresh_from_db()
    assert synced.fields["Phone"] == "+1 999 000 1111"
    assert salesforce.account(synced.salesforce_id)["Phone"] == "+1 999 000 1111"
    assert salesforce.data_calls() == {"sobject_record": 1}
    assert netsuite.stats()["calls"] == {"record_item": 1}
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()
    # Nor later: a push now finds nothing NetSuite does not have.
    assert push.account_push_to_netsuite(account=synced) == "skipped"
    assert LogEntry.objects.get(operation="account_push").reason == "no change since the last sync"
    assert netsuite.stats()["calls"] == {"record_item": 1}


def test_update_from_netsuite_leaves_other_pending_changes_pending(synced, netsuite, salesforce):
    # A Salesforce change not pushed yet (its job still queued) must survive the refresh.
    Account.objects.filter(pk=synced.pk).update(fields={**synced.fields, "Website": "https://new"})
    synced.refresh_from_db()

    update_from_netsuite.account_update_from_netsuite(account=synced)

    synced.refresh_from_db()
    assert push.account_push_to_netsuite(account=synced) == "success"
    assert netsuite.record("customer", "200")["url"] == "https://new"


def test_update_from_netsuite_of_an_unlinked_account_is_refused(
    salesforce, netsuite, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Enterprise Edition")
    account = AccountFactory(name="Loner")

    with pytest.raises(SyncRefused, match="not linked to a NetSuite customer yet"):
        update_from_netsuite.account_request_update_from_netsuite(account=account)
    assert netsuite.stats()["calls"] == {}
