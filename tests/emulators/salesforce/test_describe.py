"""
The org's schema: describe (emulators/salesforce/describe.py), custom fields built from SFNS's
Salesforce DX package (package.py), changed by POST /__emulator__/fields and restored by reset.
"""

from __future__ import annotations

import shutil

import pytest
import requests

from emulators.base import start_emulator
from emulators.salesforce import SalesforceEmulator
from emulators.salesforce.package import PACKAGE_DIR

from .helpers import Api, add_custom_fields, create_account, error_of, password_token

FIELD_KEYS = {
    "name",
    "label",
    "type",
    "length",
    "precision",
    "scale",
    "custom",
    "createable",
    "updateable",
    "nillable",
    "externalId",
    "unique",
    "referenceTo",
    "picklistValues",
}
# The package's Account fields as describe shows them: (type, length, precision, scale).
PACKAGE_FIELDS = {
    "NetSuite_Id__c": ("string", 32, 0, 0),
    "NetSuite_Sync__c": ("string", 255, 0, 0),
    "NetSuite_Balance__c": ("currency", 0, 18, 2),
    "NetSuite_Overdue_Balance__c": ("currency", 0, 18, 2),
    "NetSuite_Credit_Limit__c": ("currency", 0, 18, 2),
    "NetSuite_Unbilled_Orders__c": ("currency", 0, 18, 2),
    "NetSuite_Deposit_Balance__c": ("currency", 0, 18, 2),
    "NetSuite_Days_Overdue__c": ("double", 0, 18, 0),
}


def describe(sf: Api, sobject: str) -> dict[str, dict]:
    response = sf("GET", f"sobjects/{sobject}/describe")
    assert response.status_code == 200, response.text
    return {field["name"]: field for field in response.json()["fields"]}


def test_account_describe_lists_exactly_the_package_custom_fields(sf):
    response = sf("GET", "sobjects/Account/describe")

    body = response.json()
    assert (body["name"], body["label"], body["custom"]) == ("Account", "Account", False)
    assert (body["createable"], body["updateable"], body["queryable"]) == (True, True, True)
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"  # one API call
    custom = {field["name"]: field for field in body["fields"] if field["custom"]}
    shapes = {
        name: (field["type"], field["length"], field["precision"], field["scale"])
        for name, field in custom.items()
    }
    assert shapes == PACKAGE_FIELDS
    key = custom["NetSuite_Id__c"]
    assert (key["externalId"], key["unique"], key["label"]) == (True, True, "NetSuite ID")
    assert all(
        f["updateable"] and f["nillable"] and not f["unique"]
        for f in custom.values()
        if f is not key
    )
    assert all(set(field) >= FIELD_KEYS for field in body["fields"])


def test_describe_gives_standard_fields_their_salesforce_types(sf):
    account, opportunity = describe(sf, "Account"), describe(sf, "Opportunity")
    organization = sf("GET", "sobjects/Organization/describe").json()

    def shape(fields: dict, name: str) -> tuple:
        field = fields[name]
        return field["type"], field["length"], field["createable"], field["nillable"]

    assert shape(account, "Id") == ("id", 18, False, False)
    assert shape(account, "Name") == ("string", 255, True, False)
    assert shape(account, "Phone") == ("phone", 40, True, True)
    assert shape(account, "Website") == ("url", 255, True, True)
    assert shape(account, "BillingStreet") == ("textarea", 255, True, True)
    assert shape(account, "BillingCity") == ("string", 40, True, True)
    assert shape(account, "NumberOfEmployees")[0] == "int"
    assert shape(account, "LastModifiedDate") == ("datetime", 0, False, False)
    assert account["ParentId"]["type"] == "reference"
    assert account["ParentId"]["referenceTo"] == ["Account"]
    assert shape(opportunity, "StageName") == ("picklist", 255, True, False)
    assert shape(opportunity, "CloseDate") == ("date", 0, True, False)
    assert opportunity["Amount"]["type"] == "currency"
    assert not any(field["custom"] for field in opportunity.values())
    assert organization["createable"] is False and organization["queryable"] is True
    org_types = {field["name"]: field["type"] for field in organization["fields"]}
    assert org_types == {
        "Id": "id",
        "Name": "string",
        "OrganizationType": "picklist",
        "IsSandbox": "boolean",
    }


def test_a_dropped_field_leaves_describe_and_is_an_invalid_field_until_reset(sf):
    account_id = create_account(sf, NetSuite_Sync__c="2026-09-01T10:00:00+00:00")

    answer = sf.control("fields", {"sobject": "Account", "drop": ["NetSuite_Sync__c"]}).json()

    assert answer == {
        "ok": True,
        "sobject": "Account",
        "custom_fields": sorted(set(PACKAGE_FIELDS) - {"NetSuite_Sync__c"}),
    }
    assert "NetSuite_Sync__c" not in describe(sf, "Account")
    write = sf("PATCH", f"sobjects/Account/{account_id}", json={"NetSuite_Sync__c": "x"})
    assert error_of(write) == (
        400,
        "INVALID_FIELD",
        "No such column 'NetSuite_Sync__c' on sobject of type Account",
    )
    assert error_of(sf.query("SELECT NetSuite_Sync__c FROM Account"))[:2] == (400, "INVALID_FIELD")
    assert "NetSuite_Sync__c" not in sf("GET", f"sobjects/Account/{account_id}").json()

    sf.control("reset")

    assert describe(sf, "Account")["NetSuite_Sync__c"]["type"] == "string"
    assert create_account(sf, NetSuite_Sync__c="Error: refused")


