"""
The sync engine end to end: services, outbox and signals against the NetSuite and Salesforce
emulators over real HTTP, tasks eager. Each test checks what a user would see: the record in
the emulator, the integration log entry, the Account and the job.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account, Customer, Opportunity
from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sync import outbox, rules, selectors, tasks
from sync.clients.salesforce import COLLECTION_LIMIT
from sync.errors import SyncRefused
from sync.models import FieldMapping, JobKind, SyncJob
from sync.services import (
    attempts,
    link,
    opportunities,
    push,
    update_from_netsuite,
    writeback,
)

from .conftest import SalesforceControl
from .factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db(transaction=True)

LOCK_FIELD = "custentity_sfns_lock_record"
COMPANY_NAME_REQUIRED = "You must enter a value for Company Name."
FINANCIALS = {
    "balance": 1500.25,
    "overdueBalance": 200.5,
    "creditLimit": 10000,
    "daysOverdue": 12,
    "unbilledOrders": 300,
    "depositBalance": 50,
}


# ============================================================================================
# Helpers
# ============================================================================================
@pytest.fixture
def sf(salesforce_emulator, salesforce_ca):
    return SalesforceControl(salesforce_emulator.url, verify=salesforce_ca)


def configure(**values) -> IntegrationSettings:
    conf = IntegrationSettings.load()
    for name, value in values.items():
        setattr(conf, name, value)
    conf.save()
    return conf


def make_statuses_due() -> None:
    """Age the pending statuses past the batching window instead of sleeping through it."""
    Account.objects.filter(status_pending_since__isnull=False).update(
        status_pending_since=timezone.now() - rules.WRITEBACK_QUIET - dt.timedelta(seconds=1)
    )


def only_log(operation: str) -> LogEntry:
    return LogEntry.objects.get(operation=operation)


def customers(ns) -> dict:
    return ns.state()["records"]["customer"]


def forget_setup() -> None:
    """Forget the jobs and log entries a fixture's own first push made."""
    LogEntry.objects.all().delete()
    SyncJob.objects.all().delete()


@pytest.fixture
def linked(ns, field_mappings):
    """An Account linked to NetSuite customer 100, its first push done (NetSuite only)."""
    ns.seed(customer=[{"id": "100", "companyName": "Acme", "phone": "1"}])
    account = AccountFactory(name="Acme", netsuite_id="100")
    Customer.objects.create(
        netsuite_id="100", company_name="Acme", salesforce_id=account.salesforce_id
    )
    assert ns.record("customer", "100")["companyName"] == "Acme"
    ns.reset_stats()
    forget_setup()
    account.refresh_from_db()
    return account


@pytest.fixture
def synced(ns, sf, field_mappings):
    """
    An Account that exists in Salesforce, is linked to NetSuite customer 200 (with financial
    data) and was just pushed: its NetSuite Sync status waits to be written back.
    """
    configure(salesforce_edition="Enterprise Edition")
    [salesforce_id] = sf.seed_accounts({"Name": "Acme", "Phone": "+1 555 0100"})
    ns.seed(
        customer=[{"id": "200", "companyName": "Acme", "externalId": salesforce_id, **FINANCIALS}]
    )
    account = AccountFactory(salesforce_id=salesforce_id, name="Acme", netsuite_id="200")
    account.refresh_from_db()
    assert account.status_pending_since is not None
    ns.reset_stats()
    sf.reset_stats()
    forget_setup()
    return account


def bulk_pending_accounts(sf, count: int, *, due: bool) -> list[str]:
    """count linked Accounts, in Salesforce and here, whose status waits to be written."""
    ids = sf.seed_accounts(*({"Name": f"Bulk {n}"} for n in range(count)))
    since = timezone.now() - dt.timedelta(
        seconds=rules.WRITEBACK_QUIET.total_seconds() + 1 if due else 0
    )
    Account.objects.bulk_create(
        Account(
            salesforce_id=salesforce_id,
            name=f"Bulk {n}",
            netsuite_id=str(1000 + n),
            last_synced_at=timezone.now(),
            status_pending_since=since,
        )
        for n, salesforce_id in enumerate(ids)
    )
    sf.reset_stats()
    return ids


# ============================================================================================
# 1. Real-time push: the gates, in order
# ============================================================================================
def test_create_only_skips_the_push_of_a_linked_account(linked, ns):
    configure(create_only=True)

    linked.name = "Acme Renamed"
    linked.save()

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "create only")
    assert ns.stats()["calls"] == {}
    assert ns.record("customer", "100")["companyName"] == "Acme"
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()


def test_create_only_is_checked_before_the_link(ns, field_mappings):
    configure(create_only=True)

    AccountFactory(name="New Co")

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "create only")


