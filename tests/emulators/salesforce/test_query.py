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


def test_paging_20000_seeded_accounts_by_modstamp_returns_each_once(sf):
    # One seed call of 20,000 (fast: no rescans, no outbound messages); all share one modstamp,
    # so the Id tie-break alone keeps the pages apart.
    ids = seed(sf, Account=[{"Name": f"Bulk {i}", "Phone": str(i)} for i in range(20_000)])[
        "Account"
    ]

    page = sf.query("SELECT Id, SystemModstamp FROM Account ORDER BY SystemModstamp, Id").json()
    seen, pages = [], 1
    while True:
        seen += [record["Id"] for record in page["records"]]
        if page["done"]:
            break
        page = sf("GET", page["nextRecordsUrl"]).json()
        pages += 1

    assert pages == 10
    assert len(seen) == len(set(seen)) == 20_000
    assert set(seen) == set(ids) and seen == sorted(ids)
