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
