"""
The standard sObject Contact (key prefix 003): REST CRUD with LastName required, collections,
SOQL by AccountId, the recycle bin with its Account, outbound messages from the package's
SFNS_Contact_Changed flow, describe with the package's Contact fields, and old state files.
"""

from __future__ import annotations

import json

from defusedxml import ElementTree

from emulators.salesforce import SalesforceEmulator

from .helpers import API, as_person, create_account, error_of, seed
from .receiver import NS, messages, wait_for

# The fields of workflows/Contact.workflow-meta.xml's SFNS_Contact_Changed, in its order.
MESSAGE_FIELDS = [
    "Id",
    "LastModifiedDate",
    "AccountId",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "Title",
    "MailingStreet",
    "MailingCity",
    "MailingState",
    "MailingPostalCode",
    "MailingCountry",
]


def create_contact(sf, **fields) -> str:
    response = sf("POST", "sobjects/Contact/", json={"LastName": "Lovelace", **fields})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def records(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["records"]


def test_contact_crud_with_last_name_required(sf):
    account_id = create_account(sf)
    missing = sf("POST", "sobjects/Contact/", json={"FirstName": "Ada"})
    contact_id = create_contact(sf, FirstName="Ada", AccountId=account_id, Email="ada@acme.test")
    cleared = sf("PATCH", f"sobjects/Contact/{contact_id}", json={"LastName": None})

    for response in (missing, cleared):
        assert response.json() == [
            {
                "message": "Required fields are missing: [LastName]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["LastName"],
            }
        ]
        assert response.status_code == 400
    assert contact_id.startswith("003") and len(contact_id) == 18
    patched = sf("PATCH", f"sobjects/Contact/{contact_id}", json={"Title": "CTO", "Phone": "5"})
    assert patched.status_code == 204
    record = sf("GET", f"sobjects/Contact/{contact_id}").json()
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"{API}/sobjects/Contact/{contact_id}",
    }
    assert (record["FirstName"], record["LastName"], record["Title"]) == ("Ada", "Lovelace", "CTO")
    assert (record["AccountId"], record["Email"]) == (account_id, "ada@acme.test")
    assert (record["IsDeleted"], record["MasterRecordId"]) == (False, None)
    assert record["NetSuite_Id__c"] is None and "OwnerId" not in record
    bad_email = sf("PATCH", f"sobjects/Contact/{contact_id}", json={"Email": "not an address"})
    assert error_of(bad_email)[:2] == (400, "INVALID_EMAIL_ADDRESS")
    too_long = sf("PATCH", f"sobjects/Contact/{contact_id}", json={"FirstName": "x" * 41})
    assert error_of(too_long)[:2] == (400, "STRING_TOO_LONG")
    wrong_type = sf("PATCH", f"sobjects/Contact/{contact_id}", json={"AccountId": contact_id})
    assert error_of(wrong_type)[:2] == (400, "MALFORMED_ID")
    assert sf("DELETE", f"sobjects/Contact/{contact_id}").status_code == 204
    assert error_of(sf("GET", f"sobjects/Contact/{contact_id}"))[:2] == (404, "ENTITY_IS_DELETED")


