"""Items and the item lines of transactions (emulators/netsuite/items.py)."""

from __future__ import annotations

import time

import pytest
import requests

from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator

from .helpers import Api, error_of
from .test_webhook import Listener

CATALOG_SCHEMA = {"Accept": "application/schema+json"}


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return [{k: v for k, v in item.items() if k != "links"} for item in response.json()["items"]]


def new_id(response) -> str:
    assert response.status_code == 204, response.text
    return response.headers["Location"].rsplit("/", 1)[1]


@pytest.fixture
def catalog(netsuite):
    netsuite.seed(
        customer=[{"id": "501", "companyName": "Acme"}],
        inventoryItem=[{"id": "10", "itemId": "Widget", "externalId": "W-1", "basePrice": 12.5}],
        nonInventorySaleItem=[{"id": "11", "itemId": "Gadget", "externalId": "G-1"}],
        serviceSaleItem=[
            {"id": "12", "itemId": "Install", "externalId": "S-1"},
            {"id": "13", "itemId": "Old Install", "externalId": "S-2", "isInactive": True},
        ],
    )


def estimate(*lines: dict) -> dict:
    return {"entity": {"id": "501"}, "item": {"items": list(lines)}}


# -- item records --------------------------------------------------------------------------------
def test_a_new_account_has_service_item_1_named_services(netsuite, api):
    item = api("GET", "record/v1/serviceSaleItem/1").json()

    assert (item["id"], item["itemId"], item["isInactive"]) == ("1", "Services", False)
    assert rows(api.suiteql("SELECT id, itemid, itemtype FROM item")) == [
        {"id": "1", "itemid": "Services", "itemtype": "Service"}
    ]


def test_item_1_comes_back_after_a_reset(netsuite, api):
    assert api("DELETE", "record/v1/serviceSaleItem/1").status_code == 204
    assert api("GET", "record/v1/serviceSaleItem/1").status_code == 404

    requests.post(f"{netsuite.url}/__emulator__/reset", timeout=10).raise_for_status()

    assert api("GET", "record/v1/serviceSaleItem/1").json()["itemId"] == "Services"


@pytest.mark.parametrize("rtype", ["inventoryItem", "nonInventorySaleItem", "serviceSaleItem"])
def test_an_item_is_created_read_changed_and_deleted(netsuite, api, rtype):
    body = {
        "itemId": "Widget",
        "displayName": "A widget",
        "salesDescription": "Blue",
        "basePrice": 9,
    }

    rid = new_id(api("POST", f"record/v1/{rtype}", json=body))
    assert int(rid) >= 100  # the record id sequence: never the default item's 1
    assert api("PATCH", f"record/v1/{rtype}/{rid}", json={"isInactive": True}).status_code == 204
    item = api("GET", f"record/v1/{rtype}/{rid}").json()
    assert {k: item[k] for k in (*body, "isInactive")} == {**body, "isInactive": True}
    assert item["links"][0]["href"].endswith(f"/services/rest/record/v1/{rtype}/{rid}")

    assert api("DELETE", f"record/v1/{rtype}/{rid}").status_code == 204
    assert api("GET", f"record/v1/{rtype}/{rid}").status_code == 404


def test_an_item_is_upserted_and_read_by_external_id(netsuite, api):
    first = api("PUT", "record/v1/serviceSaleItem/eid:SKU-9", json={"itemId": "Consulting"})
    again = api("PUT", "record/v1/serviceSaleItem/eid:SKU-9", json={"displayName": "Advice"})

    assert new_id(first) == new_id(again)
    item = api("GET", "record/v1/serviceSaleItem/eid:SKU-9").json()
    assert (item["itemId"], item["displayName"], item["externalId"]) == (
        "Consulting",
        "Advice",
        "SKU-9",
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "record/v1/inventoryItem", {"displayName": "No name"}),
        ("PUT", "record/v1/inventoryItem/eid:NEW-1", {"displayName": "No name"}),
        ("PATCH", "record/v1/serviceSaleItem/1", {"itemId": ""}),
        ("PATCH", "record/v1/serviceSaleItem/1", {"itemId": None}),
    ],
)
def test_an_item_needs_its_name(netsuite, api, method, path, body):
    response = api(method, path, json=body)

    assert response.status_code == 400
    detail = error_of(response)
    assert detail == {
        "detail": "Please enter value(s) for: Item Name/Number",
        "o:errorCode": "USER_ERROR",
        "o:errorPath": "itemId",
    }
    assert set(netsuite.state()["records"]["inventoryItem"]) == set()
    assert netsuite.record("serviceSaleItem", "1")["itemId"] == "Services"


