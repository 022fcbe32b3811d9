"""
Contacts follow their Account to NetSuite: through Salesforce's outbound message, at link
time, when moved, and under the rules of a push. Against the emulators over real HTTP, tasks
eager.
"""

from __future__ import annotations

import pytest

from accounts.models import Contact
from integration_log.models import LogEntry
from sync.services import contacts, link, writeback
from sync.webhooks import salesforce_webhook_token

from ..factories import AccountFactory
from ..soap import outbound_message
from .helpers import LOCK_FIELD, make_statuses_due

pytestmark = pytest.mark.django_db(transaction=True)

ORG = "00D000000000001EAA"
ADA = "003000000000001AAA"
ADA_FIELDS = {
    "Id": ADA,
    "FirstName": "Ada",
    "LastName": "Lovelace",
    "Email": "ada@acme.example",
    "Title": "CTO",
}


def _send(client, account, *, at="2026-09-01T10:00:00.000Z", **changes):
    """Salesforce's outbound message for the Contact (its Account: account), as SFNS holds it
    after."""
    fields = {**ADA_FIELDS, "AccountId": account.salesforce_id, "LastModifiedDate": at, **changes}
    response = client.post(
        f"/webhooks/salesforce/{salesforce_webhook_token()}/",
        data=outbound_message(ORG, [fields], sobject="Contact"),
        content_type="text/xml; charset=utf-8",
    )
    assert response.status_code == 200
    return Contact.objects.get(salesforce_id=fields["Id"])


def _in_netsuite(netsuite, contact):
    contact.refresh_from_db()
    return netsuite.record("contact", contact.netsuite_id)


def _pushes():
    return list(
        LogEntry.objects.filter(operation="contact_push")
        .order_by("pk")
        .values_list("outcome", "reason")
    )


def test_a_contact_of_a_linked_account_becomes_a_netsuite_contact_of_its_customer(
    client, linked, netsuite
):
    contact = _send(client, linked)

    record = _in_netsuite(netsuite, contact)
    assert {k: record[k] for k in ("firstName", "lastName", "email", "title")} == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@acme.example",
        "title": "CTO",
    }
    assert record["company"] == {"id": "100"}
    assert record["externalId"] == ADA
    assert _pushes() == [("success", "")]
    assert contact.last_synced_at and not contact.last_sync_error

    contact = _send(client, linked, at="2026-09-01T11:00:00.000Z", Title="CEO")
    assert _in_netsuite(netsuite, contact)["title"] == "CEO"
    assert len(netsuite.state()["records"]["contact"]) == 1  # updated, not made twice


def test_an_edit_to_a_field_no_mapping_reads_queues_nothing(client, linked, netsuite):
    _send(client, linked)
    netsuite.reset_stats()

    _send(client, linked, at="2026-09-01T11:00:00.000Z", Department="R&D")

    assert _pushes() == [("success", "")]
    assert netsuite.stats()["calls"] == {}


def test_contacts_of_an_unlinked_account_wait_and_follow_it_when_it_is_linked(
    client, netsuite, field_mappings
):
    account = AccountFactory(name="Initech")
    contact = _send(client, account)
    assert netsuite.state()["records"]["contact"] == {}

    netsuite_id = link.account_link(account=account)

    assert _in_netsuite(netsuite, contact)["company"] == {"id": netsuite_id}


def test_a_contact_moved_to_another_account_moves_in_netsuite(client, linked, netsuite):
    netsuite.seed(customer=[{"id": "101", "companyName": "Globex"}])
    other = AccountFactory(name="Globex", netsuite_id="101")
    contact = _send(client, linked)

    contact = _send(client, other, at="2026-09-01T11:00:00.000Z")

    assert _in_netsuite(netsuite, contact)["company"] == {"id": "101"}


def test_the_rules_of_a_push_apply(client, linked, netsuite, integration_settings):
    contact = _send(client, linked)
    integration_settings(create_only=True)
    _send(client, linked, at="2026-09-01T11:00:00.000Z", Title="CEO")
    integration_settings(create_only=False)
    netsuite.edit(id="100", fields={LOCK_FIELD: True})
    _send(client, linked, at="2026-09-01T12:00:00.000Z", Title="CFO")
    netsuite.edit(id="100", fields={LOCK_FIELD: False})
    contacts.contact_push_to_netsuite(contact=Contact.objects.get(pk=contact.pk))
    contacts.contact_push_to_netsuite(contact=Contact.objects.get(pk=contact.pk))

    assert [reason for _, reason in _pushes()] == [
        "",
        "create only",
        "locked in NetSuite",
        "",  # CFO now
        "no change since the last sync",
    ]
    assert _in_netsuite(netsuite, contact)["title"] == "CFO"


def test_a_private_contact_and_a_refused_one_are_logged_on_the_contact(client, linked, netsuite):
    contact = _send(client, linked, LastName=None, FirstName=None)

    contact.refresh_from_db()
    outcome, reason = _pushes()[0]
    assert outcome == "error"
    assert "Please enter value(s) for: Contact" in reason
    assert "Please enter value(s) for: Contact" in contact.last_sync_error

    contact.account = None
    assert contacts.contact_push_to_netsuite(contact=contact) == "skipped"
    assert _pushes()[-1] == ("skipped", "no Account: a private Contact has no customer to follow")


def test_the_contacts_netsuite_id_and_sync_reach_salesforce_with_the_write_back(
    client, synced, netsuite, salesforce
):
    [contact_id] = salesforce.seed_ids(
        Contact=[{"LastName": "Lovelace", "AccountId": synced.salesforce_id}]
    )["Contact"]
    contact = _send(client, synced, Id=contact_id)
    assert contact.netsuite_id and contact.status_pending_since

    make_statuses_due()  # the Account's and the Contact's
    writeback.status_writeback()

    record = salesforce.state()["records"]["Contact"][contact_id]
    assert record["NetSuite_Id__c"] == contact.netsuite_id
    assert record["NetSuite_Sync__c"] == contact.last_synced_at.isoformat(timespec="seconds")
    contact.refresh_from_db()
    assert contact.status_pending_since is None
