"""The REST query resource: pages, batch size and locators (emulators/salesforce/query.py)."""

from __future__ import annotations

import re

from .helpers import API, error_of, seed


def test_query_pages_follow_next_records_url_with_batch_size(sf):
    seed(sf, Account=[{"Name": f"Account {i:04d}"} for i in range(450)])
    headers = {"Sforce-Query-Options": "batchSize=200"}

    page = sf.query("SELECT Id, Name FROM Account ORDER BY Name", headers=headers).json()
    seen, pages = [], 0
    while True:
        pages += 1
        assert page["totalSize"] == 450
        seen += [record["Name"] for record in page["records"]]
        if page["done"]:
            assert "nextRecordsUrl" not in page
            break
        assert re.match(rf"^{API}/query/01g\w{{15}}-\d+$", page["nextRecordsUrl"])
        page = sf("GET", page["nextRecordsUrl"]).json()

    assert pages == 3
    assert seen == [f"Account {i:04d}" for i in range(450)]


def test_query_default_page_is_2000_rows(sf):
    seed(sf, Account=[{"Name": f"A{i}"} for i in range(2001)])

    first = sf.query("SELECT Id FROM Account").json()
    second = sf("GET", first["nextRecordsUrl"]).json()

    assert (len(first["records"]), first["done"]) == (2000, False)
    assert (len(second["records"]), second["done"]) == (1, True)


def test_unknown_query_locator_is_refused(sf):
    response = sf("GET", "query/01g000000000000AAA-2000")

    assert error_of(response)[:2] == (400, "INVALID_QUERY_LOCATOR")
