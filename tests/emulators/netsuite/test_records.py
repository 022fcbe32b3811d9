"""REST records: semantics and validation (emulators/netsuite/records.py)."""

from __future__ import annotations

import re

import pytest

from .helpers import error_of


def test_post_answers_204_with_location_and_no_body(netsuite, api):
    response = api("POST", "record/v1/customer", json={"companyName": "Globex"})

    assert response.status_code == 204
    assert response.content == b""
    location = response.headers["Location"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/services/rest/record/v1/customer/\d+", location)
    new_id = location.rsplit("/", 1)[1]
    record = api("GET", f"record/v1/customer/{new_id}").json()
    assert record["id"] == new_id
    assert record["companyName"] == "Globex"
    assert record["balance"] == 0
    assert record["links"] == [{"rel": "self", "href": location}]


def test_reference_fields_carry_id_ref_name_and_links(netsuite, api):
    netsuite.seed(
        customer=[
            {"id": "501", "companyName": "Acme"},
            {"id": "502", "companyName": "Acme EU", "parent": {"id": "501"}},
        ]
    )

    parent = api("GET", "record/v1/customer/502").json()["parent"]

    assert parent["id"] == "501"
    assert parent["refName"] == "Acme"
    assert parent["links"][0]["href"].endswith("/services/rest/record/v1/customer/501")


def test_fields_parameter_limits_the_answer(netsuite, api):
    netsuite.seed(
        customer=[{"id": "501", "companyName": "Acme", "email": "a@acme.test", "phone": "1"}]
    )

    record = api("GET", "record/v1/customer/501", params={"fields": "email"}).json()

    assert set(record) == {"id", "links", "email"}


def test_patch_changes_given_fields_and_null_clears(netsuite, api):
    netsuite.seed(
        customer=[{"id": "501", "companyName": "Acme", "email": "a@acme.test", "phone": "1"}]
    )

    response = api("PATCH", "record/v1/customer/501", json={"phone": None, "email": "b@a.test"})

    assert response.status_code == 204
    stored = netsuite.record("customer", "501")
    assert "phone" not in stored
    assert stored["email"] == "b@a.test"
    assert stored["companyName"] == "Acme"


def test_patch_appends_sublist_lines_unless_replace_names_the_sublist(netsuite, api):
    line = {"item": {"id": "7"}, "quantity": 1, "rate": 10}
    netsuite.seed(
        customer=[{"id": "502", "companyName": "Acme"}],
        serviceSaleItem=[{"id": "7", "itemId": "Setup"}, {"id": "8", "itemId": "Support"}],
        salesOrder=[{"id": "900", "entity": {"id": "502"}, "item": {"items": [line]}}],
    )
    other = {"item": {"id": "8"}, "quantity": 2, "rate": 5}

    assert (
        api("PATCH", "record/v1/salesOrder/900", json={"item": {"items": [other]}}).status_code
        == 204
    )
    assert netsuite.record("salesOrder", "900")["item"]["items"] == [line, other]

    response = api(
        "PATCH",
        "record/v1/salesOrder/900",
        params={"replace": "item"},
        json={"item": {"items": [other]}},
    )
    assert response.status_code == 204
    assert netsuite.record("salesOrder", "900")["item"]["items"] == [other]


@pytest.mark.parametrize("field", ["balance", "overdueBalance", "creditLimit", "depositBalance"])
def test_financial_fields_are_read_only(netsuite, api, field):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    patched = api("PATCH", "record/v1/customer/501", json={field: 10})
    created = api("POST", "record/v1/customer", json={"companyName": "New", field: 10})

    for response in (patched, created):
        assert response.status_code == 400
        detail = error_of(response)
        assert detail["o:errorCode"] == "INVALID_CONTENT"
        assert detail["o:errorPath"] == field
        assert "read-only" in detail["detail"]
    assert netsuite.record("customer", "501")[field] == 0
    assert len(netsuite.state()["records"]["customer"]) == 1


def test_a_netsuite_user_can_change_financials(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    netsuite.edit(type="customer", id="501", fields={"balance": 1250.5, "daysOverdue": 12})

    record = api("GET", "record/v1/customer/501").json()
    assert (record["balance"], record["daysOverdue"]) == (1250.5, 12)


def test_missing_company_name_is_a_user_error(api):
    response = api("POST", "record/v1/customer", json={"email": "x@example.test"})

    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "USER_ERROR"
    assert detail["detail"] == "You must enter a value for Company Name."


def test_unknown_field_is_invalid_content(api):
    response = api("POST", "record/v1/customer", json={"companyName": "A", "nope": 1})

    assert response.status_code == 400
    assert error_of(response)["o:errorCode"] == "INVALID_CONTENT"
    assert error_of(response)["o:errorPath"] == "nope"


def test_unknown_id_is_404_nonexistent_id(api):
    response = api("GET", "record/v1/customer/999")

    assert response.status_code == 404
    assert error_of(response)["o:errorCode"] == "NONEXISTENT_ID"


def test_put_without_external_id_is_refused(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    response = api("PUT", "record/v1/customer/501", json={"companyName": "Acme 2"})

    assert response.status_code == 400
    assert "eid:" in error_of(response)["detail"]
    assert netsuite.record("customer", "501")["companyName"] == "Acme"


def test_put_by_external_id_creates_then_updates_the_same_record(netsuite, api):
    created = api("PUT", "record/v1/customer/eid:SF-42", json={"companyName": "Initech"})
    updated = api("PUT", "record/v1/customer/eid:SF-42", json={"phone": "555"})

    assert created.status_code == updated.status_code == 204
    assert created.headers["Location"] == updated.headers["Location"]
    customers = netsuite.state()["records"]["customer"]
    assert len(customers) == 1
    (record,) = customers.values()
    assert (record["externalId"], record["companyName"], record["phone"]) == (
        "SF-42",
        "Initech",
        "555",
    )
    by_eid = api("GET", "record/v1/customer/eid:SF-42").json()
    assert by_eid["companyName"] == "Initech"


def test_external_id_with_other_characters_is_refused(api):
    response = api("PUT", "record/v1/customer/eid:has.dot", json={"companyName": "A"})

    assert response.status_code == 400
    assert error_of(response)["o:errorCode"] == "INVALID_CONTENT"


def test_estimate_needs_an_existing_entity(netsuite, api):
    lines = {"items": [{"item": {"id": "7"}, "quantity": 2, "rate": 10}]}

    response = api("POST", "record/v1/estimate", json={"entity": {"id": "999"}, "item": lines})

    assert response.status_code == 400
    detail = error_of(response)
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("USER_ERROR", "entity")
    assert netsuite.state()["records"]["estimate"] == {}


def test_estimate_needs_at_least_one_item(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    for body in ({"entity": {"id": "501"}}, {"entity": {"id": "501"}, "item": {"items": []}}):
        response = api("POST", "record/v1/estimate", json=body)
        assert response.status_code == 400
        assert error_of(response)["o:errorPath"] == "item"
        assert "at least one valid line item" in error_of(response)["detail"]
    assert netsuite.state()["records"]["estimate"] == {}


def test_estimate_with_entity_and_items_is_created(netsuite, api):
    netsuite.seed(
        customer=[{"id": "501", "companyName": "Acme"}],
        serviceSaleItem=[{"id": "7", "itemId": "Setup"}],
    )
    lines = {"items": [{"item": {"id": "7"}, "quantity": 2, "rate": 10}]}

    response = api("POST", "record/v1/estimate", json={"entity": {"id": "501"}, "item": lines})

    assert response.status_code == 204
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    estimate = api("GET", f"record/v1/estimate/{new_id}").json()
    assert estimate["entity"]["refName"] == "Acme"
    assert estimate["total"] == 20


def test_delete_answers_204_and_the_record_is_gone(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    assert api("DELETE", "record/v1/customer/501").status_code == 204
    assert api("GET", "record/v1/customer/501").status_code == 404
