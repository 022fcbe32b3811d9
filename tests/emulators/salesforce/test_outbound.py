"""
Outbound messages (emulators/salesforce/outbound.py): sent by the package's flows for a person's
changes, not for the integration user's, batched up to 100 notifications a message, in order,
retried until acknowledged.
"""

from __future__ import annotations

import re
import time

from defusedxml import ElementTree

from .helpers import as_person, create_account, seed
from .receiver import NACK, NS, messages, wait_for


def test_outbound_message_is_retried_until_acknowledged(notifying, settings):
    sf, receiver = notifying([(500, b"busy"), (200, NACK)])

    account_id = create_account(as_person(sf), Phone="555", NumberOfEmployees=12)

    assert receiver.acked.wait(10)
    assert len(receiver.requests) == 3
    assert len({body for _, body in receiver.requests}) == 1  # the same message, retried
    headers, body = receiver.requests[-1]
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert headers["SOAPAction"] == "notifications"
    notifications = ElementTree.fromstring(body).find("soapenv:Body/om:notifications", NS)
    children = [child.tag.split("}")[1] for child in notifications]
    assert children == [
        "OrganizationId",
        "ActionId",
        "SessionId",
        "EnterpriseUrl",
        "PartnerUrl",
        "Notification",
    ]
    assert notifications.findtext("om:OrganizationId", namespaces=NS) == settings.SALESFORCE_ORG_ID
    assert notifications.findtext("om:ActionId", namespaces=NS).startswith("04k")
    session = notifications.find("om:SessionId", NS)
    assert session.get(f"{{{NS['xsi']}}}nil") == "true"
    assert notifications.findtext("om:EnterpriseUrl", namespaces=NS).startswith(sf.url)
    notification = notifications.find("om:Notification", NS)
    assert re.match(r"^04l\w{15}$", notification.findtext("om:Id", namespaces=NS))
    sobject = notification.find("om:sObject", NS)
    assert sobject.get(f"{{{NS['xsi']}}}type") == "sf:Account"
    assert sobject.findtext("sf:Id", namespaces=NS) == account_id
    assert sobject.findtext("sf:Name", namespaces=NS) == "Acme"
    assert sobject.findtext("sf:Phone", namespaces=NS) == "555"
    # Only the fields the package's outbound message lists (workflows/Account.workflow-meta.xml).
    assert sobject.find("sf:NumberOfEmployees", NS) is None
    assert sobject.find("sf:Website", NS) is None  # null fields are left out
    modified = sobject.findtext("sf:LastModifiedDate", namespaces=NS)
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", modified)
    # The receiver has answered; the notifier counts the delivery once it has read the Ack.
    deadline = time.monotonic() + 5
    while True:
        stats = sf.session.get(f"{sf.url}/__emulator__/stats", timeout=5).json()
        if stats["notifications"]["delivered"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert stats["notifications"]["delivered"] == 1
    assert stats["notifications"]["attempts"] == 3


def test_ui_edit_notifies_and_seed_does_not(notifying):
    sf, receiver = notifying([])
    account_id = seed(sf, Account=[{"Name": "Seeded"}])["Account"][0]

    edited = sf.control("edit", {"type": "Account", "id": account_id, "fields": {"Phone": "9"}})
    created = sf.control(
        "edit",
        {
            "type": "Opportunity",
            "fields": {
                "Name": "Deal",
                "StageName": "Closed Won",
                "CloseDate": "2026-09-30",
                "AccountId": account_id,
            },
        },
    )

    assert edited.json()["created"] is False and created.json()["created"] is True
    deadline = time.monotonic() + 10
    while len(receiver.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    bodies = [ElementTree.fromstring(body) for _, body in receiver.requests]
    assert len(bodies) == 2
    types = [b.find(".//om:sObject", NS).get(f"{{{NS['xsi']}}}type") for b in bodies]
    assert types == ["sf:Account", "sf:Opportunity"]
    assert bodies[0].findtext(".//sf:Phone", namespaces=NS) == "9"
    ids = {b.findtext(".//om:Notification/om:Id", namespaces=NS) for b in bodies}
    assert len(ids) == 2
    assert [len(message) for message in messages(receiver)] == [1, 1]  # one save, one message
    assert sf("GET", f"sobjects/Account/{account_id}").json()["Phone"] == "9"


def stats(sf) -> dict:
    return sf.session.get(f"{sf.url}/__emulator__/stats", timeout=5).json()


def test_changes_by_the_integration_user_send_no_outbound_message(notifying):
    sf, receiver = notifying([])  # sf: SFNS's session, whose user holds SFNS_Integration
    account_id = create_account(sf, Name="Created by SFNS")
    patched = sf("PATCH", f"sobjects/Account/{account_id}", json={"NetSuite_Id__c": "100"})
    written_back = sf(
        "PATCH",
        "composite/sobjects",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, "id": account_id, "NetSuite_Sync__c": "ok"}
            ],
        },
    )
    upserted = sf("PATCH", "sobjects/Account/NetSuite_Id__c/200", json={"Name": "Upserted"})
    assert (patched.status_code, written_back.json()[0]["success"]) == (204, True)
    assert upserted.status_code == 201

    # A person's edit afterwards: messages go out in order, so it is the first to arrive.
    sf.control("edit", {"type": "Account", "id": account_id, "fields": {"Phone": "9"}})
    wait_for(receiver, 1)
    time.sleep(0.3)

    assert messages(receiver) == [[("sf:Account", account_id)]]
    assert stats(sf)["outbound"] == {"notifications": 1, "messages": 1, "skipped_by_entry": 4}


