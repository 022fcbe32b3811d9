"""
Salesforce's product objects on the emulated org (emulators/salesforce/products.py): Product2,
Pricebook2 with the org's standard price book, PricebookEntry and an Opportunity's line items
(OpportunityLineItem), through REST, collections, SOQL, describe, the seed control and deletes.
"""

from __future__ import annotations

import json

import pytest

from emulators.salesforce import SalesforceEmulator
from emulators.salesforce.ids import id18
from emulators.salesforce.products import STANDARD_PRICEBOOK_ID

from .helpers import error_of

OPPORTUNITY = {"Name": "Big Deal", "StageName": "Prospecting", "CloseDate": "2026-09-30"}
# Ids a seed may give, so that its later records can name them in the same call.
PRODUCT_ID = id18("01t5g00000SFNS1")
OTHER_PRODUCT_ID = id18("01t5g00000SFNS2")
ENTRY_ID = id18("01u5g00000SFNS1")
OTHER_ENTRY_ID = id18("01u5g00000SFNS2")
OPPORTUNITY_ID = id18("0065g00000SFNS1")


def created(response) -> str:
    assert response.status_code == 201, response.text
    return response.json()["id"]


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return [
        {k: v for k, v in record.items() if k != "attributes"}
        for record in response.json()["records"]
    ]


def catalog(salesforce) -> dict[str, list[str]]:
    """Two products with standard prices, and an Opportunity: one seed, ids named in it."""
    return salesforce.seed_ids(
        Opportunity=[{"Id": OPPORTUNITY_ID, **OPPORTUNITY}],
        Product2=[
            {"Id": PRODUCT_ID, "Name": "Widget", "ProductCode": "W-1", "IsActive": True},
            {"Id": OTHER_PRODUCT_ID, "Name": "Gadget", "ExternalId": "G-EXT", "IsActive": True},
        ],
        PricebookEntry=[
            {
                "Id": ENTRY_ID,
                "Pricebook2Id": STANDARD_PRICEBOOK_ID,
                "Product2Id": PRODUCT_ID,
                "UnitPrice": 10,
                "IsActive": True,
            },
            {
                "Id": OTHER_ENTRY_ID,
                "Pricebook2Id": STANDARD_PRICEBOOK_ID,
                "Product2Id": OTHER_PRODUCT_ID,
                "UnitPrice": 2.5,
                "IsActive": True,
            },
        ],
    )


def add_line(sf, **fields) -> str:
    body = {"OpportunityId": OPPORTUNITY_ID, "PricebookEntryId": ENTRY_ID, "Quantity": 1, **fields}
    return created(sf("POST", "sobjects/OpportunityLineItem/", json=body))


def test_every_org_has_its_standard_price_book_after_a_reset(sf):
    sf.control("reset")

    books = rows(sf.query("SELECT Id, Name, IsActive, IsStandard FROM Pricebook2"))
    refused = sf("DELETE", f"sobjects/Pricebook2/{STANDARD_PRICEBOOK_ID}")
    renamed = sf("PATCH", f"sobjects/Pricebook2/{STANDARD_PRICEBOOK_ID}", json={"IsStandard": 0})

    assert books == [
        {
            "Id": STANDARD_PRICEBOOK_ID,
            "Name": "Standard Price Book",
            "IsActive": True,
            "IsStandard": True,
        }
    ]
    assert error_of(refused)[:2] == (400, "DELETE_FAILED")
    assert error_of(renamed)[:2] == (400, "INVALID_FIELD_FOR_INSERT_UPDATE")


