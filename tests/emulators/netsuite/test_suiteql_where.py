"""SuiteQL conditions and ordering, one query per row: the ids it answers, in order."""

from __future__ import annotations

import pytest

LOCK, SALESFORCE_ID = "custentity_sfns_lock_record", "custentity_sfns_salesforce_id"
CUSTOMERS = [
    {
        "id": "501",
        "companyName": "Acme Corp",
        "email": "ap@acme.test",
        "isInactive": False,
        SALESFORCE_ID: "001A",
        LOCK: True,
        "lastModifiedDate": "2026-08-01T09:00:00.000000Z",
    },
    {
        "id": "502",
        "companyName": "Globex",
        "phone": "555-0102",
        "isInactive": True,
        "externalId": "SF-502",
        "lastModifiedDate": "2026-09-01T10:00:00.000000Z",
    },
    {
        "id": "503",
        "companyName": "acme labs",
        "url": "https://acme-labs.test",
        "isInactive": False,
        LOCK: False,
        "lastModifiedDate": "2026-09-01T10:00:01.000000Z",
    },
    {
        "id": "504",
        "companyName": "Initech",
        "email": "hr@initech.test",
        "lastModifiedDate": "2026-09-02T08:00:00.000000Z",
    },
    {
        "id": "505",
        "companyName": "Umbrella 100%",
        "isInactive": False,
        "externalId": "SF-505",
        "lastModifiedDate": "2026-07-15T23:59:59.000000Z",
    },
]
SINCE = "TO_TIMESTAMP('2026-09-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS')"

CASES = [
    # comparisons
    ("companyname = 'Globex'", ["502"]),
    ("companyname <> 'Globex'", ["501", "503", "504", "505"]),
    ("companyname != 'Globex'", ["501", "503", "504", "505"]),
    ("id > 503", ["504", "505"]),
    ("id >= 503", ["503", "504", "505"]),
    ("id < 503", ["501", "502"]),
    ("id <= 503", ["501", "502", "503"]),
    ("id = '504'", ["504"]),
    ("504 < id", ["505"]),
    # checkboxes are 'T' or 'F', never NULL: one never ticked (504) is 'F'
    ("isinactive = 'T'", ["502"]),
    ("isinactive = 'F'", ["501", "503", "504", "505"]),
    ("isinactive IS NULL", []),
    (f"{LOCK} = 'T'", ["501"]),
    (f"{LOCK} = 'F'", ["502", "503", "504", "505"]),
    # AND, OR, NOT, parentheses
    ("isinactive = 'F' AND id > 501", ["503", "504", "505"]),
    ("id = 501 OR id = 504", ["501", "504"]),
    ("(id = 501 OR id = 502) AND isinactive = 'T'", ["502"]),
    ("id = 501 OR id = 502 AND isinactive = 'T'", ["501", "502"]),
    ("NOT (id = 501 OR id = 502)", ["503", "504", "505"]),
    # NULL
    ("email IS NULL", ["502", "503", "505"]),
    ("email IS NOT NULL", ["501", "504"]),
    ("externalid IS NOT NULL", ["502", "505"]),
    (f"{SALESFORCE_ID} IS NULL AND externalid IS NULL", ["503", "504"]),
    ("phone <> '1'", ["502"]),  # a NULL is neither equal nor unequal
    # LIKE, UPPER, LOWER
    ("companyname LIKE 'acme%'", ["503"]),
    ("companyname LIKE '%e%'", ["501", "502", "503", "504", "505"]),
    ("companyname LIKE 'Glo_ex'", ["502"]),
    ("companyname NOT LIKE '%o%'", ["503", "504", "505"]),
    ("UPPER(companyname) LIKE UPPER('%acme%')", ["501", "503"]),
    ("LOWER(companyname) = 'initech'", ["504"]),
    ("UPPER(email) = 'AP@ACME.TEST'", ["501"]),
    # IN
    ("id IN (501, '503', 999)", ["501", "503"]),
    ("externalid IN ('SF-502', 'SF-999')", ["502"]),
    ("id NOT IN (501, 502)", ["503", "504", "505"]),
    # dates, compared as moments
    (f"lastmodifieddate > {SINCE}", ["503", "504"]),
    (f"lastmodifieddate >= {SINCE}", ["502", "503", "504"]),
    ("lastmodifieddate < TO_DATE('2026-08-01', 'YYYY-MM-DD')", ["505"]),
    ("TO_CHAR(lastmodifieddate, 'YYYY-MM-DD') = '2026-09-01'", ["502", "503"]),
]


@pytest.fixture
def customers(netsuite):
    netsuite.seed(customer=CUSTOMERS)


def ids(api, query: str) -> list[str]:
    response = api.suiteql(query)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(("where", "expected"), CASES, ids=[case[0] for case in CASES])
def test_suiteql_where_answers_the_matching_ids(api, where, expected):
    assert ids(api, f"SELECT id FROM customer WHERE {where} ORDER BY id") == expected


ORDER_CASES = [
    ("id", ["501", "502", "503", "504", "505"]),
    ("id ASC", ["501", "502", "503", "504", "505"]),
    ("id DESC", ["505", "504", "503", "502", "501"]),
    ("lastmodifieddate", ["505", "501", "502", "503", "504"]),
    ("lastmodifieddate DESC", ["504", "503", "502", "501", "505"]),
    # binary order, as Oracle's: upper case before lower case
    ("companyname", ["501", "502", "504", "505", "503"]),
    # NULLs last ascending, first descending; ties keep the next key's order
    ("email, id DESC", ["501", "504", "505", "503", "502"]),
    ("email DESC, id", ["502", "503", "505", "504", "501"]),
]


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(("order", "expected"), ORDER_CASES, ids=[c[0] for c in ORDER_CASES])
def test_suiteql_order_by(api, order, expected):
    assert ids(api, f"SELECT id FROM customer ORDER BY {order}") == expected


@pytest.mark.usefixtures("customers")
def test_suiteql_key_range_with_other_conditions_and_a_table_alias(api):
    query = (
        "SELECT c.id FROM customer c WHERE c.id > 501 AND c.id < 505 "
        "AND (c.email IS NOT NULL OR c.phone IS NOT NULL) ORDER BY c.id DESC"
    )

    assert ids(api, query) == ["504", "502"]
