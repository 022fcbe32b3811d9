"""
REST sObjects, upsert by external id and collections, and their field validation
(emulators/salesforce/records.py, fields.py, store.py).
"""

from __future__ import annotations

import re

import pytest

from emulators.salesforce.ids import id18

from .helpers import API, add_custom_fields, create_account, error_of

REST_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


@pytest.fixture
def ns_id_field(sf):
    """An external id that, unlike the package's NetSuite_Id__c, several Accounts may share."""
    add_custom_fields(sf, "Account", NS_Id__c={"type": "string", "length": 40, "externalId": True})


def test_account_create_read_update_delete(sf):
    created = sf("POST", "sobjects/Account/", json={"Name": "Acme", "Phone": "555-0100"})

    assert created.status_code == 201
    assert created.json()["success"] is True and created.json()["errors"] == []
    account_id = created.json()["id"]
    assert len(account_id) == 18 and account_id.startswith("001")
    assert account_id == id18(account_id[:15])

    record = sf("GET", f"sobjects/Account/{account_id}").json()
    assert record["attributes"] == {
        "type": "Account",
        "url": f"{API}/sobjects/Account/{account_id}",
    }
    assert record["Id"] == account_id and record["Name"] == "Acme"
    assert record["Website"] is None
    for field in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert REST_DATETIME.match(record[field]), record[field]

    updated = sf("PATCH", f"sobjects/Account/{account_id}", json={"Website": "acme.example"})
    assert updated.status_code == 204 and updated.content == b""

    partial = sf("GET", f"sobjects/Account/{account_id}", params={"fields": "name,Website"})
    assert partial.json() == {
        "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{account_id}"},
        "Name": "Acme",
        "Website": "acme.example",
    }
    after = sf("GET", f"sobjects/Account/{account_id}").json()
    assert after["LastModifiedDate"] > record["LastModifiedDate"]
    assert after["CreatedDate"] == record["CreatedDate"]

    assert sf("DELETE", f"sobjects/Account/{account_id}").status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        response = sf(method, f"sobjects/Account/{account_id}", json={"Name": "x"})
        assert error_of(response) == (404, "ENTITY_IS_DELETED", "entity is deleted")


def test_fifteen_char_id_reads_the_same_record(sf):
    account_id = create_account(sf)

    response = sf("GET", f"sobjects/Account/{account_id[:15]}")

    assert response.status_code == 200
    assert response.json()["Id"] == account_id


def test_missing_record_is_not_found(sf):
    for record_id in ("001000000000000AAA", "garbage"):
        response = sf("GET", f"sobjects/Account/{record_id}")
        assert error_of(response) == (
            404,
            "NOT_FOUND",
            "The requested resource does not exist",
        )


def test_unknown_field_is_invalid_field(sf):
    account_id = create_account(sf)

    on_create = sf("POST", "sobjects/Account/", json={"Name": "A", "Colour": "red"})
    on_update = sf("PATCH", f"sobjects/Account/{account_id}", json={"Colour": "red"})
    on_read = sf("GET", f"sobjects/Account/{account_id}", params={"fields": "Colour"})

    for response in (on_create, on_update, on_read):
        assert error_of(response) == (
            400,
            "INVALID_FIELD",
            "No such column 'Colour' on sobject of type Account",
        )


def test_custom_fields_are_accepted_and_returned(sf):
    add_custom_fields(sf, "Account", Sync_Locked__c={"type": "boolean"})
    account_id = create_account(sf, NetSuite_Id__c="123", Sync_Locked__c=True)

    record = sf("GET", f"sobjects/Account/{account_id}").json()

    assert record["NetSuite_Id__c"] == "123"
    assert record["Sync_Locked__c"] is True
    assert record["NetSuite_Balance__c"] is None  # every field of the org is in the answer


def test_a_custom_field_the_org_lacks_is_an_invalid_field(sf):
    account_id = create_account(sf)

    on_create = sf("POST", "sobjects/Account/", json={"Name": "A", "Legacy_Key__c": "1"})
    on_update = sf("PATCH", f"sobjects/Account/{account_id}", json={"Legacy_Key__c": "1"})
    on_read = sf("GET", f"sobjects/Account/{account_id}", params={"fields": "Legacy_Key__c"})
    on_query = sf.query("SELECT Legacy_Key__c FROM Account")

    for response in (on_create, on_update, on_read):
        assert error_of(response) == (
            400,
            "INVALID_FIELD",
            "No such column 'Legacy_Key__c' on sobject of type Account",
        )
    assert error_of(on_query)[:2] == (400, "INVALID_FIELD")
    assert "No such column 'Legacy_Key__c' on entity 'Account'" in error_of(on_query)[2]


