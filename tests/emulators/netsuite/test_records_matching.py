"""
What backfill, link-time matching and reconcile write and read on customers: lastModifiedDate
on every change, isInactive, an external id set on a customer matched by name, deletion.
"""

from __future__ import annotations

import datetime as dt

import pytest

from .helpers import error_of


def stamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def ids(api, query: str) -> list[str]:
    return [item["id"] for item in api.suiteql(query).json()["items"]]


@pytest.fixture
def acme(netsuite):
    netsuite.seed(
        customer=[
            {"id": "501", "companyName": "Acme", "lastModifiedDate": "2020-01-01T00:00:00Z"},
            {"id": "502", "companyName": "Globex", "externalId": "SF-502"},
        ]
    )


def test_create_and_every_update_set_last_modified_date(api):
    started = dt.datetime.now(dt.UTC)
    location = api("POST", "record/v1/customer", json={"companyName": "Acme"}).headers["Location"]
    path = location.split("/services/rest/", 1)[1]
    created = api("GET", path).json()

    assert api("PATCH", path, json={"phone": "555"}).status_code == 204
    updated = api("GET", path).json()

    assert created["dateCreated"] == created["lastModifiedDate"]
    assert stamp(created["lastModifiedDate"]) >= started
    assert stamp(updated["lastModifiedDate"]) > stamp(created["lastModifiedDate"])
    assert updated["dateCreated"] == created["dateCreated"]


@pytest.mark.usefixtures("acme")
def test_is_inactive_is_writable_and_shows_in_suiteql(api, netsuite):
    assert api("PATCH", "record/v1/customer/501", json={"isInactive": True}).status_code == 204

    assert netsuite.record("customer", "501")["isInactive"] is True
    assert ids(api, "SELECT id FROM customer WHERE isinactive = 'T'") == ["501"]
    assert stamp(netsuite.record("customer", "501")["lastModifiedDate"]).year > 2020


@pytest.mark.usefixtures("acme")
def test_external_id_set_on_a_customer_matched_by_name(api, netsuite):
    (match,) = ids(api, "SELECT id FROM customer WHERE UPPER(companyname) = UPPER('ACME')")

    response = api("PATCH", f"record/v1/customer/{match}", json={"externalId": "001A"})

    assert response.status_code == 204
    assert api("GET", "record/v1/customer/eid:001A").json()["id"] == "501"
    assert ids(api, "SELECT id FROM customer WHERE externalid = '001A'") == ["501"]
    # the upsert now updates that customer instead of creating another
    upsert = api("PUT", "record/v1/customer/eid:001A", json={"phone": "555"})
    assert upsert.headers["Location"].endswith("/record/v1/customer/501")
    assert len(netsuite.state()["records"]["customer"]) == 2


@pytest.mark.usefixtures("acme")
def test_a_changed_external_id_no_longer_finds_the_customer(api):
    assert api("PATCH", "record/v1/customer/502", json={"externalId": "SF-9"}).status_code == 204

    assert api("GET", "record/v1/customer/eid:SF-502").status_code == 404
    assert api("GET", "record/v1/customer/eid:SF-9").json()["id"] == "502"


@pytest.mark.usefixtures("acme")
def test_an_external_id_another_customer_has_is_refused(api, netsuite):
    response = api("PATCH", "record/v1/customer/501", json={"externalId": "SF-502"})

    assert response.status_code == 400
    assert error_of(response)["o:errorCode"] == "USER_ERROR"
    assert error_of(response)["o:errorPath"] == "externalId"
    assert "externalId" not in netsuite.record("customer", "501")
    assert api("GET", "record/v1/customer/eid:SF-502").json()["id"] == "502"


@pytest.mark.usefixtures("acme")
def test_a_deleted_customer_leaves_suiteql_and_its_external_id(api):
    assert api("DELETE", "record/v1/customer/502").status_code == 204

    assert ids(api, "SELECT id FROM customer WHERE id > 0 ORDER BY id") == ["501"]
    assert api("GET", "record/v1/customer/eid:SF-502").status_code == 404
    created = api("PUT", "record/v1/customer/eid:SF-502", json={"companyName": "Globex 2"})
    assert not created.headers["Location"].endswith("/502")
