"""SOQL as the emulator parses and runs it (emulators/salesforce/soql.py)."""

from __future__ import annotations

import pytest

from .helpers import API, add_custom_fields, error_of, names, seed


def test_query_filters(sf):
    add_custom_fields(sf, "Account", Flag__c={"type": "boolean"})
    ids = seed(
        sf,
        Account=[
            {
                "Name": "Alpha",
                "Industry": "Energy",
                "NumberOfEmployees": 10,
                "Flag__c": True,
                "LastModifiedDate": "2026-09-01T09:00:00Z",
            },
            {
                "Name": "Beta",
                "Industry": "energy",
                "NumberOfEmployees": 20,
                "LastModifiedDate": "2026-09-01T10:00:00Z",
            },
            {
                "Name": "Gamma",
                "Industry": None,
                "NumberOfEmployees": 30,
                "Flag__c": False,
                "LastModifiedDate": "2026-09-01T11:00:00.000+0000",
            },
        ],
    )["Account"]
    alpha, beta, gamma = ids

    def query(where: str) -> list[str]:
        return sorted(names(sf.query(f"SELECT Name FROM Account WHERE {where}")))

    assert query(f"Id = '{beta}'") == ["Beta"]
    assert query(f"id = '{beta[:15]}'") == ["Beta"]
    assert query(f"Id IN ('{alpha}', '{gamma}')") == ["Alpha", "Gamma"]
    assert query("Industry = 'ENERGY'") == ["Alpha", "Beta"]
    assert query("industry = null") == ["Gamma"]
    assert query("Industry != null") == ["Alpha", "Beta"]
    assert query("NumberOfEmployees = 20") == ["Beta"]
    assert query("NumberOfEmployees > 15 AND Name != 'Gamma'") == ["Beta"]
    assert query("Flag__c = true") == ["Alpha"]
    assert query("Flag__c = false") == ["Beta", "Gamma"]  # a checkbox is never null
    assert query("LastModifiedDate > 2026-09-01T10:00:00Z") == ["Gamma"]
    assert query("LastModifiedDate >= 2026-09-01T10:00:00Z") == ["Beta", "Gamma"]
    assert query("LastModifiedDate < 2026-09-01T10:00:00.000+00:00") == ["Alpha"]
    assert query("Name = 'Alpha' OR Name = 'Gamma'") == ["Alpha", "Gamma"]
    assert query("Name LIKE 'Ga%'") == ["Gamma"]


def test_query_records_carry_attributes_and_selected_fields_only(sf):
    account_id = seed(sf, Account=[{"Name": "Alpha", "Phone": "1"}])["Account"][0]

    body = sf.query("select id, NAME from account").json()

    assert body == {
        "totalSize": 1,
        "done": True,
        "records": [
            {
                "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{account_id}"},
                "Id": account_id,
                "Name": "Alpha",
            }
        ],
    }


def test_query_order_by_and_limit(sf):
    seed(
        sf,
        Account=[
            {"Name": "b", "AnnualRevenue": 2},
            {"Name": "a", "AnnualRevenue": 3},
            {"Name": "c"},
        ],
    )

    assert names(sf.query("SELECT Name FROM Account ORDER BY Name")) == ["a", "b", "c"]
    assert names(sf.query("SELECT Name FROM Account ORDER BY Name DESC LIMIT 2")) == ["c", "b"]
    by_revenue = sf.query("SELECT Name FROM Account ORDER BY AnnualRevenue DESC")
    assert names(by_revenue) == ["a", "b", "c"]
    assert sf.query("SELECT Name FROM Account LIMIT 1").json()["totalSize"] == 1


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELEC Id FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Id, FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account LIMIT x", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Account", "MALFORMED_QUERY"),
        ("SELECT Colour FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE Colour = 'red'", "INVALID_FIELD"),
        ("SELECT Id FROM Account ORDER BY Colour", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE LastModifiedDate > '2026-09-01T10:00:00Z'", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD"),
        ("SELECT Id FROM Widget", "INVALID_TYPE"),
        ("SELECT Id FROM Account WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR"),
    ],
)
def test_bad_soql_is_refused(sf, soql, code):
    assert error_of(sf.query(soql))[:2] == (400, code)


def test_organization_reports_the_edition(sf, settings):
    query = "SELECT Id, Name, OrganizationType FROM Organization"

    before = sf.query(query).json()["records"]
    sf.control("faults", {"edition": "Professional Edition"})
    after = sf.query(query).json()["records"]
    sf.control("seed", {"edition": "Unlimited Edition"})
    seeded = sf.query(query).json()["records"]

    assert len(before) == 1
    assert before[0]["Id"] == settings.SALESFORCE_ORG_ID
    assert before[0]["OrganizationType"] == "Enterprise Edition"
    assert after[0]["OrganizationType"] == "Professional Edition"
    assert seeded[0]["OrganizationType"] == "Unlimited Edition"