def test_package_fields_are_checked_by_their_type(sf):
    account_id = create_account(sf)

    def write(**fields):
        return sf("PATCH", f"sobjects/Account/{account_id}", json=fields)

    assert write(NetSuite_Balance__c=1500.256, NetSuite_Days_Overdue__c=12).status_code == 204
    record = sf("GET", f"sobjects/Account/{account_id}").json()
    assert (record["NetSuite_Balance__c"], record["NetSuite_Days_Overdue__c"]) == (1500.26, 12)
    assert error_of(write(NetSuite_Balance__c="a lot"))[:2] == (400, "JSON_PARSER_ERROR")
    assert error_of(write(NetSuite_Credit_Limit__c=True))[:2] == (400, "JSON_PARSER_ERROR")
    too_big = write(NetSuite_Balance__c=1e17)
    assert error_of(too_big)[:2] == (400, "NUMBER_OUTSIDE_VALID_RANGE")
    assert too_big.json()[0]["fields"] == ["NetSuite_Balance__c"]
    assert error_of(write(NetSuite_Id__c="9" * 33)) == (
        400,
        "STRING_TOO_LONG",
        f"NetSuite_Id__c: data value too large: {'9' * 33} (max length=32)",
    )


def test_a_unique_custom_field_refuses_a_value_another_record_holds(sf):
    first = create_account(sf, NetSuite_Id__c="ns-100")

    again = sf("POST", "sobjects/Account/", json={"Name": "B", "NetSuite_Id__c": "NS-100"})

    assert error_of(again) == (
        400,
        "DUPLICATE_VALUE",
        f"duplicate value found: NetSuite_Id__c duplicates value on record with id: {first}",
    )
    assert sf("PATCH", f"sobjects/Account/{first}", json={"NetSuite_Id__c": "ns-100"}).ok


@pytest.mark.parametrize("field", ["Id", "CreatedDate", "LastModifiedDate", "SystemModstamp"])
def test_system_fields_are_not_writable(sf, field):
    account_id = create_account(sf)
    value = "2026-01-01T00:00:00.000+0000" if field != "Id" else account_id

    response = sf("PATCH", f"sobjects/Account/{account_id}", json={field: value})

    status, code, message = error_of(response)
    assert (status, code) == (400, "INVALID_FIELD_FOR_INSERT_UPDATE")
    assert message.startswith(f"Unable to create/update fields: {field}.")
    assert response.json()[0]["fields"] == [field]


def test_account_name_is_required(sf):
    account_id = create_account(sf)

    on_create = sf("POST", "sobjects/Account/", json={"Phone": "1"})
    on_update = sf("PATCH", f"sobjects/Account/{account_id}", json={"Name": None})

    for response in (on_create, on_update):
        assert response.json() == [
            {
                "message": "Required fields are missing: [Name]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["Name"],
            }
        ]
        assert response.status_code == 400


def test_opportunity_requires_name_stage_and_close_date(sf):
    account_id = create_account(sf)

    missing = sf("POST", "sobjects/Opportunity/", json={"AccountId": account_id})
    created = sf(
        "POST",
        "sobjects/Opportunity/",
        json={
            "Name": "Deal",
            "StageName": "Prospecting",
            "CloseDate": "2026-10-01",
            "Amount": 1200,
            "AccountId": account_id,
        },
    )

    assert error_of(missing)[:2] == (400, "REQUIRED_FIELD_MISSING")
    assert missing.json()[0]["fields"] == ["Name", "StageName", "CloseDate"]
    assert created.status_code == 201 and created.json()["id"].startswith("006")
    record = sf("GET", f"sobjects/Opportunity/{created.json()['id']}").json()
    assert record["Amount"] == 1200.0 and record["CloseDate"] == "2026-10-01"
    assert record["AccountId"] == account_id


def test_field_values_are_type_checked(sf):
    bad_number = sf("POST", "sobjects/Account/", json={"Name": "A", "NumberOfEmployees": "many"})
    bad_parent = sf("POST", "sobjects/Account/", json={"Name": "A", "ParentId": "xyz"})
    too_long = sf("POST", "sobjects/Account/", json={"Name": "A" * 256})

    assert error_of(bad_number)[:2] == (400, "JSON_PARSER_ERROR")
    assert error_of(bad_parent)[:2] == (400, "MALFORMED_ID")
    assert error_of(too_long)[:2] == (400, "STRING_TOO_LONG")


