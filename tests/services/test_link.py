"""
Link: find or create the customer (parents first, existing customers), and the admin's Sync
to NetSuite (link, or push when linked).
Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

import itertools

import pytest

from accounts.models import Customer
from integration_log.models import LogEntry
from sync.services import (
    link,
    opportunities,
)
from sync.services.parents import MAX_PARENT_DEPTH

from ..factories import AccountFactory, OpportunityFactory
from .helpers import (
    LOCK_FIELD,
    customers,
    only_log,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_quote_ensures_a_parent_chain_parent_first(netsuite, salesforce, field_mappings):
    top = AccountFactory(name="Top")
    middle = AccountFactory(name="Middle", parent=top)
    leaf = AccountFactory(name="Leaf", parent=middle)

    opportunities.opportunity_create_quote(opportunity=OpportunityFactory(account=leaf))

    for account in (top, middle, leaf):
        account.refresh_from_db()
    records = customers(netsuite)
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


def test_parent_chain_longer_than_ten_levels_stops_at_ten_with_a_logged_skip(
    netsuite, salesforce, field_mappings
):
    chain = [AccountFactory(name="Level 0")]
    for level in range(1, 13):
        chain.append(AccountFactory(name=f"Level {level}", parent=chain[-1]))
    leaf = chain[-1]
    opportunity = OpportunityFactory(account=leaf)

    opportunities.opportunity_create_quote(opportunity=opportunity)

    for account in chain:
        account.refresh_from_db()
    created = [a for a in chain if a.is_linked]
    assert created == chain[-(MAX_PARENT_DEPTH + 1) :]  # the leaf and 10 parents
    assert len(customers(netsuite)) == MAX_PARENT_DEPTH + 1
    assert "parent" not in customers(netsuite)[created[0].netsuite_id]
    for parent, child in itertools.pairwise(created):
        assert customers(netsuite)[child.netsuite_id]["parent"] == {"id": parent.netsuite_id}
    opportunity.refresh_from_db()
    assert opportunity.netsuite_estimate_id
    assert not LogEntry.objects.filter(outcome="error").exists()
    skip = LogEntry.objects.get(reason__startswith="parent chain deeper than 10 levels")
    assert (skip.operation, skip.outcome) == ("account_link", "skipped")
    assert skip.salesforce_id == created[0].salesforce_id  # linked without its parent


def test_create_only_never_blocks_a_creation(
    netsuite, salesforce, field_mappings, integration_settings
):
    integration_settings(create_only=True)
    account = AccountFactory(name="Hooli")
    opportunity = OpportunityFactory(account=account)

    opportunities.opportunity_request_quote(opportunity=opportunity)

    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert customers(netsuite)[account.netsuite_id]["companyName"] == "Hooli"
    assert opportunity.netsuite_estimate_id


def test_account_already_in_netsuite_is_linked_and_updated_not_duplicated(
    netsuite, salesforce, field_mappings
):
    account = AccountFactory(name="Umbrella")
    netsuite.seed(
        customer=[
            {"id": "300", "companyName": "Umbrella (old)", "externalId": account.salesforce_id}
        ]
    )

    opportunities.opportunity_create_quote(opportunity=OpportunityFactory(account=account))

    account.refresh_from_db()
    assert account.netsuite_id == "300"
    assert list(customers(netsuite)) == ["300"]
    assert customers(netsuite)["300"]["companyName"] == "Umbrella"
    assert only_log("account_link").reason == "linked to the existing customer"


def test_locked_customer_already_in_netsuite_is_linked_but_not_updated(
    netsuite, salesforce, field_mappings
):
    account = AccountFactory(name="Umbrella")
    netsuite.seed(
        customer=[
            {
                "id": "300",
                "companyName": "Umbrella (old)",
                "externalId": account.salesforce_id,
                LOCK_FIELD: True,
            }
        ]
    )
    before = netsuite.record("customer", "300")
    opportunity = OpportunityFactory(account=account)

    opportunities.opportunity_create_quote(opportunity=opportunity)

    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert account.netsuite_id == "300"
    assert netsuite.record("customer", "300") == before
    assert (
        only_log("account_link").reason == "linked to the existing customer (locked: not updated)"
    )
    assert Customer.objects.get(netsuite_id="300").locked is True
    estimate = netsuite.record("estimate", opportunity.netsuite_estimate_id)
    assert estimate["entity"] == {"id": "300"}


def test_sync_to_netsuite_creates_and_links_an_unlinked_account(netsuite, field_mappings):
    account = AccountFactory(name="Pied Piper")

    job = link.account_request_link_or_push(account=account)

    job.refresh_from_db()
    assert job.status == "done"
    account.refresh_from_db()
    customer = customers(netsuite)[account.netsuite_id]
    assert (customer["companyName"], customer["externalId"]) == (
        "Pied Piper",
        account.salesforce_id,
    )


def test_sync_to_netsuite_force_pushes_a_linked_account_even_when_unchanged(linked, netsuite):
    netsuite.edit(type="customer", id="100", fields={"companyName": "Edited in NetSuite"})

    job = link.account_request_link_or_push(account=linked)

    job.refresh_from_db()
    assert job.status == "done"
    assert netsuite.record("customer", "100")["companyName"] == "Acme"
    assert only_log("account_push").outcome == "success"
    assert netsuite.stats()["calls"] == {"record_item": 2}