def test_a_price_book_entry_needs_its_products_standard_price_first(sf):
    product_id = created(sf("POST", "sobjects/Product2/", json={"Name": "Widget"}))
    book_id = created(sf("POST", "sobjects/Pricebook2/", json={"Name": "Wholesale"}))
    custom = {"Pricebook2Id": book_id, "Product2Id": product_id, "UnitPrice": 8}
    standard = {"Pricebook2Id": STANDARD_PRICEBOOK_ID, "Product2Id": product_id, "UnitPrice": 10}

    too_soon = sf("POST", "sobjects/PricebookEntry/", json=custom)
    created(sf("POST", "sobjects/PricebookEntry/", json=standard))
    custom_id = created(sf("POST", "sobjects/PricebookEntry/", json=custom))
    again = sf("POST", "sobjects/PricebookEntry/", json=custom)
    unknown = sf(
        "POST", "sobjects/PricebookEntry/", json={**custom, "Product2Id": id18("01t5g00000NONE1")}
    )

    assert error_of(too_soon) == (
        400,
        "STANDARD_PRICE_NOT_DEFINED",
        "No standard price defined for this product",
    )
    assert error_of(again)[:2] == (400, "DUPLICATE_VALUE")
    assert unknown.json()[0] == {
        "message": "invalid cross reference id",
        "errorCode": "INVALID_CROSS_REFERENCE_KEY",
        "fields": ["Product2Id"],
    }
    entry = sf("GET", f"sobjects/PricebookEntry/{custom_id}").json()
    assert (entry["Name"], entry["UnitPrice"], entry["IsActive"]) == ("Widget", 8.0, False)
    product = sf("GET", f"sobjects/Product2/{product_id}").json()
    assert product["IsActive"] is False and product["attributes"]["type"] == "Product2"
    book = sf("GET", f"sobjects/Pricebook2/{book_id}").json()
    assert (book["IsStandard"], book["IsActive"]) == (False, False)


def test_an_entry_using_the_standard_price_follows_it(sf, salesforce):
    catalog(salesforce)
    book_id = created(sf("POST", "sobjects/Pricebook2/", json={"Name": "Partner"}))
    body = {"Pricebook2Id": book_id, "Product2Id": PRODUCT_ID, "UseStandardPrice": True}

    entry_id = created(sf("POST", "sobjects/PricebookEntry/", json=body))
    own_price = sf("PATCH", f"sobjects/PricebookEntry/{entry_id}", json={"UnitPrice": 1})
    sf("PATCH", f"sobjects/PricebookEntry/{ENTRY_ID}", json={"UnitPrice": 12})
    moved = sf("PATCH", f"sobjects/PricebookEntry/{entry_id}", json={"Product2Id": PRODUCT_ID})

    assert error_of(own_price)[:2] == (400, "FIELD_INTEGRITY_EXCEPTION")
    assert sf("GET", f"sobjects/PricebookEntry/{entry_id}").json()["UnitPrice"] == 12.0
    assert error_of(moved) == (
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "Unable to create/update fields: Product2Id. Please check the security settings of this "
        "field and verify that it is read/write for your profile or permission set.",
    )


def test_a_line_item_is_priced_and_named_from_its_price_book_entry(sf, salesforce):
    catalog(salesforce)

    by_unit = add_line(
        sf, Quantity=3, UnitPrice=10, Description="Blue ones", ServiceDate="2026-10-01"
    )
    by_total = add_line(sf, Quantity=4, TotalPrice=30)
    by_product = add_line(sf, PricebookEntryId=None, Product2Id=OTHER_PRODUCT_ID, UnitPrice=2)

    line = sf("GET", f"sobjects/OpportunityLineItem/{by_unit}").json()
    assert line["attributes"]["type"] == "OpportunityLineItem"
    assert by_unit.startswith("00k")
    assert {k: line[k] for k in ("Product2Id", "ProductCode", "Name", "ListPrice")} == {
        "Product2Id": PRODUCT_ID,
        "ProductCode": "W-1",
        "Name": "Big Deal Widget",
        "ListPrice": 10.0,
    }
    assert (line["Quantity"], line["UnitPrice"], line["TotalPrice"]) == (3.0, 10.0, 30.0)
    assert (line["Description"], line["ServiceDate"], line["SortOrder"]) == (
        "Blue ones",
        "2026-10-01",
        None,
    )
    total = sf("GET", f"sobjects/OpportunityLineItem/{by_total}").json()
    assert (total["UnitPrice"], total["TotalPrice"]) == (7.5, 30.0)
    product = sf("GET", f"sobjects/OpportunityLineItem/{by_product}").json()
    assert (product["PricebookEntryId"], product["Name"]) == (OTHER_ENTRY_ID, "Big Deal Gadget")


