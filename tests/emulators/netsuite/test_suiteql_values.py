"""
What a SuiteQL row holds, as NetSuite answers it: lower-case column names, text values,
checkboxes 'T'/'F', dates in the account's format unless TO_CHAR says otherwise, NULL columns
left out; and NetSuite's 400 for columns and tables it does not have.
"""

from __future__ import annotations

import pytest

from .helpers import error_of

LOCK, SALESFORCE_ID = "custentity_sfns_lock_record", "custentity_sfns_salesforce_id"
ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS'"


@pytest.fixture
def acme(netsuite):
    netsuite.seed(
        customer=[
            {
                "id": "501",
                "companyName": "Acme",
                "email": "ap@acme.test",
                "phone": "555-0101",
                "url": "https://acme.test",
                "externalId": "SF-001",
                "isInactive": False,
                SALESFORCE_ID: "001000000000001AAA",
                LOCK: True,
                "subsidiary": {"id": "3"},
                "dateCreated": "2026-01-05T08:00:00.000000Z",
                "lastModifiedDate": "2026-09-01T10:04:05.123456Z",
            }
        ]
    )


def row(api, query: str) -> dict:
    response = api.suiteql(query)
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert item.pop("links") == []
    return item


@pytest.mark.usefixtures("acme")
def test_columns_come_back_in_lower_case_as_text(api):
    item = row(
        api,
        "SELECT id, CompanyName, EMAIL, phone, url, externalid, isinactive, lastmodifieddate, "
        f"datecreated, {SALESFORCE_ID}, {LOCK}, subsidiary, balancesearch FROM customer",
    )

    assert item == {
        "id": "501",
        "companyname": "Acme",
        "email": "ap@acme.test",
        "phone": "555-0101",
        "url": "https://acme.test",
        "externalid": "SF-001",
        "isinactive": "F",
        "lastmodifieddate": "9/1/2026",  # the account's date format, no time
        "datecreated": "1/5/2026",
        SALESFORCE_ID: "001000000000001AAA",
        LOCK: "T",
        "subsidiary": "3",
        "balancesearch": "0",
    }


@pytest.mark.usefixtures("acme")
def test_to_char_gives_the_time_and_aliases_name_the_column(api):
    item = row(
        api,
        f"SELECT id, TO_CHAR(lastmodifieddate, {ISO}) AS modified, "
        "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS.FF3') FROM customer",
    )

    assert item == {
        "id": "501",
        "modified": "2026-09-01T10:04:05",
        "expr1": "2026-09-01 10:04:05.123",
    }


def test_null_columns_are_left_out_of_the_row(api, netsuite):
    netsuite.seed(customer=[{"id": "502", "companyName": "Globex"}])

    assert row(api, "SELECT id, email, phone, externalid FROM customer") == {"id": "502"}


@pytest.mark.usefixtures("acme")
def test_the_balance_is_balancesearch_in_suiteql(api):
    response = api.suiteql("SELECT id, balance FROM customer")

    assert response.status_code == 400
    detail = error_of(response)
    assert detail["detail"] == (
        "Invalid search query. Detailed unprocessed description follows. Search error "
        "occurred: Unknown identifier 'balance'. Available identifiers are: "
        "{customer=customer}."
    )


@pytest.mark.parametrize(
    ("query", "tail"),
    [
        (
            "SELECT id FROM customer WHERE colour = 'red'",
            "Search error occurred: Unknown identifier 'colour'. "
            "Available identifiers are: {customer=customer}.",
        ),
        (
            "SELECT c.id FROM customer c ORDER BY c.colour",
            "Search error occurred: Unknown identifier 'colour'. "
            "Available identifiers are: {c=customer}.",
        ),
        ("SELECT id FROM customers", "Invalid search type: customers."),
    ],
)
def test_unknown_columns_and_tables_get_netsuites_400(api, query, tail):
    response = api.suiteql(query)

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1"
    assert body["title"] == "Bad Request"
    assert body["o:errorDetails"] == [
        {
            "detail": f"Invalid search query. Detailed unprocessed description follows. {tail}",
            "o:errorQueryParam": "q",
            "o:errorCode": "INVALID_PARAMETER",
        }
    ]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT id FROM customer WHERE",
        "SELECT id FROM customer WHERE lastmodifieddate > '2026-09-01'",
        "SELECT id FROM customer WHERE lastmodifieddate > TO_DATE('09/01/2026', 'YYYY-MM-DD')",
        "SELECT id FROM customer WHERE NVL(email, 'x') = 'x'",
    ],
)
def test_queries_the_emulator_cannot_read_are_refused(api, netsuite, query):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    response = api.suiteql(query)

    assert response.status_code == 400
    assert error_of(response)["detail"].startswith("Invalid search query.")


def test_lastmodifieddate_filter_finds_the_customer_edited_since(api, netsuite):
    netsuite.seed(
        customer=[
            {"id": str(n), "companyName": f"C{n}", "lastModifiedDate": "2020-01-01T00:00:00Z"}
            for n in range(501, 506)
        ]
    )
    since = "TO_TIMESTAMP('2021-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    query = f"SELECT id FROM customer WHERE lastmodifieddate > {since}"
    before = api.suiteql(query).json()

    assert api("PATCH", "record/v1/customer/503", json={"phone": "555"}).status_code == 204
    netsuite.edit(type="customer", id="505", fields={"email": "new@c.test"})
    after = api.suiteql(query).json()

    assert before["items"] == []
    assert [item["id"] for item in after["items"]] == ["503", "505"]


def test_dates_are_shown_and_compared_in_the_accounts_time_zone(api, netsuite, settings):
    settings.NETSUITE_TIME_ZONE = "America/Los_Angeles"
    netsuite.seed(
        customer=[
            {"id": "501", "companyName": "Acme", "lastModifiedDate": "2026-09-01T03:00:00Z"},
            {"id": "502", "companyName": "Globex", "lastModifiedDate": "2026-09-01T02:59:58Z"},
        ]
    )
    since = "TO_TIMESTAMP('2026-08-31 19:59:59', 'YYYY-MM-DD HH24:MI:SS')"

    item = row(
        api,
        "SELECT id, lastmodifieddate, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') "
        f"AS modified FROM customer WHERE lastmodifieddate > {since}",
    )

    assert item == {"id": "501", "lastmodifieddate": "8/31/2026", "modified": "2026-08-31 20:00:00"}
