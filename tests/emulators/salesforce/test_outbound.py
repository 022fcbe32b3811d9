"""Outbound messages, retried until acknowledged (emulators/salesforce/outbound.py)."""

from __future__ import annotations

import re
import time

from defusedxml import ElementTree

from .helpers import create_account, seed
from .receiver import NACK, NS


def test_outbound_message_is_retried_until_acknowledged(notifying, settings):
    sf, receiver = notifying([(500, b"busy"), (200, NACK)])

    account_id = create_account(sf, Phone="555", NumberOfEmployees=12)

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
    assert sf("GET", f"sobjects/Account/{account_id}").json()["Phone"] == "9"
