"""The customer's address book, a keyed sublist (emulators/netsuite/address_book.py)."""

from __future__ import annotations

import pytest

from .helpers import error_of

BILLING = {"addressBookAddress": {"addr1": "1 Main St"}, "defaultBilling": True}
BY_HAND = {"addressBookAddress": {"addr1": "9 Dock Rd"}, "label": "Warehouse"}


def _lines(netsuite, rid="502"):
    return netsuite.record("customer", rid)["addressBook"]["items"]


@pytest.fixture
def customer(netsuite):
    netsuite.seed(
        customer=[{"id": "502", "companyName": "Acme", "addressBook": {"items": [BILLING]}}]
    )
    return _lines(netsuite)[0]["id"]


def test_every_line_has_an_id(netsuite, api, customer):
    response = api(
        "POST",
        "record/v1/customer",
        json={"companyName": "Globex", "addressBook": {"items": [BILLING, BY_HAND]}},
    )

    new_id = response.headers["Location"].rsplit("/", 1)[1]
    ids = [line["id"] for line in _lines(netsuite, new_id)]
    assert len({*ids, customer}) == 3


def test_a_line_sent_with_its_id_is_updated_and_the_others_stay(netsuite, api, customer):
    api("PATCH", "record/v1/customer/502", json={"addressBook": {"items": [BY_HAND]}})
    moved = {"id": customer, "addressBookAddress": {"addr1": "2 Main St", "city": "Ely"}}

    response = api("PATCH", "record/v1/customer/502", json={"addressBook": {"items": [moved]}})

    assert response.status_code == 204
    lines = _lines(netsuite)
    assert [line["addressBookAddress"] for line in lines] == [
        {"addr1": "2 Main St", "city": "Ely"},  # the subrecord as sent, whole
        BY_HAND["addressBookAddress"],
    ]
    assert lines[0]["defaultBilling"] is True


def test_a_line_with_an_unknown_id_is_added(netsuite, api, customer):
    api(
        "PATCH",
        "record/v1/customer/502",
        json={"addressBook": {"items": [{**BY_HAND, "id": "999"}]}},
    )

    lines = _lines(netsuite)
    assert len(lines) == 2
    assert lines[1]["id"] != "999"


def test_replace_keeps_only_the_lines_sent(netsuite, api, customer):
    api("PATCH", "record/v1/customer/502", json={"addressBook": {"items": [BY_HAND]}})
    kept = _lines(netsuite)[1]["id"]

    api(
        "PATCH",
        "record/v1/customer/502",
        params={"replace": "addressBook"},
        json={"addressBook": {"items": [{"id": kept}]}},
    )

    assert _lines(netsuite) == [{**BY_HAND, "id": kept}]


def test_one_default_billing_line_at_most(netsuite, api, customer):
    api(
        "PATCH",
        "record/v1/customer/502",
        json={"addressBook": {"items": [{**BY_HAND, "defaultBilling": True}]}},
    )

    assert [line.get("defaultBilling") for line in _lines(netsuite)] == [False, True]


@pytest.mark.parametrize("country", [{"id": "XX"}, "Germany"])
def test_a_country_must_be_one_of_netsuites_ids(netsuite, api, customer, country):
    line = {"addressBookAddress": {"addr1": "1 Main St", "country": country}}

    response = api("PATCH", "record/v1/customer/502", json={"addressBook": {"items": [line]}})

    assert response.status_code == 400
    assert "Invalid country reference key" in error_of(response)["detail"]
    assert len(_lines(netsuite)) == 1


def test_a_country_id_is_taken(netsuite, api, customer):
    line = {"addressBookAddress": {"addr1": "1 Main St", "country": {"id": "DE"}}}

    assert (
        api("PATCH", "record/v1/customer/502", json={"addressBook": {"items": [line]}}).status_code
        == 204
    )