def test_create_only_also_stops_a_push_job_queued_before_it_was_turned_on(linked, ns):
    configure(create_only=True)
    linked.name = "Acme Renamed"  # as a queued job would find it

    assert push.account_push_to_netsuite(account=linked) == "skipped"

    assert only_log("account_push").reason == "create only"
    assert ns.stats()["calls"] == {}


def test_unlinked_account_is_skipped_as_not_linked_without_calling_netsuite(ns, field_mappings):
    account = AccountFactory(name="New Co")
    account.name = "New Co Ltd"
    account.save()

    entries = LogEntry.objects.filter(operation="account_push")
    assert [(e.outcome, e.reason) for e in entries] == [("skipped", "not linked")] * 2
    assert ns.stats()["calls"] == {}
    assert customers(ns) == {}
    assert not LogEntry.objects.filter(outcome="error").exists()


def test_customer_locked_in_netsuite_just_before_the_change_is_not_updated(linked, ns):
    assert IntegrationSettings.load().check_lock_before_push is True  # the default
    ns.edit(type="customer", id="100", fields={LOCK_FIELD: True})  # SFNS was not told
    before = ns.record("customer", "100")

    linked.name = "Acme Renamed"
    linked.save()

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "locked in NetSuite")
    assert ns.record("customer", "100") == before
    assert ns.stats()["calls"] == {"record_item": 1}  # the lock read, no PATCH
    assert Customer.objects.get(netsuite_id="100").locked is True
    assert SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH).status == "done"
    linked.refresh_from_db()
    assert linked.last_sync_error == ""


def test_unlocked_customer_is_updated_after_the_lock_read(linked, ns):
    linked.name = "Acme Renamed"
    linked.save()

    assert only_log("account_push").outcome == "success"
    assert ns.record("customer", "100")["companyName"] == "Acme Renamed"
    assert ns.stats()["calls"] == {"record_item": 2}  # GET the lock, then PATCH


def test_with_lock_check_off_the_mirror_lock_is_used_without_asking_netsuite(linked, ns):
    configure(check_lock_before_push=False)
    Customer.objects.filter(netsuite_id="100").update(locked=True)

    linked.name = "Acme Renamed"
    linked.save()

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "locked in NetSuite")
    assert ns.stats()["calls"] == {}
    assert ns.record("customer", "100")["companyName"] == "Acme"


def test_with_lock_check_off_the_push_makes_no_lock_read(linked, ns):
    configure(check_lock_before_push=False)
    ns.edit(type="customer", id="100", fields={LOCK_FIELD: True})  # the mirror says unlocked

    linked.name = "Acme Renamed"
    linked.save()

    assert only_log("account_push").outcome == "success"
    assert ns.stats()["calls"] == {"record_item": 1}  # the PATCH only: no lock GET
    assert ns.record("customer", "100")["companyName"] == "Acme Renamed"


