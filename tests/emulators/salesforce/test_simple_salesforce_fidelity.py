"""An unmodified simple-salesforce, the de facto Python client, works against the HTTPS emulator."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)


@pytest.fixture
def sf(salesforce_emulator, salesforce_ca, settings) -> Salesforce:
    token = requests.post(
        f"{salesforce_emulator.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": settings.SALESFORCE_CLIENT_ID,
            "client_secret": settings.SALESFORCE_CLIENT_SECRET,
            "username": settings.SALESFORCE_USERNAME,
            "password": settings.SALESFORCE_PASSWORD,
        },
        timeout=10,
        verify=salesforce_ca,
    ).json()
    session = requests.Session()
    session.verify = salesforce_ca
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        version="62.0",
        session=session,
    )


def test_create_get_update_delete(sf):
    created = sf.Account.create({"Name": "Acme", "NetSuite_Id__c": "NS-1"})

    assert created["success"] is True
    record = sf.Account.get(created["id"])
    assert record["Name"] == "Acme"
    assert record["attributes"]["type"] == "Account"

    assert sf.Account.update(created["id"], {"Phone": "555-0100"}) == 204
    assert sf.Account.get(created["id"])["Phone"] == "555-0100"
    assert sf.Account.get_by_custom_id("NetSuite_Id__c", "NS-1")["Id"] == created["id"]

    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.Account.get(created["id"])
    assert raised.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_upsert_creates_then_updates(sf):
    first = sf.Account.upsert("NetSuite_Id__c/NS-7", {"Name": "Acme"}, raw_response=True)
    second = sf.Account.upsert("NetSuite_Id__c/NS-7", {"Phone": "1"}, raw_response=True)

    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (second.status_code, second.json()["created"]) == (200, False)
    assert second.json()["id"] == first.json()["id"]


def test_errors_become_the_clients_typed_exceptions(sf, salesforce_emulator, salesforce_ca):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Account.create({"Phone": "1"})
    assert raised.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"

    requests.post(
        f"{salesforce_emulator.url}/__emulator__/expire-sessions", timeout=5, verify=salesforce_ca
    ).raise_for_status()
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account")


def test_query_all_follows_pages_and_reads_api_usage(sf, salesforce_emulator, salesforce_ca):
    requests.post(
        f"{salesforce_emulator.url}/__emulator__/seed",
        json={"Account": [{"Name": f"Account {i:04d}"} for i in range(450)]},
        timeout=30,
        verify=salesforce_ca,
    ).raise_for_status()

    result = sf.query_all(
        "SELECT Id, Name FROM Account ORDER BY Name",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )

    assert result["totalSize"] == 450 and result["done"] is True
    assert [r["Name"] for r in result["records"]] == [f"Account {i:04d}" for i in range(450)]
    # query_all made three calls: the query and two nextRecordsUrl pages.
    assert sf.api_usage["api-usage"].used == 3
    assert sf.api_usage["api-usage"].total == 15000


def test_edition_query(sf):
    records = sf.query("SELECT OrganizationType FROM Organization")["records"]

    assert records[0]["OrganizationType"] == "Enterprise Edition"


def test_query_all_with_deleted_rows_and_a_bulk2_query(sf, salesforce_emulator, salesforce_ca):
    requests.post(
        f"{salesforce_emulator.url}/__emulator__/seed",
        json={"Account": [{"Name": f"Account {i:04d}"} for i in range(250)]},
        timeout=30,
        verify=salesforce_ca,
    ).raise_for_status()
    gone = sf.query("SELECT Id FROM Account WHERE Name = 'Account 0007'")["records"][0]["Id"]
    sf.Account.delete(gone)

    everything = sf.query_all(
        "SELECT Id, IsDeleted FROM Account",
        include_deleted=True,
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    # simple-salesforce's Bulk API 2.0 client: create, poll, then CSV sets by Sforce-Locator.
    sets = list(sf.bulk2.Account.query("SELECT Id, Name FROM Account", max_records=100, wait=0.1))

    assert everything["totalSize"] == 250 and len(everything["records"]) == 250
    assert [r["Id"] for r in everything["records"] if r["IsDeleted"]] == [gone]
    rows = [row for text in sets for row in csv.DictReader(io.StringIO(text))]
    assert len(sets) == 3 and len(rows) == 249
    assert gone not in {row["Id"] for row in rows}
