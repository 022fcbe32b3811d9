"""The SuiteQL subset (emulators/netsuite/suiteql.py)."""

from __future__ import annotations

import pytest

from .helpers import error_of


@pytest.fixture
def companies(netsuite):
    netsuite.seed(
        customer=[
            {"id": "501", "companyName": "Acme", "email": "a@acme.test", "subsidiary": {"id": "1"}},
            {"id": "502", "companyName": "Globex", "subsidiary": {"id": "2"}},
            {"id": "503", "companyName": "Initech", "subsidiary": {"id": "1"}},
            {"id": "504", "companyName": "Umbrella", "subsidiary": {"id": "3"}},
            {"id": "505", "companyName": "Hooli", "subsidiary": {"id": "1"}},
        ]
    )


@pytest.mark.usefixtures("companies")
def test_suiteql_where_equals(api):
    response = api.suiteql("SELECT id, companyname FROM customer WHERE companyname = 'Globex'")

    assert response.status_code == 200
    body = response.json()
    assert [{k: v for k, v in i.items() if k != "links"} for i in body["items"]] == [
        {"id": "502", "companyname": "Globex"}
    ]
    assert (body["count"], body["totalResults"], body["hasMore"]) == (1, 1, False)


@pytest.mark.usefixtures("companies")
def test_suiteql_where_in_and_reference_ids(api):
    by_id = api.suiteql("SELECT id FROM customer WHERE id IN ('501', '504', '999')").json()
    by_subsidiary = api.suiteql("SELECT id FROM customer WHERE subsidiary = 1").json()

    assert [i["id"] for i in by_id["items"]] == ["501", "504"]
    assert [i["id"] for i in by_subsidiary["items"]] == ["501", "503", "505"]


@pytest.mark.usefixtures("companies")
def test_suiteql_order_by(api):
    ascending = api.suiteql("SELECT id, companyname FROM customer ORDER BY companyname").json()
    descending = api.suiteql("SELECT id FROM customer ORDER BY id DESC").json()

    assert [i["companyname"] for i in ascending["items"]] == [
        "Acme",
        "Globex",
        "Hooli",
        "Initech",
        "Umbrella",
    ]
    assert [i["id"] for i in descending["items"]] == ["505", "504", "503", "502", "501"]


@pytest.mark.usefixtures("companies")
def test_suiteql_pages_with_links_and_has_more(api):
    query = "SELECT id FROM customer ORDER BY id"
    first = api.suiteql(query, limit=2, offset=0).json()
    last = api.suiteql(query, limit=2, offset=4).json()

    assert [i["id"] for i in first["items"]] == ["501", "502"]
    assert (first["count"], first["offset"], first["totalResults"]) == (2, 0, 5)
    assert first["hasMore"] is True
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert links["self"].endswith("/services/rest/query/v1/suiteql?limit=2&offset=0")
    assert links["next"].endswith("/services/rest/query/v1/suiteql?limit=2&offset=2")

    assert [i["id"] for i in last["items"]] == ["505"]
    assert last["hasMore"] is False
    assert "next" not in {link["rel"] for link in last["links"]}


def test_suiteql_without_prefer_transient_is_refused(api):
    response = api(
        "POST", "query/v1/suiteql", params={"limit": 10}, json={"q": "SELECT id FROM customer"}
    )

    assert response.status_code == 400
    assert "Prefer: transient" in error_of(response)["detail"]


def test_suiteql_it_cannot_read_is_refused(api):
    response = api.suiteql("DELETE FROM customer")

    assert response.status_code == 400
    assert error_of(response)["detail"].startswith("Invalid search query")
