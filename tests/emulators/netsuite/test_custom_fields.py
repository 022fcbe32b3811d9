"""
Custom fields are the account's, not any custentity_ name: the project's, or those added
through POST /__emulator__/fields; writes are checked against them, by name and by type.
"""

from __future__ import annotations

import pytest
import requests

from .helpers import error_of

SCHEMA = {"Accept": "application/schema+json"}
LOCK, SALESFORCE_ID = "custentity_sfns_lock_record", "custentity_sfns_salesforce_id"


def change_fields(netsuite, **body) -> requests.Response:
    return requests.post(f"{netsuite.url}/__emulator__/fields", json=body, timeout=10)


def catalog_fields(api) -> dict:
    response = api("GET", "record/v1/metadata-catalog/customer", headers=SCHEMA)
    return response.json()["properties"]


def write(api, method: str, body: dict) -> requests.Response:
    """The same body sent as a create, an update and an upsert of customer 501."""
    if method == "POST":
        return api("POST", "record/v1/customer", json={"companyName": "Acme", **body})
    if method == "PATCH":
        return api("PATCH", "record/v1/customer/501", json=body)
    return api("PUT", "record/v1/customer/eid:ACME-1", json={"companyName": "Acme", **body})


@pytest.fixture
def acme(netsuite):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme", "externalId": "ACME-1"}])


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_the_projects_fields_are_written(netsuite, api, acme, method):
    response = write(api, method, {LOCK: True, SALESFORCE_ID: "001000000000001AAA"})

    assert response.status_code == 204, response.text
    record_id = response.headers.get("Location", "/501").rsplit("/", 1)[1]
    stored = netsuite.record("customer", record_id)
    assert (stored[LOCK], stored[SALESFORCE_ID]) == (True, "001000000000001AAA")


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_a_custom_field_the_account_lacks_is_refused(netsuite, api, acme, method):
    response = write(api, method, {"custentity_legacy": "x"})

    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_CONTENT"
    assert detail["o:errorPath"] == "custentity_legacy"
    assert "custentity_legacy" not in netsuite.record("customer", "501")


@pytest.mark.parametrize("value", ["T", 1, "true", {"value": True}])
def test_the_lock_checkbox_takes_only_true_or_false(api, acme, value):
    response = write(api, "PATCH", {LOCK: value})

    assert response.status_code == 400
    detail = error_of(response)
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("INVALID_CONTENT", LOCK)
    assert "Invalid Field Value" in detail["detail"]


def test_null_clears_a_custom_field(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme", LOCK: True}])

    assert write(api, "PATCH", {LOCK: None}).status_code == 204
    assert LOCK not in netsuite.record("customer", "501")


def test_the_salesforce_id_holds_at_most_18_characters(api, acme):
    response = write(api, "PATCH", {SALESFORCE_ID: "0" * 19})

    assert response.status_code == 400
    detail = error_of(response)
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("USER_ERROR", SALESFORCE_ID)
    assert "( 18 )" in detail["detail"]


def test_a_dropped_field_leaves_the_catalog_and_is_refused_until_reset(netsuite, api, acme):
    netsuite.seed(customer=[{"id": "502", "companyName": "Locked", LOCK: True}])

    answer = change_fields(netsuite, record="customer", drop=[LOCK])

    assert answer.status_code == 200
    assert LOCK not in answer.json()["fields"]
    assert LOCK not in catalog_fields(api)
    assert LOCK not in netsuite.record("customer", "502")
    refused = write(api, "PATCH", {LOCK: True})
    assert refused.status_code == 400
    assert error_of(refused)["o:errorPath"] == LOCK

    requests.post(f"{netsuite.url}/__emulator__/reset", timeout=10).raise_for_status()
    assert catalog_fields(api)[LOCK]["type"] == "boolean"
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])
    assert write(api, "PATCH", {LOCK: True}).status_code == 204


def test_an_added_field_is_described_and_written_by_its_type(netsuite, api, acme):
    answer = change_fields(
        netsuite,
        record="customer",
        add={
            "custentity_legacy": {"type": "string", "title": "Legacy Code", "maxLength": 10},
            "custentity_tier": {"type": "integer"},
        },
    )

    assert answer.status_code == 200, answer.text
    properties = catalog_fields(api)
    assert properties["custentity_legacy"]["title"] == "Legacy Code"
    assert properties["custentity_legacy"]["x-ns-custom-field"] is True
    assert (properties["custentity_tier"]["type"], properties["custentity_tier"]["format"]) == (
        "integer",
        "int64",
    )
    written = write(api, "PATCH", {"custentity_legacy": "L-7", "custentity_tier": 2})
    assert written.status_code == 204
    assert write(api, "PATCH", {"custentity_tier": 2.5}).status_code == 400
    assert netsuite.record("customer", "501")["custentity_tier"] == 2


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"record": "vendor"}, "record must be one of"),
        ({"drop": ["custentity_never"]}, "no custom customer field custentity_never"),
        ({"add": {"legacy": {"type": "string"}}}, "not a customer custom field id"),
        ({"add": {"custbody_x": {"type": "string"}}}, "not a customer custom field id"),
        ({"add": {"custentity_x": {"type": "picklist"}}}, "is not one of"),
        ({"add": {"custentity_x": "string"}}, 'is {"type": ...}'),
    ],
)
def test_the_fields_control_refuses_what_netsuite_could_not_have(netsuite, body, error):
    answer = change_fields(netsuite, **body)

    assert answer.status_code == 400
    assert error in answer.json()["error"]


def test_transactions_take_no_custom_field_until_one_is_added(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])
    estimate = {
        "entity": {"id": "501"},
        "item": {"items": [{"item": {"id": "1"}, "rate": 10}]},
        "custbody_po_ref": "PO-1",
    }

    assert api("POST", "record/v1/estimate", json=estimate).status_code == 400
    change_fields(netsuite, record="estimate", add={"custbody_po_ref": {"type": "string"}})
    assert api("POST", "record/v1/estimate", json=estimate).status_code == 204
