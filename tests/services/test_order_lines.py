"""
Opportunity products as estimate and sales order lines: read from Salesforce, each product's
NetSuite item found by the product mapping. Against both emulators over real HTTP.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account, Opportunity
from emulators.salesforce.products import STANDARD_PRICEBOOK_ID
from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sync.clients.salesforce import SalesforceClient
from sync.errors import SyncRefused
from sync.services import opportunities

from ..factories import AccountFactory, OpportunityFactory
from .helpers import customers, only_log

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = [
    {"id": "7", "itemId": "GEN-1000", "externalId": "ns-gen", "displayName": "Generator"},
    {"id": "8", "itemId": "SVC-INSTALL", "externalId": "ns-install"},
    {"id": "9", "itemId": "OLD-1", "isInactive": True},
]


def opportunity_with(salesforce, *lines: tuple[dict, dict], amount: int = 0) -> Opportunity:
    """
    An Opportunity in Salesforce and its mirror here, its Account not linked yet; lines are
    (product fields, line item fields), in the order of the seller's SortOrder.
    """
    [account_id] = salesforce.seed_accounts({"Name": "Globex"})
    [opportunity_id] = salesforce.seed_ids(
        Opportunity=[
            {
                "Name": "Globex deal",
                "AccountId": account_id,
                "StageName": "Prospecting",
                "CloseDate": "2026-12-31",
            }
        ]
    )["Opportunity"]
    for position, (product, line) in enumerate(lines, start=1):
        [product_id] = salesforce.seed_ids(Product2=[{"IsActive": True, **product}])["Product2"]
        [entry_id] = salesforce.seed_ids(
            PricebookEntry=[
                {
                    "Pricebook2Id": STANDARD_PRICEBOOK_ID,
                    "Product2Id": product_id,
                    "UnitPrice": 100,
                    "IsActive": True,
                }
            ]
        )["PricebookEntry"]
        salesforce.seed(
            OpportunityLineItem=[
                {
                    "OpportunityId": opportunity_id,
                    "PricebookEntryId": entry_id,
                    "SortOrder": position,
                    **line,
                }
            ]
        )
    account = AccountFactory(salesforce_id=account_id, name="Globex")
    return OpportunityFactory(
        salesforce_id=opportunity_id, account=account, name="Globex deal", amount=amount
    )


def salesforce_delete(sobject: str, record_id: str) -> None:
    """A person deletes the record in Salesforce (through the emulator's REST API)."""
    SalesforceClient().delete(sobject, record_id)


GENERATOR = ({"Name": "Generator", "ProductCode": "GEN-1000"}, {"Quantity": 2, "UnitPrice": 1500})
INSTALL = (
    {"Name": "Installation", "ProductCode": "SVC-INSTALL", "ExternalId": "ns-install"},
    {"Quantity": 1, "UnitPrice": 250.5, "Description": "On site, one day"},
)


def test_an_estimates_lines_are_the_opportunitys_products_by_item_name(
    netsuite, salesforce, field_mappings
):
    netsuite.seed(serviceSaleItem=ITEMS)
    opportunity = opportunity_with(salesforce, GENERATOR, INSTALL, amount=3250)

    job = opportunities.opportunity_request_quote(opportunity=opportunity)

    job.refresh_from_db()
    assert job.status == "done", job.last_error
    opportunity.refresh_from_db()
    estimate = netsuite.record("estimate", opportunity.netsuite_estimate_id)
    assert estimate["item"]["items"] == [
        {"item": {"id": "7"}, "quantity": 2.0, "rate": 1500.0},
        {"item": {"id": "8"}, "quantity": 1.0, "rate": 250.5, "description": "On site, one day"},
    ]
    assert estimate["total"] == 3250.5
    assert only_log("opportunity_quote").outcome == "success"


def test_items_found_by_external_id_or_the_lookup_table_when_the_settings_say_so(
    netsuite, salesforce, field_mappings, integration_settings
):
    netsuite.seed(serviceSaleItem=ITEMS)
    integration_settings(
        product_key_field="ExternalId",
        product_item_match="external_id",
        product_item_lookup={"legacy-gen": "7"},
    )
    generator = (
        {"Name": "Generator", "ExternalId": "legacy-gen"},
        {"Quantity": 2, "TotalPrice": 160},
    )
    opportunity = opportunity_with(salesforce, generator, INSTALL)

    opportunities.opportunity_create_quote(opportunity=opportunity)

    opportunity.refresh_from_db()
    lines = netsuite.record("estimate", opportunity.netsuite_estimate_id)["item"]["items"]
    assert [line["item"]["id"] for line in lines] == ["7", "8"]  # table, then external id
    assert (lines[0]["quantity"], lines[0]["rate"]) == (2.0, 80.0)  # priced by its total


def test_a_product_with_no_item_is_refused_by_name_before_anything_is_created(
    netsuite, salesforce, field_mappings
):
    netsuite.seed(serviceSaleItem=ITEMS)
    unknown = (
        {"Name": "Flux Capacitor", "ProductCode": "FLUX-88"},
        {"Quantity": 1, "UnitPrice": 1},
    )
    opportunity = opportunity_with(salesforce, GENERATOR, unknown)

    job = opportunities.opportunity_request_quote(opportunity=opportunity)

    job.refresh_from_db()
    assert job.status == "failed"
    entry = only_log("opportunity_quote")
    assert entry.outcome == "error"
    assert entry.reason.startswith("product 'Flux Capacitor' (01t")
    assert entry.reason.endswith("has no NetSuite item: no NetSuite item is named 'FLUX-88'")
    assert "FROM item WHERE itemid IN" in entry.request["body"]["q"]  # the query that found none
    assert customers(netsuite) == {}  # the link waits for lines that can be made
    assert netsuite.state()["records"]["estimate"] == {}
    assert not Account.objects.get().is_linked


@pytest.mark.parametrize(
    ("product", "reason"),
    [
        ({"Name": "Old", "ProductCode": "OLD-1"}, "NetSuite item 9 is inactive"),
        ({"Name": "Blank", "ProductCode": ""}, "has no ProductCode: fill it in"),
    ],
)
def test_a_product_whose_item_cannot_be_used_is_refused_with_the_reason(
    netsuite, salesforce, field_mappings, product, reason
):
    netsuite.seed(serviceSaleItem=ITEMS)
    opportunity = opportunity_with(salesforce, (product, {"Quantity": 1, "UnitPrice": 1}))

    with pytest.raises(SyncRefused, match=reason):
        opportunities.opportunity_create_quote(opportunity=opportunity)

    entry = only_log("opportunity_quote")
    assert entry.outcome == "error" and f"product '{product['Name']}'" in entry.reason
    assert netsuite.state()["records"]["estimate"] == {}


def test_making_the_estimate_again_replaces_its_lines_with_the_current_products(
    netsuite, salesforce, field_mappings
):
    netsuite.seed(serviceSaleItem=ITEMS)
    opportunity = opportunity_with(salesforce, GENERATOR, INSTALL)
    estimate_id = opportunities.opportunity_create_quote(opportunity=opportunity)
    [line_id] = [
        row["Id"]
        for row in salesforce.state()["records"]["OpportunityLineItem"].values()
        if row.get("Description")
    ]
    salesforce_delete("OpportunityLineItem", line_id)

    again = opportunities.opportunity_create_quote(opportunity=Opportunity.objects.get())

    assert again == estimate_id
    lines = netsuite.record("estimate", estimate_id)["item"]["items"]
    assert lines == [{"item": {"id": "7"}, "quantity": 2.0, "rate": 1500.0}]
    assert not LogEntry.objects.filter(outcome="error").exists()


def test_a_won_opportunity_becomes_a_sales_order_with_its_products(
    netsuite, salesforce, field_mappings
):
    netsuite.seed(serviceSaleItem=ITEMS)
    opportunity = opportunity_with(salesforce, INSTALL)

    opportunities.opportunity_request_sales_order(opportunity=opportunity)

    opportunity.refresh_from_db()
    order = netsuite.record("salesOrder", opportunity.netsuite_sales_order_id)
    assert order["item"]["items"] == [
        {"item": {"id": "8"}, "quantity": 1.0, "rate": 250.5, "description": "On site, one day"}
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product_item_lookup", {"GEN-1000": "Generator"}, "is not a NetSuite internal id"),
        ("product_item_lookup", ["GEN-1000", "7"], "A JSON object of product key to item id"),
        ("product_key_field", "Product Code", "A Salesforce field API name"),
        ("product_key_field", "Id FROM Account --", "A Salesforce field API name"),
    ],
)
def test_settings_refuse_a_product_mapping_that_cannot_work(field, value, message):
    conf = IntegrationSettings(**{field: value})

    with pytest.raises(ValidationError) as refused:
        conf.full_clean(exclude=["failure_notice_group"])

    assert message in " ".join(refused.value.message_dict[field])