def test_unchanged_payload_is_skipped_without_calling_netsuite(linked, ns):
    assert push.account_push_to_netsuite(account=linked) == "skipped"

    entry = only_log("account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "no change since the last sync")
    assert entry.request == selectors.account_outbound_payload(linked)
    assert ns.stats()["calls"] == {}


# ============================================================================================
# 2. Signals
# ============================================================================================
@pytest.mark.parametrize(
    ("change", "netsuite_field", "expected"),
    [
        ({"name": "Acme Renamed"}, "companyName", "Acme Renamed"),
        ({"fields": {"Phone": "+1 415 555 0199"}}, "phone", "+1 415 555 0199"),
    ],
)
def test_saving_a_change_to_a_mapped_field_pushes_it(linked, ns, change, netsuite_field, expected):
    if "name" in change:
        linked.name = change["name"]
    else:
        linked.fields = {**linked.fields, **change["fields"]}
    linked.save()

    job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert (job.status, job.attempts) == ("done", 1)
    assert ns.record("customer", "100")[netsuite_field] == expected


def test_saving_a_change_to_an_unmapped_field_enqueues_nothing(linked, ns):
    linked.fields = {**linked.fields, "Industry": "Banking"}
    linked.save()

    assert not SyncJob.objects.exists()
    assert not LogEntry.objects.exists()
    assert ns.stats()["calls"] == {}


# ============================================================================================
# 3. First sync (link): Create Quote, parents, existing customers
# ============================================================================================
def test_create_quote_creates_and_links_the_customer_then_the_estimate(ns, field_mappings):
    configure(netsuite_estimate_item_id="42")
    account = AccountFactory(
        name="Globex",
        fields={"Name": "Globex", "Phone": "+1 212 555 0199", "Website": "https://globex.example"},
    )
    opportunity = OpportunityFactory(account=account, name="Globex deal", amount=Decimal("1234.50"))

    job = opportunities.opportunity_request_quote(opportunity=opportunity)

    job.refresh_from_db()
    assert job.status == "done"
    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert account.is_linked
    assert list(customers(ns)) == [account.netsuite_id]
    customer = customers(ns)[account.netsuite_id]
    assert customer["externalId"] == account.salesforce_id
    assert customer["custentity_sfns_salesforce_id"] == account.salesforce_id
    assert (customer["companyName"], customer["phone"], customer["url"]) == (
        "Globex",
        "+1 212 555 0199",
        "https://globex.example",
    )
    link = only_log("account_link")
    assert (link.outcome, link.reason) == ("success", "customer created")
    assert link.request["method"] == "PUT"
    assert link.request["path"] == f"record/v1/customer/eid:{account.salesforce_id}"
    assert link.netsuite_id == account.netsuite_id

    estimates = ns.state()["records"]["estimate"]
    assert list(estimates) == [opportunity.netsuite_estimate_id]
    estimate = estimates[opportunity.netsuite_estimate_id]
    assert estimate["entity"] == {"id": account.netsuite_id}
    assert estimate["externalId"] == opportunity.salesforce_id
    assert estimate["item"]["items"] == [{"item": {"id": "42"}, "quantity": 1, "rate": 1234.5}]
    assert only_log("opportunity_quote").outcome == "success"
    mirror = Customer.objects.get(netsuite_id=account.netsuite_id)
    assert mirror.salesforce_id == account.salesforce_id


def test_create_quote_retried_makes_no_duplicate_customer_or_estimate(ns, field_mappings):
    account = AccountFactory(name="Globex")
    opportunity = OpportunityFactory(account=account, amount=100)

    first = opportunities.opportunity_create_quote(opportunity=opportunity)
    opportunities.opportunity_create_quote(opportunity=opportunity)
    # A retry after a crash that lost SFNS's record of both links:
    Account.objects.filter(pk=account.pk).update(netsuite_id="")
    Opportunity.objects.filter(pk=opportunity.pk).update(netsuite_estimate_id="")
    opportunity = Opportunity.objects.get(pk=opportunity.pk)
    third = opportunities.opportunity_create_quote(opportunity=opportunity)

    account.refresh_from_db()
    assert list(customers(ns)) == [account.netsuite_id]
    assert list(ns.state()["records"]["estimate"]) == [first] == [third]
    assert LogEntry.objects.filter(operation="account_link").first().reason == (
        "linked to the existing customer"
    )
    assert not LogEntry.objects.filter(outcome="error").exists()


def test_netsuite_id_reaches_salesforce_through_the_status_writeback(ns, sf, field_mappings):
    configure(salesforce_edition="Enterprise Edition")
    [salesforce_id] = sf.seed_accounts({"Name": "Initech"})
    account = AccountFactory(salesforce_id=salesforce_id, name="Initech")
    opportunities.opportunity_request_quote(
        opportunity=OpportunityFactory(account=account, amount=1)
    )

    account.refresh_from_db()
    assert account.status_pending_since is not None
    make_statuses_due()
    assert writeback.status_writeback() == 1

    account.refresh_from_db()
    record = sf.account(salesforce_id)
    assert record["NetSuite_Id__c"] == account.netsuite_id
    assert record["NetSuite_Sync__c"] == account.last_synced_at.isoformat(timespec="seconds")
    assert account.status_pending_since is None


def test_quote_ensures_a_parent_chain_parent_first(ns, field_mappings):
    top = AccountFactory(name="Top")
    middle = AccountFactory(name="Middle", parent=top)
    leaf = AccountFactory(name="Leaf", parent=middle)

    opportunities.opportunity_create_quote(opportunity=OpportunityFactory(account=leaf))

    for account in (top, middle, leaf):
        account.refresh_from_db()
    records = customers(ns)
    assert len(records) == 3
    assert records[leaf.netsuite_id]["parent"] == {"id": middle.netsuite_id}
    assert records[middle.netsuite_id]["parent"] == {"id": top.netsuite_id}
    assert "parent" not in records[top.netsuite_id]
    links = LogEntry.objects.filter(operation="account_link").order_by("id")
    assert [e.salesforce_id for e in links] == [
        top.salesforce_id,
        middle.salesforce_id,
        leaf.salesforce_id,
    ]


def test_parent_chain_longer_than_ten_levels_stops_at_ten_without_error(ns, field_mappings):
    chain = [AccountFactory(name="Level 0")]
    for level in range(1, 13):
        chain.append(AccountFactory(name=f"Level {level}", parent=chain[-1]))
    leaf = chain[-1]
    opportunity = OpportunityFactory(account=leaf)

    opportunities.opportunity_create_quote(opportunity=opportunity)

    for account in chain:
        account.refresh_from_db()
    created = [a for a in chain if a.is_linked]
    assert created == chain[-(link.MAX_PARENT_DEPTH + 1) :]  # the leaf and 10 parents
    assert len(customers(ns)) == link.MAX_PARENT_DEPTH + 1
    assert "parent" not in customers(ns)[created[0].netsuite_id]
    for parent, child in itertools.pairwise(created):
        assert customers(ns)[child.netsuite_id]["parent"] == {"id": parent.netsuite_id}
    opportunity.refresh_from_db()
    assert opportunity.netsuite_estimate_id
    assert not LogEntry.objects.filter(outcome="error").exists()


def test_create_only_never_blocks_a_creation(ns, field_mappings):
    configure(create_only=True)
    account = AccountFactory(name="Hooli")
    opportunity = OpportunityFactory(account=account)

    opportunities.opportunity_request_quote(opportunity=opportunity)

    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert customers(ns)[account.netsuite_id]["companyName"] == "Hooli"
    assert opportunity.netsuite_estimate_id


def test_account_already_in_netsuite_is_linked_and_updated_not_duplicated(ns, field_mappings):
    account = AccountFactory(name="Umbrella")
    ns.seed(
        customer=[
            {"id": "300", "companyName": "Umbrella (old)", "externalId": account.salesforce_id}
        ]
    )

    opportunities.opportunity_create_quote(opportunity=OpportunityFactory(account=account))

    account.refresh_from_db()
    assert account.netsuite_id == "300"
    assert list(customers(ns)) == ["300"]
    assert customers(ns)["300"]["companyName"] == "Umbrella"
    assert only_log("account_link").reason == "linked to the existing customer"


def test_locked_customer_already_in_netsuite_is_linked_but_not_updated(ns, field_mappings):
    account = AccountFactory(name="Umbrella")
    ns.seed(
        customer=[
            {
                "id": "300",
                "companyName": "Umbrella (old)",
                "externalId": account.salesforce_id,
                LOCK_FIELD: True,
            }
        ]
    )
    before = ns.record("customer", "300")
    opportunity = OpportunityFactory(account=account)

    opportunities.opportunity_create_quote(opportunity=opportunity)

    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert account.netsuite_id == "300"
    assert ns.record("customer", "300") == before
    assert (
        only_log("account_link").reason == "linked to the existing customer (locked: not updated)"
    )
    assert Customer.objects.get(netsuite_id="300").locked is True
    estimate = ns.record("estimate", opportunity.netsuite_estimate_id)
    assert estimate["entity"] == {"id": "300"}


# ============================================================================================
# 4. Sales Orders and the manual "Sync to NetSuite"
# ============================================================================================
def test_sales_order_links_an_unlinked_account_first_when_the_setting_is_on(ns, field_mappings):
    assert IntegrationSettings.load().sync_account_on_sales_order is True  # the default
    account = AccountFactory(name="Hooli")
    opportunity = OpportunityFactory(account=account, amount=500, stage="Closed Won")

    job = opportunities.opportunity_request_sales_order(opportunity=opportunity)

    job.refresh_from_db()
    assert job.status == "done"
    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert customers(ns)[account.netsuite_id]["externalId"] == account.salesforce_id
    order = ns.record("salesOrder", opportunity.netsuite_sales_order_id)
    assert order["entity"] == {"id": account.netsuite_id}
    assert order["item"]["items"] == [{"item": {"id": "1"}, "quantity": 1, "rate": 500.0}]
    operations = list(LogEntry.objects.order_by("id").values_list("operation", "outcome"))
    assert operations[-2:] == [("account_link", "success"), ("opportunity_sales_order", "success")]


def test_sales_order_for_an_unlinked_account_is_refused_when_the_setting_is_off(ns, field_mappings):
    configure(sync_account_on_sales_order=False)
    account = AccountFactory(name="Hooli")
    opportunity = OpportunityFactory(account=account, amount=500)
    message = (
        f"Account {account.salesforce_id} is not linked to a NetSuite customer and 'Sync "
        "Account on Sales Order' is off"
    )

    with pytest.raises(SyncRefused, match=message):
        opportunities.opportunity_request_sales_order(opportunity=opportunity)
    assert not SyncJob.objects.exists()
    # A job queued before the setting was turned off refuses the same way, in the log:
    with pytest.raises(SyncRefused, match=message):
        opportunities.opportunity_sync_sales_order(opportunity=opportunity)

    entry = only_log("opportunity_sales_order")
    assert entry.outcome == "error" and entry.reason.startswith(message)
    assert ns.stats()["calls"] == {}
    assert customers(ns) == {} and ns.state()["records"]["salesOrder"] == {}
    account.refresh_from_db()
    assert not account.is_linked


def test_sales_order_for_a_linked_account_goes_ahead_with_the_setting_off(linked, ns):
    configure(sync_account_on_sales_order=False)
    opportunity = OpportunityFactory(account=linked, amount=75)

    opportunities.opportunity_request_sales_order(opportunity=opportunity)

    opportunity.refresh_from_db()
    assert ns.record("salesOrder", opportunity.netsuite_sales_order_id)["entity"] == {"id": "100"}
    assert list(customers(ns)) == ["100"]


def test_sync_to_netsuite_creates_and_links_an_unlinked_account(ns, field_mappings):
    account = AccountFactory(name="Pied Piper")

    job = link.account_request_link_or_push(account=account)

    job.refresh_from_db()
    assert job.status == "done"
    account.refresh_from_db()
    customer = customers(ns)[account.netsuite_id]
    assert (customer["companyName"], customer["externalId"]) == (
        "Pied Piper",
        account.salesforce_id,
    )


def test_sync_to_netsuite_force_pushes_a_linked_account_even_when_unchanged(linked, ns):
    ns.edit(type="customer", id="100", fields={"companyName": "Edited in NetSuite"})

    job = link.account_request_link_or_push(account=linked)

    job.refresh_from_db()
    assert job.status == "done"
    assert ns.record("customer", "100")["companyName"] == "Acme"
    assert only_log("account_push").outcome == "success"
    assert ns.stats()["calls"] == {"record_item": 2}


# ============================================================================================
# 5. Update from NetSuite
# ============================================================================================
@pytest.mark.parametrize("edition", ["Professional Edition", "Essentials Edition"])
def test_update_from_netsuite_is_refused_below_enterprise_edition(synced, ns, sf, edition):
    configure(salesforce_edition=edition)

    with pytest.raises(
        SyncRefused,
        match=f"needs Salesforce Enterprise Edition or higher; this org is {edition}",
    ):
        update_from_netsuite.account_request_update_from_netsuite(account=synced)

    assert not SyncJob.objects.exists()
    assert ns.stats()["calls"] == {}
    assert sf.data_calls() == {}


def test_update_from_netsuite_detects_the_edition_and_caches_it(synced, ns, sf):
    configure(salesforce_edition="", salesforce_edition_detected="")
    sf.faults(edition="Professional Edition")

    with pytest.raises(SyncRefused, match="this org is Professional Edition"):
        update_from_netsuite.account_request_update_from_netsuite(account=synced)
    assert IntegrationSettings.load().salesforce_edition_detected == "Professional Edition"
    assert sf.data_calls() == {"query": 1}
    # Asked at most once a day:
    with pytest.raises(SyncRefused, match="Professional Edition"):
        update_from_netsuite.account_request_update_from_netsuite(account=synced)
    assert sf.data_calls() == {"query": 1}

    # The org is upgraded; once the cached answer is cleared, the new edition is detected.
    sf.faults(edition="Enterprise Edition")
    configure(salesforce_edition_detected="", salesforce_edition_detected_at=None)
    job = update_from_netsuite.account_request_update_from_netsuite(account=synced)

    job.refresh_from_db()
    assert job.status == "done"
    assert IntegrationSettings.load().salesforce_edition_detected == "Enterprise Edition"


@pytest.mark.parametrize(
    "edition",
    ["Enterprise Edition", "Unlimited Edition", "Performance Edition", "Developer Edition"],
)
def test_update_from_netsuite_writes_the_financials_here_and_in_salesforce_in_one_call(
    synced, ns, sf, edition
):
    configure(salesforce_edition=edition)

    job = update_from_netsuite.account_request_update_from_netsuite(account=synced)

    job.refresh_from_db()
    assert job.status == "done"
    assert sf.data_calls() == {"sobject_record": 1}  # one PATCH of the Account
    synced.refresh_from_db()
    expected = {
        "NetSuite_Balance__c": 1500.25,
        "NetSuite_Overdue_Balance__c": 200.5,
        "NetSuite_Credit_Limit__c": 10000,
        "NetSuite_Days_Overdue__c": 12,
        "NetSuite_Unbilled_Orders__c": 300,
        "NetSuite_Deposit_Balance__c": 50,
    }
    record = sf.account(synced.salesforce_id)
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
    assert ns.stats()["calls"] == {"record_item": 1}  # the GET; nothing pushed back
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()


def test_update_from_netsuite_does_not_push_back_a_field_mapped_both_ways(synced, ns, sf):
    FieldMapping.objects.create(direction="ns_to_sf", source="phone", target="Phone")
    ns.edit(type="customer", id="200", fields={"phone": "+1 999 000 1111"})

    update_from_netsuite.account_request_update_from_netsuite(account=synced)

    synced.refresh_from_db()
    assert synced.fields["Phone"] == "+1 999 000 1111"
    assert sf.account(synced.salesforce_id)["Phone"] == "+1 999 000 1111"
    assert sf.data_calls() == {"sobject_record": 1}
    assert ns.stats()["calls"] == {"record_item": 1}
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_PUSH).exists()
    # Nor later: a push now finds nothing NetSuite does not have.
    assert push.account_push_to_netsuite(account=synced) == "skipped"
    assert LogEntry.objects.get(operation="account_push").reason == "no change since the last sync"
    assert ns.stats()["calls"] == {"record_item": 1}