def test_unknown_sobject_and_bad_version_are_not_found(sf):
    assert error_of(sf("POST", "sobjects/Widget/", json={"Name": "x"}))[:2] == (404, "NOT_FOUND")
    bad_version = sf("GET", "/services/data/62/limits")
    assert error_of(bad_version)[:2] == (404, "NOT_FOUND")
    other_version = sf("GET", "/services/data/v58.0/limits")
    assert other_version.status_code == 200


def test_upsert_by_external_id_creates_updates_and_reports_duplicates(sf, ns_id_field):
    first = sf("PATCH", "sobjects/Account/NS_Id__c/NS-1", json={"Name": "Acme"})

    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["success"] is True
    account_id = first.json()["id"]

    second = sf("PATCH", "sobjects/Account/NS_Id__c/NS-1", json={"Phone": "555"})

    assert second.status_code == 200
    assert second.json() == {"id": account_id, "success": True, "errors": [], "created": False}
    record = sf("GET", f"sobjects/Account/{account_id}").json()
    assert record["NS_Id__c"] == "NS-1" and record["Phone"] == "555"

    create_account(sf, NS_Id__c="NS-1")
    third = sf("PATCH", "sobjects/Account/NS_Id__c/NS-1", json={"Phone": "556"})

    assert third.status_code == 300
    assert len(third.json()) == 2
    assert f"{API}/sobjects/Account/{account_id}" in third.json()


def test_upsert_new_record_still_needs_required_fields(sf, ns_id_field):
    response = sf("PATCH", "sobjects/Account/NS_Id__c/NS-9", json={"Phone": "1"})

    assert error_of(response)[:2] == (400, "REQUIRED_FIELD_MISSING")


def test_upsert_on_non_external_field_is_not_found(sf):
    response = sf("PATCH", "sobjects/Account/Name/Acme", json={"Phone": "1"})

    assert error_of(response)[:2] == (404, "NOT_FOUND")


def test_collection_over_200_records_is_refused(sf):
    records = [{"attributes": {"type": "Account"}, "id": "001000000000000AAA"}] * 201

    response = sf("PATCH", "composite/sobjects", json={"allOrNone": False, "records": records})

    assert error_of(response)[:2] == (400, "EXCEEDED_ID_LIMIT")


def test_collection_update_answers_one_result_per_record_in_order(sf):
    good, deleted = create_account(sf), create_account(sf)
    sf("DELETE", f"sobjects/Account/{deleted}")
    records = [
        {"attributes": {"type": "Account"}, "id": good, "Phone": "1"},
        {"attributes": {"type": "Account"}, "Phone": "2"},
        {"attributes": {"type": "Account"}, "id": good, "Colour": "red"},
        {"attributes": {"type": "Account"}, "id": deleted, "Phone": "3"},
        {"attributes": {"type": "Account"}, "id": "006000000000000AAA", "Phone": "4"},
    ]

    response = sf("PATCH", "composite/sobjects", json={"allOrNone": False, "records": records})

    assert response.status_code == 200
    results = response.json()
    assert results[0] == {"id": good, "success": True, "errors": []}
    codes = [r["errors"][0]["statusCode"] for r in results[1:]]
    assert codes == ["MISSING_ARGUMENT", "INVALID_FIELD", "ENTITY_IS_DELETED", "MALFORMED_ID"]
    assert all(r["success"] is False for r in results[1:])
    assert set(results[2]["errors"][0]) == {"statusCode", "message", "fields"}
    assert sf("GET", f"sobjects/Account/{good}").json()["Phone"] == "1"


def test_collection_all_or_none_rolls_back_every_record(sf):
    first, second = create_account(sf, Phone="old"), create_account(sf, Phone="old")
    records = [
        {"attributes": {"type": "Account"}, "id": first, "Phone": "new"},
        {"attributes": {"type": "Account"}, "id": second, "Name": None},
    ]

    response = sf("PATCH", "composite/sobjects", json={"allOrNone": True, "records": records})

    results = response.json()
    assert response.status_code == 200
    assert results[0]["id"] == first and results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf("GET", f"sobjects/Account/{first}").json()["Phone"] == "old"


def test_collection_create(sf):
    records = [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(3)]

    response = sf("POST", "composite/sobjects", json={"allOrNone": True, "records": records})

    assert [r["success"] for r in response.json()] == [True, True, True]
    assert all(r["id"].startswith("001") for r in response.json())