def test_a_persons_mass_update_of_250_records_is_three_messages_of_100_100_and_50(notifying):
    sf, receiver = notifying([])
    ids = seed(sf, Account=[{"Name": f"A{i:03d}"} for i in range(250)])["Account"]

    answer = sf.control(
        "edit",
        {"type": "Account", "records": [{"id": i, "fields": {"Phone": "1"}} for i in ids]},
    ).json()
    wait_for(receiver, 3)
    time.sleep(0.3)

    assert answer == {"ok": True, "ids": ids}
    sent = messages(receiver)
    assert [len(message) for message in sent] == [100, 100, 50]
    assert [record_id for message in sent for _, record_id in message] == ids  # in order
    notification_ids = {
        element.text
        for _, body in receiver.requests
        for element in ElementTree.fromstring(body).iterfind(".//om:Notification/om:Id", NS)
    }
    assert len(notification_ids) == 250


def test_a_persons_collection_update_of_200_records_is_two_messages(notifying):
    sf, receiver = notifying([])
    ids = seed(sf, Account=[{"Name": f"A{i:03d}"} for i in range(200)])["Account"]
    records = [{"attributes": {"type": "Account"}, "id": i, "Phone": "2"} for i in ids]

    response = as_person(sf)(
        "PATCH", "composite/sobjects", json={"allOrNone": False, "records": records}
    )
    wait_for(receiver, 2)
    time.sleep(0.3)

    assert all(result["success"] for result in response.json())
    assert [len(message) for message in messages(receiver)] == [100, 100]


def test_a_refused_message_is_retried_whole_before_the_next_is_sent(notifying):
    sf, receiver = notifying([(500, b"busy")])
    ids = seed(sf, Account=[{"Name": f"A{i:03d}"} for i in range(150)])["Account"]

    sf.control(
        "edit", {"type": "Account", "records": [{"id": i, "fields": {"Phone": "3"}} for i in ids]}
    )
    wait_for(receiver, 3)

    (_, refused), (_, retried), _ = receiver.requests
    assert refused == retried
    assert [len(message) for message in messages(receiver)] == [100, 100, 50]


def test_a_mass_update_with_a_bad_record_changes_nothing_and_sends_nothing(notifying):
    sf, receiver = notifying([])
    ids = seed(sf, Account=[{"Name": "A"}, {"Name": "B"}])["Account"]

    response = sf.session.post(
        f"{sf.url}/__emulator__/edit",
        json={
            "type": "Account",
            "records": [
                {"id": ids[0], "fields": {"Phone": "4"}},
                {"id": ids[1], "fields": {"No_Such_Field__c": "x"}},
            ],
        },
        timeout=10,
    )
    sf.control("edit", {"type": "Account", "id": ids[1], "fields": {"Phone": "5"}})
    wait_for(receiver, 1)
    time.sleep(0.3)

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
    assert sf("GET", f"sobjects/Account/{ids[0]}").json()["Phone"] is None
    assert messages(receiver) == [[("sf:Account", ids[1])]]
