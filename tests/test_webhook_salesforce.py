"""The Salesforce outbound message endpoint, through the NetSuite emulator (eager tasks)."""

from __future__ import annotations

import pytest

from accounts.models import Account
from integration_log.models import LogEntry
from sync.models import InboundEvent, SyncJob
from sync.soap import ACK
from sync.webhooks import salesforce_webhook_token

from .factories import AccountFactory
from .soap import outbound_message

pytestmark = pytest.mark.django_db(transaction=True)

ORG = "00D000000000001EAA"


@pytest.fixture
def url():
    return f"/webhooks/salesforce/{salesforce_webhook_token()}/"


@pytest.fixture
def linked(netsuite, field_mappings):
    netsuite.seed(customer=[{"id": "100", "companyName": "Acme", "phone": "1"}])
    account = AccountFactory(name="Acme", netsuite_id="100")  # its first push happens here
    netsuite.reset_stats()
    LogEntry.objects.all().delete()
    SyncJob.objects.all().delete()
    return account


def post(client, url, body):
    return client.post(url, data=body, content_type="text/xml; charset=utf-8")


def test_linked_account_change_is_patched_in_netsuite_and_logged(client, url, linked, netsuite):
    body = outbound_message(
        ORG,
        [
            {
                "Id": linked.salesforce_id,
                "Name": "Acme Corp",
                "Phone": "+1 415 555 0100",
                "LastModifiedDate": "2026-09-01T10:00:00.000Z",
            }
        ],
    )
    response = post(client, url, body)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode() == ACK
    customer = netsuite.record("customer", "100")
    assert customer["companyName"] == "Acme Corp"
    assert customer["phone"] == "+1 415 555 0100"
    assert netsuite.stats()["calls"]["record_item"] == 2  # the lock read, then the PATCH
    entry = LogEntry.objects.get(operation="account_push", outcome="success")
    assert entry.salesforce_id == linked.salesforce_id and entry.netsuite_id == "100"
    assert entry.request["method"] == "PATCH"
    assert entry.diff == {
        "companyName": ["Acme", "Acme Corp"],
        "phone": ["+1 555 0100", "+1 415 555 0100"],
    }
    linked.refresh_from_db()
    assert linked.last_synced_at is not None and linked.last_sync_error == ""
    assert SyncJob.objects.get(kind="account_push").status == "done"


def test_unlinked_account_is_mirrored_but_never_touches_netsuite(
    client, url, netsuite, field_mappings
):
    sf_id = "001000000000099AAA"
    response = post(client, url, outbound_message(ORG, [{"Id": sf_id, "Name": "New Co"}]))

    assert response.status_code == 200
    assert Account.objects.get(salesforce_id=sf_id).name == "New Co"
    assert netsuite.stats()["calls"] == {}
    entry = LogEntry.objects.get(operation="account_push")
    assert (entry.outcome, entry.reason) == ("skipped", "not linked")
    assert not SyncJob.objects.filter(kind="account_push").exists()


def test_redelivered_notification_is_acked_and_applied_once(client, url, linked, netsuite):
    fields = {
        "Id": linked.salesforce_id,
        "Name": "Acme Two",
        "LastModifiedDate": "2026-09-01T10:00:00.000Z",
    }
    body = outbound_message(ORG, [fields], ids=["04l000000000777AAA"])
    assert post(client, url, body).status_code == 200
    assert post(client, url, body).content.decode() == ACK

    assert InboundEvent.objects.count() == 1
    assert LogEntry.objects.filter(operation="account_push", outcome="success").count() == 1


def test_older_version_never_overwrites_newer(client, url, linked, netsuite):
    newer = {
        "Id": linked.salesforce_id,
        "Name": "Newer",
        "LastModifiedDate": "2026-09-02T10:00:00.000Z",
    }
    older = {
        "Id": linked.salesforce_id,
        "Name": "Older",
        "LastModifiedDate": "2026-09-01T10:00:00.000Z",
    }
    post(client, url, outbound_message(ORG, [newer]))
    assert post(client, url, outbound_message(ORG, [older])).status_code == 200

    linked.refresh_from_db()
    assert linked.name == "Newer"
    assert netsuite.record("customer", "100")["companyName"] == "Newer"


def test_wrong_token_is_refused_and_nothing_changes(client, netsuite, linked):
    body = outbound_message(ORG, [{"Id": linked.salesforce_id, "Name": "Hacked"}])
    response = post(client, "/webhooks/salesforce/not-the-secret/", body)

    assert response.status_code == 403
    assert b"faultstring" in response.content
    linked.refresh_from_db()
    assert linked.name == "Acme"


def test_other_org_is_refused(client, url, linked):
    body = outbound_message("00D000000000002EAA", [{"Id": linked.salesforce_id, "Name": "X"}])
    response = post(client, url, body)

    assert response.status_code == 400
    assert b"is not this org" in response.content
    assert LogEntry.objects.filter(
        operation="salesforce_outbound_message", outcome="error"
    ).exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", b"empty body"),
        (b"<not-xml", b"not well-formed XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', b"not well-formed"),
        (b"<Envelope/>", b"expected a SOAP 1.1 Envelope"),
    ],
)
def test_bad_xml_gets_a_client_fault(client, url, body, message):
    response = post(client, url, body)

    assert response.status_code == 400
    assert b"soapenv:Client" in response.content
    assert message in response.content
    assert not Account.objects.exists()


def test_unsupported_object_and_bad_date_are_refused(client, url):
    opp = outbound_message(ORG, [{"Id": "006000000000001AAA", "Name": "Deal"}], sobject="Lead")
    assert post(client, url, opp).status_code == 400
    bad_date = outbound_message(ORG, [{"Id": "001000000000001AAA", "LastModifiedDate": "soon"}])
    response = post(client, url, bad_date)
    assert response.status_code == 400
    assert b"not a Salesforce date-time" in response.content
    assert not Account.objects.exists()


def test_get_is_not_allowed(client, url):
    assert client.get(url).status_code == 405
