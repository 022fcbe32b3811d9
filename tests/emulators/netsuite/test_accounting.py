"""Subsidiaries and currencies (emulators/netsuite/accounting.py)."""

from __future__ import annotations

import pytest

from .helpers import error_of


def test_a_plain_account_needs_no_subsidiary_a_one_world_one_does(netsuite, api):
    assert api("POST", "record/v1/customer", json={"companyName": "A"}).status_code == 204

    assert netsuite.account(oneWorld=True)["oneWorld"] is True
    refused = api("POST", "record/v1/customer", json={"companyName": "B"})

    assert refused.status_code == 400
    assert error_of(refused)["detail"] == "Please enter value(s) for: Primary Subsidiary"
    taken = api("POST", "record/v1/customer", json={"companyName": "C", "subsidiary": {"id": "2"}})
    assert taken.status_code == 204


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"subsidiary": {"id": "9"}}, "Invalid subsidiary reference key 9."),
        ({"currency": {"id": "9"}}, "Invalid currency reference key 9."),
        (
            {"currencyList": {"items": [{"currency": {"id": "4"}}, {"currency": {"id": "8"}}]}},
            "Invalid currency reference key 8.",
        ),
    ],
)
def test_references_must_exist(netsuite, api, body, detail):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    response = api("PATCH", "record/v1/customer/501", json=body)

    assert response.status_code == 400
    assert error_of(response)["detail"] == detail
    assert "currency" not in netsuite.record("customer", "501")