def test_system_modstamp_filters_in_every_datetime_form_and_orders_with_id(sf):
    stamps = ["2026-09-01T09:00:00Z", "2026-09-01T10:00:00Z", "2026-09-01T10:00:00Z", None]
    seeded = seed(
        sf,
        Account=[
            {"Name": f"A{i}", **({"SystemModstamp": stamp} if stamp else {})}
            for i, stamp in enumerate(stamps)
        ],
    )["Account"]
    sf.control("edit", {"type": "Account", "id": seeded[0], "fields": {"Phone": "1"}})  # now

    def query(where: str, tail: str = "") -> list[str]:
        soql = f"SELECT Name FROM Account WHERE {where} ORDER BY SystemModstamp, Id {tail}"
        return names(sf.query(soql))

    # The SOQL reference's forms (Z, +hh:mm, -hh:mm), and .000Z and +0000 that orgs also take.
    for literal in (
        "2026-09-01T10:00:00Z",
        "2026-09-01T10:00:00.000Z",
        "2026-09-01T10:00:00+00:00",
        "2026-09-01T12:00:00+02:00",
        "2026-09-01T05:00:00-05:00",
        "2026-09-01T10:00:00.000+0000",
    ):
        assert query(f"SystemModstamp >= {literal} AND SystemModstamp < 2026-09-02T00:00:00Z") == [
            "A1",
            "A2",
        ], literal
    assert query("SystemModstamp > 2026-09-01T09:59:59.999Z") == ["A1", "A2", "A3", "A0"]
    assert query("LastModifiedDate > 2026-09-01T10:00:00Z") == ["A3", "A0"]
    assert query("SystemModstamp = 2026-09-01T10:00:00Z", "LIMIT 1") == ["A1"]
    assert query("IsDeleted = false AND (Name = 'A0' OR Name = 'A2')") == ["A2", "A0"]
    assert query(
        "(SystemModstamp < 2026-09-01T10:00:00Z OR Name = 'A3') AND IsDeleted = false"
    ) == ["A3"]
    assert query("MasterRecordId != null") == []
    assert len(query("MasterRecordId = null")) == 4
    ordered = sf.query("SELECT Id FROM Account ORDER BY SystemModstamp DESC, Id DESC").json()
    assert [r["Id"] for r in ordered["records"]][-2:] == [seeded[2], seeded[1]]


def test_selected_backfill_fields_come_back_as_the_rest_api_writes_them(sf):
    parent = seed(sf, Account=[{"Name": "Parent"}])["Account"][0]
    seed(
        sf,
        Account=[
            {
                "Name": "Child",
                "Website": "acme.example",
                "Phone": "555",
                "NetSuite_Id__c": "NS-1",
                "ParentId": parent,
                "BillingCity": "Oslo",
                "LastModifiedDate": "2026-09-01T10:00:00+02:00",
            }
        ],
    )

    soql = (
        "SELECT Id, Name, Website, Phone, NetSuite_Id__c, SystemModstamp, LastModifiedDate, "
        "ParentId, BillingCity, IsDeleted FROM Account WHERE ParentId != null"
    )
    row = sf.query(soql).json()["records"][0]

    assert list(row)[1:] == soql.removeprefix("SELECT ").split(" FROM")[0].split(", ")
    assert row["LastModifiedDate"] == row["SystemModstamp"] == "2026-09-01T08:00:00.000+0000"
    assert (row["ParentId"], row["BillingCity"], row["IsDeleted"]) == (parent, "Oslo", False)


@pytest.mark.parametrize(
    "literal",
    ["2026-09-01T10:00:00", "2026-09-01T25:00:00Z", "2026-09-01 10:00:00Z", "2026-09-01T10:00Z"],
)
def test_malformed_datetime_literals_are_refused(sf, literal):
    response = sf.query(f"SELECT Id FROM Account WHERE SystemModstamp > {literal}")

    assert error_of(response)[:2] == (400, "MALFORMED_QUERY")


def test_count_answers_the_number_of_rows_and_no_records(sf):
    ids = seed(sf, Account=[{"Name": f"A{i}", "Phone": "1" if i < 3 else None} for i in range(5)])
    sf("DELETE", f"sobjects/Account/{ids['Account'][0]}")

    def count(soql: str, resource: str = "query") -> dict:
        response = sf("GET", resource, params={"q": soql})
        assert response.status_code == 200, response.text
        return response.json()

    assert count("SELECT COUNT() FROM Account") == {"totalSize": 4, "done": True, "records": []}
    assert count("select count() from Account where Phone != null")["totalSize"] == 2
    assert count("SELECT COUNT() FROM Account LIMIT 3")["totalSize"] == 3
    assert count("SELECT COUNT() FROM Account", "queryAll")["totalSize"] == 5
    for bad in ("SELECT COUNT(), Id FROM Account", "SELECT COUNT() FROM Account ORDER BY Name"):
        assert error_of(sf.query(bad))[:2] == (400, "MALFORMED_QUERY")
