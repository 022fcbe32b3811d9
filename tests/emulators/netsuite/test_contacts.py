"""NetSuite contacts: attached to a customer by "company", moved by changing it."""

from __future__ import annotations

import pytest

from .helpers import error_of


@pytest.fixture
def companies(netsuite):
    netsuite.seed(
        customer=[{"id": "501", "companyName": "Acme"}, {"id": "502", "companyName": "Globex"}]
    )


def test_a_contact_is_created_by_external_id_attached_to_its_company(netsuite, api, companies):
    body = {"firstName": "Ada", "lastName": "Lovelace", "company": {"id": "501"}}

    response = api("PUT", "record/v1/contact/eid:003000000000001AAA", json=body)

    assert response.status_code == 204
    rid = response.headers["Location"].rsplit("/", 1)[1]
    contact = api("GET", f"record/v1/contact/{rid}").json()
    assert contact["entityId"] == "Ada Lovelace"
    assert contact["externalId"] == "003000000000001AAA"
    assert contact["company"]["id"] == "501"
    assert contact["company"]["refName"] == "Acme"


def test_changing_the_company_moves_the_contact(netsuite, api, companies):
    netsuite.seed(contact=[{"id": "700", "lastName": "Lovelace", "company": {"id": "501"}}])

    assert api("PATCH", "record/v1/contact/700", json={"company": {"id": "502"}}).status_code == 204

    assert netsuite.record("contact", "700")["company"] == {"id": "502"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"email": "a@acme.test", "company": {"id": "501"}}, "Please enter value(s) for: Contact"),
        ({"lastName": "Lovelace", "company": {"id": "999"}}, "Invalid company reference key 999."),
    ],
)
def test_a_contact_without_a_name_or_with_an_unknown_company_is_refused(
    netsuite, api, companies, body, detail
):
    response = api("POST", "record/v1/contact", json=body)

    assert response.status_code == 400
    assert error_of(response)["detail"] == detail
    assert netsuite.state()["records"]["contact"] == {}