def test_an_item_field_the_record_lacks_is_refused(netsuite, api):
    response = api("POST", "record/v1/serviceSaleItem", json={"itemId": "X", "cost": 3})

    assert response.status_code == 400
    assert (error_of(response)["o:errorCode"], error_of(response)["o:errorPath"]) == (
        "INVALID_CONTENT",
        "cost",
    )


@pytest.mark.usefixtures("catalog")
def test_an_external_id_is_one_items_across_the_item_types(api):
    posted = api("POST", "record/v1/serviceSaleItem", json={"itemId": "X", "externalId": "W-1"})
    upserted = api("PUT", "record/v1/nonInventorySaleItem/eid:W-1", json={"itemId": "X"})

    for response in (posted, upserted):
        assert response.status_code == 400
        assert error_of(response)["o:errorPath"] == "externalId"
        assert "already exists" in error_of(response)["detail"]


def test_items_are_seeded_through_the_control(netsuite, api):
    netsuite.seed(serviceSaleItem=[{"id": "7", "itemId": "Widget", "externalId": "W-1"}])

    item = api("GET", "record/v1/serviceSaleItem/eid:W-1").json()
    assert (item["id"], item["itemId"]) == ("7", "Widget")
    assert int(new_id(api("POST", "record/v1/inventoryItem", json={"itemId": "Next"}))) >= 100


def test_the_catalog_describes_the_item_types(netsuite, api):
    response = api("GET", "record/v1/metadata-catalog/servicesaleitem", headers=CATALOG_SCHEMA)

    assert response.status_code == 200
    properties = response.json()["properties"]
    assert properties["itemId"]["title"] == "Item Name/Number"
    assert properties["isInactive"]["type"] == "boolean"
    assert {"displayName", "salesDescription", "externalId", "basePrice"} <= set(properties)


# -- the item table in SuiteQL -------------------------------------------------------------------
@pytest.mark.usefixtures("catalog")
def test_the_item_table_reads_every_item_type(api):
    query = "SELECT id, itemid, externalid, isinactive, itemtype FROM item ORDER BY id"

    assert rows(api.suiteql(query)) == [
        {"id": "1", "itemid": "Services", "isinactive": "F", "itemtype": "Service"},
        {
            "id": "10",
            "itemid": "Widget",
            "externalid": "W-1",
            "isinactive": "F",
            "itemtype": "InvtPart",
        },
        {
            "id": "11",
            "itemid": "Gadget",
            "externalid": "G-1",
            "isinactive": "F",
            "itemtype": "NonInvtPart",
        },
        {
            "id": "12",
            "itemid": "Install",
            "externalid": "S-1",
            "isinactive": "F",
            "itemtype": "Service",
        },
        {
            "id": "13",
            "itemid": "Old Install",
            "externalid": "S-2",
            "isinactive": "T",
            "itemtype": "Service",
        },
    ]


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("where", "ids"),
    [
        ("externalid IN ('W-1', 'S-2', 'NONE')", ["10", "13"]),
        ("itemid IN ('Gadget', 'Install')", ["11", "12"]),
        ("UPPER(itemid) IN ('WIDGET', 'OLD INSTALL')", ["10", "13"]),
        ("itemtype = 'Service' AND isinactive = 'F'", ["1", "12"]),
    ],
)
def test_items_are_found_by_name_external_id_and_type(api, where, ids):
    query = f"SELECT id, itemid, externalid, isinactive FROM item WHERE {where}"

    assert [row["id"] for row in rows(api.suiteql(query))] == ids


@pytest.mark.usefixtures("catalog")
def test_an_items_price_is_not_a_column_of_the_item_table(api):
    response = api.suiteql("SELECT baseprice FROM item")

    assert response.status_code == 400
    assert "Unknown identifier 'baseprice'" in error_of(response)["detail"]


# -- item lines of estimates and sales orders ----------------------------------------------------
@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize("rtype", ["estimate", "salesOrder"])
def test_a_line_may_bill_an_item_of_any_type(netsuite, api, rtype):
    body = estimate(
        {"item": {"id": "10"}, "quantity": 2, "rate": 3.5},
        {"item": {"id": "11"}, "amount": 100, "description": "Flat fee"},
        {"item": {"id": "12"}, "quantity": 3, "rate": 0.1},
    )

    rid = new_id(api("POST", f"record/v1/{rtype}", json=body))

    assert api("GET", f"record/v1/{rtype}/{rid}").json()["total"] == 107.3
    assert netsuite.record(rtype, rid)["item"] == body["item"]  # the lines as sent