@pytest.mark.parametrize(
    ("fields", "code", "error_fields"),
    [
        ({"UnitPrice": 10, "TotalPrice": 10}, "FIELD_INTEGRITY_EXCEPTION", ["TotalPrice"]),
        ({}, "FIELD_INTEGRITY_EXCEPTION", ["UnitPrice", "TotalPrice"]),
        ({"UnitPrice": 1, "Quantity": 0}, "FIELD_INTEGRITY_EXCEPTION", ["Quantity"]),
        (
            {"UnitPrice": 1, "PricebookEntryId": None},
            "FIELD_INTEGRITY_EXCEPTION",
            ["PricebookEntryId", "unknown"],
        ),
        ({"UnitPrice": 1, "Quantity": None}, "REQUIRED_FIELD_MISSING", ["Quantity"]),
        ({"UnitPrice": 1, "SortOrder": 1}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["SortOrder"]),
        ({"UnitPrice": 1, "Name": "x"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"]),
        (
            {"UnitPrice": 1, "PricebookEntryId": id18("01u5g00000NONE1")},
            "INVALID_CROSS_REFERENCE_KEY",
            ["PricebookEntryId"],
        ),
    ],
)
def test_a_line_item_salesforce_would_refuse_is_refused(sf, salesforce, fields, code, error_fields):
    catalog(salesforce)
    body = {"OpportunityId": OPPORTUNITY_ID, "PricebookEntryId": ENTRY_ID, "Quantity": 1, **fields}

    response = sf("POST", "sobjects/OpportunityLineItem/", json=body)

    assert response.status_code == 400
    error = response.json()[0]
    assert (error["errorCode"], error["fields"]) == (code, error_fields)
    assert rows(sf.query("SELECT Id FROM OpportunityLineItem")) == []


def test_an_inactive_entry_takes_no_new_lines(sf, salesforce):
    catalog(salesforce)
    sf("PATCH", f"sobjects/PricebookEntry/{ENTRY_ID}", json={"IsActive": False})

    body = {"OpportunityId": OPPORTUNITY_ID, "PricebookEntryId": ENTRY_ID, "Quantity": 1}

    response = sf("POST", "sobjects/OpportunityLineItem/", json={**body, "UnitPrice": 1})

    assert error_of(response) == (
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        "field integrity exception: PricebookEntryId (pricebook entry is inactive)",
    )


def test_updating_a_line_item_recomputes_its_total(sf, salesforce):
    catalog(salesforce)
    line_id = add_line(sf, Quantity=2, UnitPrice=10)
    url = f"sobjects/OpportunityLineItem/{line_id}"

    sf("PATCH", url, json={"Quantity": 5})
    after_quantity = sf("GET", url).json()
    sf("PATCH", url, json={"TotalPrice": 40})
    after_total = sf("GET", url).json()
    both = sf("PATCH", url, json={"UnitPrice": 1, "TotalPrice": 1})
    moved = sf("PATCH", url, json={"OpportunityId": OPPORTUNITY_ID})

    assert (after_quantity["UnitPrice"], after_quantity["TotalPrice"]) == (10.0, 50.0)
    assert (after_total["UnitPrice"], after_total["TotalPrice"]) == (8.0, 40.0)
    assert error_of(both) == (
        400,
        "INVALID_FIELD",
        "Cannot change both 'UnitPrice' and 'TotalPrice' in update call",
    )
    assert error_of(moved)[:2] == (400, "INVALID_FIELD_FOR_INSERT_UPDATE")


def test_sfns_reads_an_opportunitys_lines_and_their_products_with_soql(sf, salesforce):
    catalog(salesforce)
    lines = salesforce.seed_ids(
        OpportunityLineItem=[
            {
                "OpportunityId": OPPORTUNITY_ID,
                "PricebookEntryId": OTHER_ENTRY_ID,
                "Quantity": 2,
                "UnitPrice": 3,
                "SortOrder": 2,
            },
            {
                "OpportunityId": OPPORTUNITY_ID,
                "PricebookEntryId": ENTRY_ID,
                "Quantity": 1,
                "UnitPrice": 9.99,
                "Description": "First",
                "SortOrder": 1,
            },
        ]
    )["OpportunityLineItem"]

    read = sf.query(
        "SELECT Id, Product2Id, Quantity, UnitPrice, Description, SortOrder "
        f"FROM OpportunityLineItem WHERE OpportunityId = '{OPPORTUNITY_ID[:15]}' "
        "ORDER BY SortOrder"
    )
    products = sf.query(
        "SELECT Id, Name, ProductCode, ExternalId FROM Product2 "
        f"WHERE Id IN ('{PRODUCT_ID[:15]}', '{OTHER_PRODUCT_ID}')"
    )

    assert rows(read) == [
        {
            "Id": lines[1],
            "Product2Id": PRODUCT_ID,
            "Quantity": 1.0,
            "UnitPrice": 9.99,
            "Description": "First",
            "SortOrder": 1,
        },
        {
            "Id": lines[0],
            "Product2Id": OTHER_PRODUCT_ID,
            "Quantity": 2.0,
            "UnitPrice": 3.0,
            "Description": None,
            "SortOrder": 2,
        },
    ]
    unsorted = add_line(sf, UnitPrice=1)  # never sorted in the UI: SortOrder null, listed first
    again = sf.query(
        f"SELECT Id FROM OpportunityLineItem WHERE OpportunityId = '{OPPORTUNITY_ID}' "
        "ORDER BY SortOrder, Id"
    )
    assert [row["Id"] for row in rows(again)] == [unsorted, lines[1], lines[0]]
    assert sorted(rows(products), key=lambda row: row["Name"]) == [
        {"Id": OTHER_PRODUCT_ID, "Name": "Gadget", "ProductCode": None, "ExternalId": "G-EXT"},
        {"Id": PRODUCT_ID, "Name": "Widget", "ProductCode": "W-1", "ExternalId": None},
    ]


def test_a_collection_creates_line_items_one_result_each(sf, salesforce):
    catalog(salesforce)
    line = {"attributes": {"type": "OpportunityLineItem"}, "OpportunityId": OPPORTUNITY_ID}

    response = sf(
        "POST",
        "composite/sobjects",
        json={
            "allOrNone": False,
            "records": [
                {**line, "PricebookEntryId": ENTRY_ID, "Quantity": 2, "UnitPrice": 10},
                {
                    **line,
                    "PricebookEntryId": ENTRY_ID,
                    "Quantity": 1,
                    "UnitPrice": 1,
                    "TotalPrice": 1,
                },
            ],
        },
    )

    first, second = response.json()
    assert first["success"] is True and first["id"].startswith("00k")
    assert second["success"] is False
    assert second["errors"][0]["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert [
        row["TotalPrice"] for row in rows(sf.query("SELECT TotalPrice FROM OpportunityLineItem"))
    ] == [20.0]


def test_an_opportunitys_lines_go_to_the_recycle_bin_with_it(sf, salesforce):
    catalog(salesforce)
    line_id = add_line(sf, UnitPrice=1)

    in_use = sf("DELETE", f"sobjects/Product2/{PRODUCT_ID}")
    deleted = sf("DELETE", f"sobjects/Opportunity/{OPPORTUNITY_ID}")
    binned = sf("GET", "queryAll", params={"q": "SELECT Id, IsDeleted FROM OpportunityLineItem"})
    freed = sf("DELETE", f"sobjects/Product2/{PRODUCT_ID}")

    assert error_of(in_use) == (
        400,
        "DELETE_FAILED",
        "Your attempt to delete Widget could not be completed because it is associated with the "
        "following opportunities.: Big Deal",
    )
    assert deleted.status_code == 204
    assert rows(sf.query("SELECT Id FROM OpportunityLineItem")) == []
    assert rows(binned) == [{"Id": line_id, "IsDeleted": True}]
    assert freed.status_code == 204
    entries = rows(sf.query("SELECT Product2Id FROM PricebookEntry"))
    assert entries == [{"Product2Id": OTHER_PRODUCT_ID}]  # the product's entry went with it


def test_renaming_a_product_renames_its_entries_and_lines(sf, salesforce):
    catalog(salesforce)
    line_id = add_line(sf, UnitPrice=1)

    sf(
        "PATCH",
        f"sobjects/Product2/{PRODUCT_ID}",
        json={"Name": "Widget Pro", "ProductCode": "W-2"},
    )
    sf("PATCH", f"sobjects/Opportunity/{OPPORTUNITY_ID}", json={"Name": "Bigger Deal"})

    entry = sf("GET", f"sobjects/PricebookEntry/{ENTRY_ID}").json()
    line = sf("GET", f"sobjects/OpportunityLineItem/{line_id}").json()
    assert (entry["Name"], entry["ProductCode"]) == ("Widget Pro", "W-2")
    assert (line["Name"], line["ProductCode"]) == ("Bigger Deal Widget Pro", "W-2")


def test_a_product_is_upserted_by_its_external_id(sf):
    first = sf("PATCH", "sobjects/Product2/ExternalId/NS-42", json={"Name": "Widget"})
    second = sf("PATCH", "sobjects/Product2/ExternalId/NS-42", json={"Family": "Hardware"})

    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (second.status_code, second.json()["created"]) == (200, False)
    product = sf("GET", f"sobjects/Product2/{first.json()['id']}").json()
    assert (product["Name"], product["Family"], product["ExternalId"]) == (
        "Widget",
        "Hardware",
        "NS-42",
    )


def test_describe_shows_the_product_objects_as_salesforce_does(sf):
    listed = sf("GET", "sobjects/").json()
    line = sf("GET", "sobjects/OpportunityLineItem/describe").json()
    product = sf("GET", "sobjects/Product2/describe").json()

    prefixes = {s["name"]: s["keyPrefix"] for s in listed["sobjects"]}
    assert {name: prefixes[name] for name in ("Product2", "Pricebook2", "PricebookEntry")} == {
        "Product2": "01t",
        "Pricebook2": "01s",
        "PricebookEntry": "01u",
    }
    assert prefixes["OpportunityLineItem"] == "00k" and prefixes["Account"] == "001"
    assert listed["maxBatchSize"] == 200
    fields = {f["name"]: f for f in line["fields"]}

    def flags(name: str) -> tuple:
        field = fields[name]
        return field["type"], field["createable"], field["updateable"], field["nillable"]

    assert flags("OpportunityId") == ("reference", True, False, False)
    assert flags("PricebookEntryId") == ("reference", True, False, False)
    assert flags("Product2Id") == ("reference", True, False, True)
    assert flags("Quantity") == ("double", True, True, False)
    assert flags("TotalPrice") == ("currency", True, True, True)
    assert flags("Name")[:3] == ("string", False, False)
    assert flags("SortOrder")[:3] == ("int", False, False)
    assert fields["Name"]["length"] == 376
    product_fields = {f["name"]: f for f in product["fields"]}
    assert product_fields["ExternalId"]["idLookup"] is True
    assert product_fields["Family"]["length"] == 40
    assert product_fields["IsActive"]["defaultedOnCreate"] is True
    assert product["label"] == "Product" and product["keyPrefix"] == "01t"


def test_deleting_an_account_takes_its_opportunities_lines_too(sf, salesforce):
    catalog(salesforce)
    account_id = salesforce.seed_accounts({"Name": "Acme"})[0]
    sf("PATCH", f"sobjects/Opportunity/{OPPORTUNITY_ID}", json={"AccountId": account_id})
    line_id = add_line(sf, UnitPrice=1)

    sf("DELETE", f"sobjects/Account/{account_id}")

    assert rows(sf.query("SELECT Id FROM OpportunityLineItem")) == []
    binned = sf("GET", "queryAll", params={"q": "SELECT Id, IsDeleted FROM OpportunityLineItem"})
    assert rows(binned) == [{"Id": line_id, "IsDeleted": True}]
    gone = sf("GET", f"sobjects/OpportunityLineItem/{line_id}")
    assert error_of(gone)[:2] == (404, "ENTITY_IS_DELETED")


def test_a_seed_with_a_bad_line_stores_nothing(sf, salesforce):
    response = sf.session.post(
        f"{sf.url}/__emulator__/seed",
        json={
            "Product2": [{"Id": PRODUCT_ID, "Name": "Widget"}],
            "OpportunityLineItem": [
                {"OpportunityId": OPPORTUNITY_ID, "PricebookEntryId": ENTRY_ID, "Quantity": 1}
            ],
        },
        timeout=10,
    )

    assert error_of(response)[:2] == (400, "INVALID_CROSS_REFERENCE_KEY")
    assert salesforce.state()["records"]["Product2"] == {}


def test_a_person_can_add_and_delete_a_line_in_the_ui(sf, salesforce):
    catalog(salesforce)
    fields = {"OpportunityId": OPPORTUNITY_ID, "Product2Id": PRODUCT_ID, "Quantity": 2}

    added = salesforce.edit(type="OpportunityLineItem", fields={**fields, "UnitPrice": 4})
    removed = salesforce.edit(type="OpportunityLineItem", id=added["id"], delete=True)

    assert added["created"] is True and removed["deleted"] is True
    assert rows(sf.query("SELECT Id FROM OpportunityLineItem")) == []


def test_a_state_file_from_before_products_still_loads(tmp_path):
    path = tmp_path / "salesforce.json"
    old = SalesforceEmulator().initial_state()
    for store in ("records", "deleted", "custom_fields"):
        for sobject in ("Product2", "Pricebook2", "PricebookEntry", "OpportunityLineItem"):
            del old[store][sobject]
    path.write_text(json.dumps(old))

    state = SalesforceEmulator(state_file=str(path)).state

    assert list(state["records"]["Pricebook2"]) == [STANDARD_PRICEBOOK_ID]
    assert state["records"]["OpportunityLineItem"] == {} and state["deleted"]["Product2"] == {}