def test_update_from_netsuite_leaves_other_pending_changes_pending(synced, ns, sf):
    # A Salesforce change not pushed yet (its job still queued) must survive the refresh.
    Account.objects.filter(pk=synced.pk).update(fields={**synced.fields, "Website": "https://new"})
    synced.refresh_from_db()

    update_from_netsuite.account_update_from_netsuite(account=synced)

    synced.refresh_from_db()
    assert push.account_push_to_netsuite(account=synced) == "success"
    assert ns.record("customer", "200")["url"] == "https://new"


def test_a_broken_mapping_fails_the_push_with_its_error_but_saving_still_works(linked, ns, client):
    FieldMapping.objects.create(
        direction="sf_to_ns",
        source="Name",
        target="comments",
        transform="truncate",
        argument="ten",
    )
    linked.name = "Acme Renamed"
    linked.save()  # no exception: the webhook or admin save that caused it succeeds

    job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert job.status == "failed" and job.attempts == 1
    entry = LogEntry.objects.get(operation="account_push", outcome="error")
    assert "field mappings cannot be applied" in entry.reason
    assert "comments: truncate needs a length" in entry.reason
    linked.refresh_from_db()
    assert "truncate needs a length" in linked.last_sync_error
    assert ns.record("customer", "100")["companyName"] == "Acme"  # nothing sent