@pytest.mark.usefixtures("catalog")
def test_a_line_without_a_rate_is_priced_at_the_items_base_price(api):
    rid = new_id(api("POST", "record/v1/estimate", json=estimate({"item": {"id": "10"}})))

    assert api("GET", f"record/v1/estimate/{rid}").json()["total"] == 12.5


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("rtype", "item_id"),
    [("estimate", "999"), ("salesOrder", "999"), ("estimate", "13"), ("salesOrder", "13")],
)
def test_a_line_needs_an_existing_active_item(netsuite, api, rtype, item_id):
    body = estimate({"item": {"id": "10"}}, {"item": {"id": item_id}, "quantity": 1})

    response = api("POST", f"record/v1/{rtype}", json=body)

    assert response.status_code == 400
    assert error_of(response) == {
        "detail": f"Invalid item reference key {item_id}.",
        "o:errorCode": "USER_ERROR",
        "o:errorPath": "item.items[1].item",
    }
    assert netsuite.state()["records"][rtype] == {}


@pytest.mark.usefixtures("catalog")
def test_a_line_added_by_patch_is_checked_too(netsuite, api):
    rid = new_id(api("POST", "record/v1/salesOrder", json=estimate({"item": {"id": "12"}})))

    response = api("PATCH", f"record/v1/salesOrder/{rid}", json={"item": {"items": [{}]}})

    assert response.status_code == 400
    assert error_of(response) == {
        "detail": "Please enter value(s) for: Item",
        "o:errorCode": "USER_ERROR",
        "o:errorPath": "item.items[0].item",
    }
    assert len(netsuite.record("salesOrder", rid)["item"]["items"]) == 1


@pytest.mark.usefixtures("catalog")
@pytest.mark.parametrize(
    ("line", "code", "path"),
    [
        ({"item": {"id": "10"}, "quantity": "two"}, "INVALID_CONTENT", "item.items[0].quantity"),
        ({"item": {"id": "10"}, "quantity": True}, "INVALID_CONTENT", "item.items[0].quantity"),
        ({"item": {"id": "10"}, "rate": "5"}, "INVALID_CONTENT", "item.items[0].rate"),
        ({"item": {"id": "10"}, "description": 5}, "INVALID_CONTENT", "item.items[0].description"),
        ({"item": "10"}, "INVALID_CONTENT", "item.items[0].item"),
        ({"item": {"id": "10"}, "colour": "red"}, "INVALID_CONTENT", "item.items[0].colour"),
    ],
)
def test_a_lines_values_are_of_their_kind(netsuite, api, line, code, path):
    response = api("POST", "record/v1/estimate", json=estimate(line))

    assert response.status_code == 400
    assert (error_of(response)["o:errorCode"], error_of(response)["o:errorPath"]) == (code, path)
    assert netsuite.state()["records"]["estimate"] == {}


@pytest.mark.usefixtures("catalog")
def test_the_total_follows_appended_and_replaced_lines(netsuite, api):
    rid = new_id(
        api("POST", "record/v1/salesOrder", json=estimate({"item": {"id": "12"}, "rate": 10}))
    )
    more = {"item": {"items": [{"item": {"id": "11"}, "quantity": 2, "rate": 5}]}}
    path = f"record/v1/salesOrder/{rid}"

    assert api("PATCH", path, json=more).status_code == 204
    assert api("GET", path).json()["total"] == 20
    assert api("PATCH", path, params={"replace": "item"}, json=more).status_code == 204
    assert api("GET", path).json()["total"] == 10
    assert netsuite.record("salesOrder", rid)["item"] == more["item"]


@pytest.mark.usefixtures("catalog")
def test_an_upsert_with_replace_recomputes_the_total(api):
    path = "record/v1/estimate/eid:OPP-1"
    assert api("PUT", path, json=estimate({"item": {"id": "12"}, "rate": 10})).status_code == 204

    response = api(
        "PUT", path, params={"replace": "item"}, json=estimate({"item": {"id": "1"}, "rate": 4})
    )

    assert response.status_code == 204
    assert api("GET", path).json()["total"] == 4


def test_item_changes_are_not_posted_to_the_notify_url(settings):
    listener = Listener()
    running = start_emulator(NetSuiteEmulator(notify_url=listener.url))
    try:
        api = Api(running.url, settings)
        rid = new_id(api("POST", "record/v1/serviceSaleItem", json={"itemId": "Widget"}))
        api("PATCH", f"record/v1/serviceSaleItem/{rid}", json={"displayName": "W"})
        api("DELETE", f"record/v1/serviceSaleItem/{rid}")
        api("POST", "record/v1/customer", json={"companyName": "Acme"})  # this one is

        listener.wait_for(1)
        time.sleep(0.3)
        assert [b'"recordType": "customer"' in body for _, body in listener.received] == [True]
    finally:
        running.stop()
        listener.stop()
