"""
SuiteQL paging as NetSuite allows it: offset a multiple of limit, no row past the 100,000th by
offset, and key paging (WHERE id > :last ORDER BY id) to read any number of rows.
"""

from __future__ import annotations

import pytest

from .helpers import error_of


@pytest.fixture
def many(netsuite):
    """2,500 customers with ids that are neither contiguous nor in insertion order."""
    ids = [str(1000 + 3 * n) for n in range(2500)]
    netsuite.seed(customer=[{"id": rid, "companyName": f"Company {rid}"} for rid in ids[::-1]])
    return ids


def test_key_paging_returns_every_customer_exactly_once(api, many):
    seen, last, pages = [], 0, 0
    while True:
        body = api.suiteql(
            f"SELECT id, companyname FROM customer WHERE id > {last} ORDER BY id", limit=1000
        ).json()
        pages += 1
        seen += [item["id"] for item in body["items"]]
        if not body["hasMore"]:
            break
        last = body["items"][-1]["id"]

    assert seen == many
    assert pages == 3
    assert body["count"] == 500
    assert body["totalResults"] == 500  # what is left after :last, not the table


def test_key_paging_descending(api, many):
    body = api.suiteql(f"SELECT id FROM customer WHERE id < {many[3]} ORDER BY id DESC").json()

    assert [item["id"] for item in body["items"]] == many[2::-1]


def test_offset_paging_links_next_and_last(api, many):
    body = api.suiteql("SELECT id FROM customer ORDER BY id", limit=1000, offset=1000).json()

    assert [item["id"] for item in body["items"]] == many[1000:2000]
    assert (body["offset"], body["count"], body["totalResults"], body["hasMore"]) == (
        1000,
        1000,
        2500,
        True,
    )
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert links["self"].endswith("/query/v1/suiteql?limit=1000&offset=1000")
    assert links["next"].endswith("/query/v1/suiteql?limit=1000&offset=2000")
    assert links["last"].endswith("/query/v1/suiteql?limit=1000&offset=2000")


def test_offset_past_the_100000th_row_is_refused_with_netsuites_error(api):
    last_allowed = api.suiteql("SELECT id FROM customer ORDER BY id", limit=1000, offset=99000)
    beyond = api.suiteql("SELECT id FROM customer ORDER BY id", limit=1000, offset=100000)

    assert last_allowed.status_code == 200
    assert beyond.status_code == 400
    body = beyond.json()
    assert body["type"] == "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1"
    assert body["title"] == "Bad Request"
    detail = error_of(beyond)
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["o:errorQueryParam"] == "offset"
    assert "100,000" in detail["detail"]
    assert "WHERE id > :last ORDER BY id" in detail["detail"]


@pytest.mark.parametrize(("limit", "offset"), [(1000, 500), (0, 0), (1001, 0), (10, -10)])
def test_limit_and_offset_netsuite_does_not_take_are_refused(api, limit, offset):
    response = api.suiteql("SELECT id FROM customer", limit=limit, offset=offset)

    assert response.status_code == 400
    assert error_of(response)["o:errorCode"] == "INVALID_PARAMETER"