def test_update_from_netsuite_of_an_unlinked_account_is_refused(sf, ns, field_mappings):
    configure(salesforce_edition="Enterprise Edition")
    account = AccountFactory(name="Loner")

    with pytest.raises(SyncRefused, match="not linked to a NetSuite customer yet"):
        update_from_netsuite.account_request_update_from_netsuite(account=account)
    assert ns.stats()["calls"] == {}


# ============================================================================================
# 6. The NetSuite Sync status on the Salesforce record
# ============================================================================================
def test_successful_push_marks_the_account_for_a_batched_status_writeback(linked, ns):
    Account.objects.filter(pk=linked.pk).update(status_pending_since=None)

    linked.name = "Acme Renamed"
    linked.save()

    linked.refresh_from_db()
    assert linked.status_pending_since is not None and linked.last_synced_at is not None
    job = SyncJob.objects.get(kind=JobKind.STATUS_WRITEBACK)
    assert job.status == "pending" and job.not_before > timezone.now()


def test_status_writeback_writes_sync_time_and_netsuite_id_on_enterprise(synced, sf):
    assert writeback.status_writeback() == 0  # a lone status waits for company
    assert "NetSuite_Sync__c" not in sf.account(synced.salesforce_id)
    assert sf.data_calls() == {}

    make_statuses_due()
    assert writeback.status_writeback() == 1

    synced.refresh_from_db()
    record = sf.account(synced.salesforce_id)
    assert record["NetSuite_Sync__c"] == synced.last_synced_at.isoformat(timespec="seconds")
    assert record["NetSuite_Id__c"] == "200"
    assert sf.data_calls() == {"composite_sobjects": 1}
    assert synced.status_pending_since is None
    entry = only_log("status_writeback")
    assert (entry.outcome, entry.reason) == ("success", "1 of 1 Account(s) updated")