def test_contacts_in_a_collection_and_upserted_by_netsuite_id(sf):
    account_id = create_account(sf)
    created = sf(
        "POST",
        "composite/sobjects",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Contact"}, "LastName": "One", "AccountId": account_id},
                {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
            ],
        },
    ).json()
    upserted = sf("PATCH", "sobjects/Contact/NetSuite_Id__c/77", json={"LastName": "Upserted"})

    assert created[0]["success"] is True and created[0]["id"].startswith("003")
    assert created[1]["success"] is False
    assert created[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert upserted.status_code == 201 and upserted.json()["id"].startswith("003")


def test_soql_finds_an_accounts_contacts_by_account_id(sf):
    acme, other = create_account(sf, Name="Acme"), create_account(sf, Name="Other")
    ada = create_contact(sf, FirstName="Ada", AccountId=acme)
    grace = create_contact(sf, FirstName="Grace", LastName="Hopper", AccountId=acme)
    create_contact(sf, FirstName="Alan", LastName="Turing", AccountId=other)

    rows = records(
        sf.query(
            f"SELECT Id, FirstName, LastName FROM Contact WHERE AccountId = '{acme[:15]}' "
            "ORDER BY LastName"
        )
    )

    assert [(r["Id"], r["LastName"]) for r in rows] == [(grace, "Hopper"), (ada, "Lovelace")]
    assert rows[0]["attributes"]["type"] == "Contact"
    count = sf.query(f"SELECT COUNT() FROM Contact WHERE AccountId = '{other}'").json()
    assert count["totalSize"] == 1


def test_deleting_an_account_sends_its_contacts_to_the_recycle_bin(sf):
    doomed, kept = create_account(sf, Name="Doomed"), create_account(sf, Name="Kept")
    gone = create_contact(sf, AccountId=doomed)
    stays = create_contact(sf, LastName="Stays", AccountId=kept)
    loose = create_contact(sf, LastName="No account")

    assert sf("DELETE", f"sobjects/Account/{doomed}").status_code == 204

    assert error_of(sf("GET", f"sobjects/Contact/{gone}"))[:2] == (404, "ENTITY_IS_DELETED")
    assert {r["Id"] for r in records(sf.query("SELECT Id FROM Contact"))} == {stays, loose}
    binned = records(
        sf("GET", "queryAll", params={"q": "SELECT Id, AccountId, IsDeleted FROM Contact"})
    )
    assert {(r["Id"], r["AccountId"], r["IsDeleted"]) for r in binned} == {
        (gone, doomed, True),
        (stays, kept, False),
        (loose, None, False),
    }


def test_merging_accounts_moves_the_losers_contacts_to_the_winner(sf):
    master, loser = create_account(sf, Name="Master"), create_account(sf, Name="Loser")
    contact_id = create_contact(sf, AccountId=loser)

    answer = sf.control("merge", {"type": "Account", "master": master, "losers": [loser]}).json()

    assert contact_id in answer["updatedRelatedIds"]
    assert sf("GET", f"sobjects/Contact/{contact_id}").json()["AccountId"] == master


def test_a_persons_contact_changes_send_the_workflows_fields(notifying):
    sf, receiver = notifying([])
    account_id = seed(sf, Account=[{"Name": "Acme"}])["Account"][0]
    person = as_person(sf)
    address = {
        "MailingStreet": "1 Main St",
        "MailingCity": "Springfield",
        "MailingState": "IL",
        "MailingPostalCode": "62701",
        "MailingCountry": "US",
    }
    contact_id = create_contact(
        person,
        AccountId=account_id,
        FirstName="Ada",
        Email="ada@acme.test",
        Phone="555",
        Title="CTO",
        Description="not in the message",
        **address,
    )
    sf.control("edit", {"type": "Contact", "id": contact_id, "fields": {"Title": "CEO"}})
    sf("PATCH", f"sobjects/Contact/{contact_id}", json={"NetSuite_Id__c": "9"})  # SFNS: quiet
    wait_for(receiver, 2)

    assert messages(receiver) == [[("sf:Contact", contact_id)], [("sf:Contact", contact_id)]]
    body = ElementTree.fromstring(receiver.requests[0][1])
    action = body.findtext(".//om:ActionId", namespaces=NS)
    sobject = body.find(".//om:sObject", NS)
    assert sobject.get(f"{{{NS['xsi']}}}type") == "sf:Contact"
    assert [child.tag.split("}")[1] for child in sobject] == MESSAGE_FIELDS
    assert sobject.findtext("sf:AccountId", namespaces=NS) == account_id
    assert sobject.findtext("sf:Email", namespaces=NS) == "ada@acme.test"
    assert sobject.findtext("sf:MailingPostalCode", namespaces=NS) == "62701"
    assert action.startswith("04k")
    second = ElementTree.fromstring(receiver.requests[1][1])
    assert second.findtext(".//sf:Title", namespaces=NS) == "CEO"
    stats = sf.session.get(f"{sf.url}/__emulator__/stats", timeout=5).json()
    assert stats["outbound"]["skipped_by_entry"] == 1


def test_contact_describe_lists_the_packages_contact_fields(sf):
    response = sf("GET", "sobjects/Contact/describe")

    body = response.json()
    assert (body["name"], body["labelPlural"], body["keyPrefix"]) == ("Contact", "Contacts", "003")
    assert (body["createable"], body["deletable"], body["queryable"]) == (True, True, True)
    fields = {field["name"]: field for field in body["fields"]}
    custom = {name for name, field in fields.items() if field["custom"]}
    assert custom == {"NetSuite_Id__c", "NetSuite_Sync__c"}
    key = fields["NetSuite_Id__c"]
    assert (key["externalId"], key["unique"], key["length"]) == (True, True, 32)
    assert fields["NetSuite_Sync__c"]["length"] == 255
    assert list(fields)[:3] == ["Id", "IsDeleted", "MasterRecordId"]
    assert fields["MasterRecordId"]["referenceTo"] == ["Contact"]
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    last_name = fields["LastName"]
    assert (last_name["type"], last_name["length"], last_name["nillable"]) == ("string", 80, False)
    assert (fields["Email"]["type"], fields["Email"]["length"]) == ("email", 80)
    assert fields["Description"]["length"] == 32000


def test_seeded_contacts_and_the_recycle_bin(sf):
    account_id = seed(sf, Account=[{"Name": "Acme"}])["Account"][0]

    ids = seed(
        sf,
        Contact=[
            {"LastName": "Live", "AccountId": account_id},
            {"LastName": "Binned", "IsDeleted": True},
        ],
    )["Contact"]

    assert all(contact_id.startswith("003") for contact_id in ids)
    assert [r["Id"] for r in records(sf.query("SELECT Id FROM Contact"))] == ids[:1]
    rows = records(sf("GET", "queryAll", params={"q": "SELECT Id, IsDeleted FROM Contact"}))
    assert {(r["Id"], r["IsDeleted"]) for r in rows} == {(ids[0], False), (ids[1], True)}
    bad = sf.session.post(f"{sf.url}/__emulator__/seed", json={"Contact": [{}]}, timeout=10)
    assert error_of(bad)[:2] == (400, "REQUIRED_FIELD_MISSING")


def test_a_state_file_from_before_contacts_still_loads(tmp_path):
    path = tmp_path / "salesforce.json"
    old = SalesforceEmulator().initial_state()
    for store in ("records", "deleted", "custom_fields"):
        del old[store]["Contact"]
    account = {"Id": "0015g0000000001AAA", "Name": "Old"}
    old["records"]["Account"] = {account["Id"]: account}
    path.write_text(json.dumps(old))

    state = SalesforceEmulator(state_file=str(path)).state

    assert state["records"]["Contact"] == {} and state["deleted"]["Contact"] == {}
    assert set(state["custom_fields"]["Contact"]) == {"NetSuite_Id__c", "NetSuite_Sync__c"}
    assert state["records"]["Account"][account["Id"]]["MasterRecordId"] is None
