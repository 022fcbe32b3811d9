"""
Create Quote and Sync as Sales Order: the link first, then the estimate or the sales order.
Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Account, Customer, Opportunity
from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sync.errors import SyncRefused
from sync.models import SyncJob
from sync.services import (
    opportunities,
)

from ..factories import AccountFactory, OpportunityFactory
from .helpers import (
    customers,
    only_log,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_quote_creates_and_links_the_customer_then_the_estimate(
    netsuite, salesforce, field_mappings, integration_settings
):
    """An Opportunity with no products: one line, its amount, as the settings' item."""
    integration_settings(netsuite_estimate_item_id="42")
    netsuite.seed(serviceSaleItem=[{"id": "42", "itemId": "Opportunity"}])
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
    assert list(customers(netsuite)) == [account.netsuite_id]
    customer = customers(netsuite)[account.netsuite_id]
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

    estimates = netsuite.state()["records"]["estimate"]
    assert list(estimates) == [opportunity.netsuite_estimate_id]
    estimate = estimates[opportunity.netsuite_estimate_id]
    assert estimate["entity"] == {"id": account.netsuite_id}
    assert estimate["externalId"] == opportunity.salesforce_id
    assert estimate["item"]["items"] == [{"item": {"id": "42"}, "quantity": 1, "rate": 1234.5}]
    assert only_log("opportunity_quote").outcome == "success"
    mirror = Customer.objects.get(netsuite_id=account.netsuite_id)
    assert mirror.salesforce_id == account.salesforce_id


def test_create_quote_retried_makes_no_duplicate_customer_or_estimate(
    netsuite, salesforce, field_mappings
):
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
    assert list(customers(netsuite)) == [account.netsuite_id]
    assert list(netsuite.state()["records"]["estimate"]) == [first] == [third]
    assert LogEntry.objects.filter(operation="account_link").first().reason == (
        "linked to the existing customer"
    )
    assert not LogEntry.objects.filter(outcome="error").exists()


def test_sales_order_links_an_unlinked_account_first_when_the_setting_is_on(
    netsuite, salesforce, field_mappings
):
    assert IntegrationSettings.load().sync_account_on_sales_order is True  # the default
    account = AccountFactory(name="Hooli")
    opportunity = OpportunityFactory(account=account, amount=500, stage="Closed Won")

    job = opportunities.opportunity_request_sales_order(opportunity=opportunity)

    job.refresh_from_db()
    assert job.status == "done"
    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert customers(netsuite)[account.netsuite_id]["externalId"] == account.salesforce_id
    order = netsuite.record("salesOrder", opportunity.netsuite_sales_order_id)
    assert order["entity"] == {"id": account.netsuite_id}
    assert order["item"]["items"] == [{"item": {"id": "1"}, "quantity": 1, "rate": 500.0}]
    operations = list(LogEntry.objects.order_by("id").values_list("operation", "outcome"))
    assert operations[-2:] == [("account_link", "success"), ("opportunity_sales_order", "success")]


def test_sales_order_for_an_unlinked_account_is_refused_when_the_setting_is_off(
    netsuite, field_mappings, integration_settings
):
    integration_settings(sync_account_on_sales_order=False)
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
    assert netsuite.stats()["calls"] == {}
    assert customers(netsuite) == {} and netsuite.state()["records"]["salesOrder"] == {}
    account.refresh_from_db()
    assert not account.is_linked


def test_sales_order_for_a_linked_account_goes_ahead_with_the_setting_off(
    linked, netsuite, salesforce, integration_settings
):
    integration_settings(sync_account_on_sales_order=False)
    opportunity = OpportunityFactory(account=linked, amount=75)

    opportunities.opportunity_request_sales_order(opportunity=opportunity)

    opportunity.refresh_from_db()
    assert netsuite.record("salesOrder", opportunity.netsuite_sales_order_id)["entity"] == {
        "id": "100"
    }
    assert list(customers(netsuite)) == ["100"]