def test_a_status_that_changes_while_its_batch_is_written_stays_pending(synced, sf):
    from sync.clients.salesforce import SalesforceClient

    conf = IntegrationSettings.load()
    rows = list(
        Account.objects.filter(pk=synced.pk).values(
            "pk",
            "salesforce_id",
            "netsuite_id",
            "last_synced_at",
            "last_sync_error",
            "status_version",
        )
    )
    attempts.account_record_attempt(account=synced, error="newer failure")  # meanwhile

    writeback._write_batch(rows, conf=conf, client=SalesforceClient(), with_status=True, job=None)

    synced.refresh_from_db()
    assert synced.status_pending_since is not None  # the newer error still goes to Salesforce
    make_statuses_due()
    writeback.status_writeback()
    assert sf.account(synced.salesforce_id)["NetSuite_Sync__c"] == "Error: newer failure"


def test_status_writeback_after_a_failed_sync_shows_the_error(synced, ns, sf):
    FieldMapping.objects.filter(target="companyName").update(transform="static", argument="")
    synced.name = "Acme Renamed"
    synced.save()

    make_statuses_due()
    assert writeback.status_writeback() == 1

    synced.refresh_from_db()
    assert COMPANY_NAME_REQUIRED in synced.last_sync_error
    status = sf.account(synced.salesforce_id)["NetSuite_Sync__c"]
    assert status == f"Error: {synced.last_sync_error}"[:255]
    assert status.startswith("Error: NetSuite PATCH record/v1/customer/200: ")