def test_an_added_field_is_described_and_serves_as_an_external_id(sf):
    add_custom_fields(
        sf, "Account", Legacy_Key__c={"type": "string", "length": 80, "externalId": True}
    )

    field = describe(sf, "Account")["Legacy_Key__c"]
    upsert = sf("PATCH", "sobjects/Account/Legacy_Key__c/L-1", json={"Name": "Acme"})

    assert (field["type"], field["length"], field["custom"], field["externalId"]) == (
        "string",
        80,
        True,
        True,
    )
    assert upsert.status_code == 201 and upsert.json()["created"] is True
    too_long = sf("POST", "sobjects/Account/", json={"Name": "A", "Legacy_Key__c": "k" * 81})
    assert error_of(too_long)[:2] == (400, "STRING_TOO_LONG")


def test_fields_added_at_run_time_check_values_by_their_type(sf):
    add_custom_fields(
        sf,
        "Account",
        Tier__c={"type": "picklist", "picklistValues": ["Gold"], "restrictedPicklist": True},
        Billing_Email__c={"type": "email"},
        Active__c={"type": "boolean"},
        Renewal__c={"type": "date"},
    )
    account_id = create_account(sf)

    def write(**fields):
        return sf("PATCH", f"sobjects/Account/{account_id}", json=fields)

    good = write(Tier__c="Gold", Billing_Email__c="ap@acme.example", Renewal__c="2027-01-31")
    assert good.status_code == 204
    record = sf("GET", f"sobjects/Account/{account_id}").json()
    assert (record["Tier__c"], record["Active__c"], record["Renewal__c"]) == (
        "Gold",
        False,  # a checkbox is never null
        "2027-01-31",
    )
    assert error_of(write(Tier__c="Platinum"))[:2] == (
        400,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    )
    assert error_of(write(Billing_Email__c="not an address"))[:2] == (
        400,
        "INVALID_EMAIL_ADDRESS",
    )
    assert error_of(write(Active__c="maybe"))[:2] == (400, "JSON_PARSER_ERROR")
    assert error_of(write(Renewal__c="soon"))[:2] == (400, "JSON_PARSER_ERROR")


@pytest.mark.parametrize(
    "body",
    [
        {"sobject": "Account", "drop": ["NetSuite_Sync__c", "No_Such__c"]},
        {
            "sobject": "Account",
            "drop": ["NetSuite_Sync__c"],
            "add": {"Bad Name": {"type": "string"}},
        },
        {"sobject": "Account", "drop": ["NetSuite_Sync__c"], "add": {"X__c": {"type": "blob"}}},
        {
            "sobject": "Account",
            "drop": ["NetSuite_Sync__c"],
            "add": {"netsuite_id__c": {"type": "string"}},
        },
        {"sobject": "Lead", "drop": ["NetSuite_Sync__c"]},
        {
            "sobject": "Account",
            "drop": ["NetSuite_Sync__c"],
            "add": {"X__c": {"type": "string", "length": "long"}},
        },
    ],
)
def test_a_bad_field_change_is_refused_and_changes_nothing(sf, body):
    response = sf.session.post(f"{sf.url}/__emulator__/fields", json=body, timeout=10)

    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert set(PACKAGE_FIELDS) <= set(describe(sf, "Account"))


def test_an_emulator_built_from_another_copy_of_the_package_lacks_its_removed_field(
    tmp_path, settings, monkeypatch
):
    package = tmp_path / "salesforce"
    shutil.copytree(PACKAGE_DIR, package)
    (
        package / "force-app/main/default/objects/Account/fields/NetSuite_Sync__c.field-meta.xml"
    ).unlink()
    ca = str(tmp_path / "ca.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)  # requests prefers it to a session's verify
    running = start_emulator(SalesforceEmulator(package_dir=package), ca_out=ca)
    try:
        token = password_token(running.url, settings, ca).json()["access_token"]
        sf = Api(running.url, token, ca)

        fields = describe(sf, "Account")
        write = sf("POST", "sobjects/Account/", json={"Name": "A", "NetSuite_Sync__c": "x"})

        assert {name for name in fields if fields[name]["custom"]} == set(PACKAGE_FIELDS) - {
            "NetSuite_Sync__c"
        }
        assert error_of(write)[:2] == (400, "INVALID_FIELD")
    finally:
        running.stop()


@pytest.mark.parametrize("sobject", ["Widget", "Lead", "Widget__c"])
def test_an_unknown_sobjects_describe_is_not_found(sf, sobject):
    response = sf("GET", f"sobjects/{sobject}/describe")

    assert error_of(response) == (404, "NOT_FOUND", "The requested resource does not exist")
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"


def test_describe_needs_a_session(salesforce_emulator, salesforce_ca):
    response = requests.get(
        f"{salesforce_emulator.url}/services/data/v62.0/sobjects/Account/describe",
        timeout=10,
        verify=salesforce_ca,
    )

    assert error_of(response)[:2] == (401, "INVALID_SESSION_ID")


def test_versions_are_listed_oldest_first_and_limits_name_the_daily_allocation(sf):
    versions = requests.get(f"{sf.url}/services/data/", timeout=10, verify=sf.session.verify)

    listed = versions.json()
    assert versions.status_code == 200
    assert all(set(entry) == {"label", "url", "version"} for entry in listed)
    assert listed[-1] == {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}
    assert [float(entry["version"]) for entry in listed] == sorted(
        float(entry["version"]) for entry in listed
    )
    assert {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"} in listed
    limits = sf("GET", "/services/data/v60.0/limits").json()
    assert limits["DailyApiRequests"] == {"Max": 15000, "Remaining": 14999}