def test_status_writeback_on_professional_writes_only_the_netsuite_id(synced, sf):
    configure(salesforce_edition="Professional Edition")
    make_statuses_due()

    assert writeback.status_writeback() == 1

    record = sf.account(synced.salesforce_id)
    assert record["NetSuite_Id__c"] == "200"
    assert "NetSuite_Sync__c" not in record
    synced.refresh_from_db()
    assert synced.last_synced_at is not None  # the status stays here


def test_450_due_statuses_are_written_with_three_collection_calls(sf, field_mappings):
    configure(salesforce_edition="Enterprise Edition")
    ids = bulk_pending_accounts(sf, 450, due=True)

    assert writeback.status_writeback() == 450

    assert sf.data_calls() == {"composite_sobjects": 3}
    records = sf.state()["records"]["Account"]
    assert all(records[i]["NetSuite_Id__c"] for i in ids)
    assert all(records[i]["NetSuite_Sync__c"] for i in ids)
    assert not Account.objects.filter(status_pending_since__isnull=False).exists()


def test_full_batches_go_at_once_and_the_rest_waits_for_company(sf, field_mappings):
    configure(salesforce_edition="Enterprise Edition")
    ids = bulk_pending_accounts(sf, 450, due=False)

    assert writeback.status_writeback() == 400

    assert sf.data_calls() == {"composite_sobjects": 2}
    assert Account.objects.filter(status_pending_since__isnull=False).count() == 50
    records = sf.state()["records"]["Account"]
    written = [i for i in ids if "NetSuite_Id__c" in records[i]]
    assert len(written) == 400
    assert SyncJob.objects.get(kind=JobKind.STATUS_WRITEBACK).status == "pending"


def test_fewer_than_a_batch_and_none_due_writes_nothing_yet(sf, field_mappings):
    configure(salesforce_edition="Enterprise Edition")
    bulk_pending_accounts(sf, 150, due=False)

    assert writeback.status_writeback() == 0

    assert sf.data_calls() == {}
    assert Account.objects.filter(status_pending_since__isnull=False).count() == 150


def test_the_sync_that_fills_a_batch_writes_it_at_once(synced, sf):
    bulk_pending_accounts(sf, COLLECTION_LIMIT - 1, due=False)

    synced.name = "Acme Renamed"  # its push makes the 200th pending status
    synced.save()

    assert sf.data_calls() == {"composite_sobjects": 1}
    assert not Account.objects.filter(status_pending_since__isnull=False).exists()
    assert sf.account(synced.salesforce_id)["NetSuite_Id__c"] == "200"


def test_account_deleted_in_salesforce_gets_an_error_entry_and_is_not_retried(sf, field_mappings):
    configure(salesforce_edition="Enterprise Edition")
    kept, gone = bulk_pending_accounts(sf, 2, due=True)
    sf.edit(type="Account", id=gone, delete=True)

    assert writeback.status_writeback() == 1

    error = LogEntry.objects.get(operation="status_writeback", outcome="error")
    assert error.salesforce_id == gone and "ENTITY_IS_DELETED" in error.reason
    assert sf.account(kept)["NetSuite_Id__c"] == "1000"
    assert not Account.objects.filter(status_pending_since__isnull=False).exists()
    sf.reset_stats()
    assert writeback.status_writeback() == 0
    assert sf.data_calls() == {}


# ============================================================================================
# 7. Field mappings are data; the preview is the payload
# ============================================================================================
def test_preview_is_exactly_what_the_next_push_sends_with_every_transform(linked, ns):
    FieldMapping.objects.filter(target="url").update(
        transform="default", argument="https://no-website.example"
    )
    FieldMapping.objects.bulk_create(
        [
            FieldMapping(
                direction="sf_to_ns",
                target="comments",
                transform="static",
                argument="Managed in Salesforce",
            ),
            FieldMapping(
                direction="sf_to_ns",
                source="Type",
                target="category.id",
                transform="lookup",
                argument={"Customer - Direct": "3", "*": "9"},
            ),
            FieldMapping(
                direction="sf_to_ns",
                target="entityId",
                transform="template",
                argument="SF-{AccountNumber}",
            ),
        ]
    )
    linked.name = "N" * 100
    linked.fields = {
        **linked.fields,
        "Phone": "+1 555 0123",
        "Type": "Customer - Direct",
        "AccountNumber": "A-77",
    }

    preview = selectors.account_outbound_payload(linked)
    assert preview == {
        "companyName": "N" * 83,
        "phone": "+1 555 0123",
        "url": "https://no-website.example",
        "comments": "Managed in Salesforce",
        "category": {"id": "3"},
        "entityId": "SF-A-77",
    }
    linked.save()

    entry = only_log("account_push")
    assert entry.outcome == "success"
    assert (entry.request["method"], entry.request["body"]) == ("PATCH", preview)
    customer = ns.record("customer", "100")
    assert {k: customer.get(k) for k in preview} == preview

    linked.fields = {**linked.fields, "Type": "Prospect", "Website": "https://acme.example"}
    linked.save()

    customer = ns.record("customer", "100")
    assert customer["category"] == {"id": "9"}  # the lookup's "*" fallback
    assert customer["url"] == "https://acme.example"


# ============================================================================================
# 8. Errors and retries
# ============================================================================================
def test_netsuite_validation_error_fails_the_job_at_once(linked, ns):
    FieldMapping.objects.filter(target="companyName").update(transform="static", argument="")

    linked.name = "Acme Renamed"
    linked.save()

    job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert (job.status, job.attempts) == ("failed", 1)
    assert COMPANY_NAME_REQUIRED in job.last_error
    linked.refresh_from_db()
    assert COMPANY_NAME_REQUIRED in linked.last_sync_error
    entry = LogEntry.objects.get(operation="account_push")
    assert entry.outcome == "error" and COMPANY_NAME_REQUIRED in entry.reason
    assert "will retry" not in entry.reason
    assert entry.response["status"] == 400
    assert ns.record("customer", "100")["companyName"] == "Acme"


def test_transient_netsuite_errors_are_retried_with_backoff_until_out_of_attempts(
    linked, ns, settings
):
    settings.SFNS_RETRY_BASE_SECONDS = 1.0
    ns.faults(fail_rate=1.0)
    try:
        started = timezone.now()
        linked.name = "Acme Renamed"
        linked.save()

        job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
        assert (job.status, job.attempts) == ("pending", 1)
        assert started + dt.timedelta(seconds=0.5) <= job.not_before
        assert job.not_before <= timezone.now() + dt.timedelta(seconds=1)
        linked.refresh_from_db()
        assert linked.last_sync_error == ""  # not final yet

        SyncJob.objects.filter(pk=job.pk).update(not_before=None, max_attempts=2)
        tasks.job_run(job_id=job.pk)

        job.refresh_from_db()
        assert (job.status, job.attempts) == ("failed", 2)
        assert "An unexpected error occurred" in job.last_error
    finally:
        ns.faults(fail_rate=0.0)
    entries = LogEntry.objects.filter(operation="account_push").order_by("id")
    assert [(e.outcome, e.attempt) for e in entries] == [("error", 1), ("error", 2)]
    assert entries[0].reason.endswith("(will retry)")
    assert not entries[1].reason.endswith("(will retry)")
    linked.refresh_from_db()
    assert "An unexpected error occurred" in linked.last_sync_error
    assert ns.record("customer", "100")["companyName"] == "Acme"


def test_retry_of_a_failed_job_pushes_the_accounts_current_state(linked, ns):
    linked.name = ""  # NetSuite refuses an empty Company Name
    linked.save()
    failed = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert failed.status == "failed"
    # The Account changes after the failure (stored without a push of its own):
    Account.objects.filter(pk=linked.pk).update(name="Acme Fixed")

    retry = outbox.job_retry(job=failed)

    retry.refresh_from_db()
    assert retry.pk != failed.pk and retry.status == "done"
    assert ns.record("customer", "100")["companyName"] == "Acme Fixed"
    linked.refresh_from_db()
    assert linked.last_sync_error == ""
    assert LogEntry.objects.filter(operation="account_push").first().outcome == "success"


def test_retry_of_a_failed_job_joins_the_pending_push_of_a_newer_change(linked, ns, settings):
    settings.SFNS_RETRY_BASE_SECONDS = 30.0
    linked.name = ""  # refused by NetSuite: failed at once
    linked.save()
    failed = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert failed.status == "failed"
    ns.faults(fail_rate=1.0)
    try:
        linked.name = "Acme v3"
        linked.save()  # NetSuite is down: this push waits 15-30 s for its next attempt
    finally:
        ns.faults(fail_rate=0.0)
    newer = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH, status="pending")

    retry = outbox.job_retry(job=failed)

    assert retry.pk == newer.pk  # one job per record: the retry makes it due now
    retry.refresh_from_db()
    assert (retry.status, retry.attempts) == ("done", 2)
    assert ns.record("customer", "100")["companyName"] == "Acme v3"


def test_billing_address_becomes_the_default_billing_line_and_pushes_do_not_duplicate_it(
    linked, ns
):
    billing = {
        "BillingStreet": "1 Main St",
        "BillingCity": "Springfield",
        "BillingPostalCode": "12345",
        "BillingCountry": "US",
    }
    linked.fields = {**linked.fields, **billing}
    linked.save()
    linked.fields = {**linked.fields, "BillingStreet": "2 Main St"}
    linked.save()

    lines = ns.record("customer", "100")["addressBook"]["items"]
    assert lines == [
        {
            "addressBookAddress": {
                "addr1": "2 Main St",
                "city": "Springfield",
                "zip": "12345",
                "country": "US",
            },
            "defaultBilling": True,
        }
    ]
