"""
Outbound messages are stored by the webhook and applied by a worker: what could not be applied
stays visible, the others are applied, and a lost wake-up is made good by the sweep.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, Opportunity
from integration_log.models import LogEntry
from sync import outbox
from sync.models import InboundEvent
from sync.services import inbound
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)

ACME = "001000000000001AAA"


def stored(event_id: str, sobject: str, **fields) -> InboundEvent:
    """A notification as the webhook keeps it before a worker applies it."""
    return InboundEvent.objects.create(
        source="salesforce", event_id=event_id, sobject=sobject, fields=fields
    )


def test_stored_notifications_are_applied_oldest_first_and_then_forgotten():
    stored(
        "04l000000000001AAA",
        "Account",
        Id=ACME,
        Name="Acme v1",
        SystemModstamp="2026-01-01T10:00:00.000Z",
    )
    stored(
        "04l000000000002AAA",
        "Account",
        Id=ACME,
        Name="Acme v2",
        SystemModstamp="2026-01-01T11:00:00.000Z",
    )

    assert inbound.salesforce_received_apply() == 2

    assert Account.objects.get(salesforce_id=ACME).name == "Acme v2"
    rows = InboundEvent.objects.all()
    assert all(row.applied_at and row.fields is None and not row.error for row in rows)
    assert inbound.salesforce_received_apply() == 0  # each is applied once


def test_a_notification_the_mirror_cannot_take_keeps_its_error_and_the_others_are_applied():
    # Past the webhook's checks somehow (an older SFNS, a changed column): not a silent loss.
    bad = stored(
        "04l000000000003AAA", "Opportunity", Id="006000000000001AAA", AccountId=ACME, Amount="n/a"
    )
    stored("04l000000000004AAA", "Account", Id=ACME, Name="Acme")

    assert inbound.salesforce_received_apply() == 2

    assert Account.objects.filter(salesforce_id=ACME, name="Acme").exists()
    assert not Opportunity.objects.exists()
    bad.refresh_from_db()
    assert bad.applied_at is None and "cannot be applied" in bad.error and "n/a" in bad.error
    entry = LogEntry.objects.get(outcome="error")
    assert entry.operation == "salesforce_outbound_message" and entry.reason == bad.error
    assert inbound.salesforce_received_apply() == 0  # it waits for a person, not a loop


def test_a_redelivery_of_a_stored_notification_is_not_applied_twice():
    note = {"id": "04l000000000005AAA", "type": "Account", "fields": {"Id": ACME, "Name": "A"}}
    inbound.salesforce_notifications_receive(notifications=[note])  # applied (in-process)
    Account.objects.filter(salesforce_id=ACME).update(name="Changed since")

    inbound.salesforce_notifications_receive(notifications=[note])

    assert Account.objects.get(salesforce_id=ACME).name == "Changed since"
    assert InboundEvent.objects.count() == 1


def test_the_sweep_wakes_a_worker_for_notifications_stored_but_never_applied():
    # As after a broker outage: the webhook stored the message, its wake-up never arrived.
    stored("04l000000000006AAA", "Account", Id=ACME, Name="Stored while the broker was down")

    outbox.jobs_sweep(resend_after=0)

    assert Account.objects.get(salesforce_id=ACME).name == "Stored while the broker was down"


def test_a_notification_that_breaks_the_code_does_not_stop_the_others():
    # Not a bad value but a bug's kind of failure (here: fields that are not an object).
    broken = InboundEvent.objects.create(
        source="salesforce", event_id="04l000000000007AAA", sobject="Account", fields=["?"]
    )
    stored("04l000000000008AAA", "Account", Id=ACME, Name="Acme")

    assert inbound.salesforce_received_apply() == 2

    assert Account.objects.filter(salesforce_id=ACME, name="Acme").exists()
    broken.refresh_from_db()
    assert "Error: " in broken.error and broken.applied_at is None


def _apply_linked_changes(count: int, first: int) -> int:
    """Store changes to `count` linked Accounts and apply them; the queries it took."""
    accounts = [
        AccountFactory(salesforce_id=f"001{first + i:012d}AAA", netsuite_id=str(first + i))
        for i in range(count)
    ]
    for i, account in enumerate(accounts):
        stored(
            f"04l{first + i:012d}AAA",
            "Account",
            Id=account.salesforce_id,
            Name=f"{account.name} renamed",
            Phone="+1 212 555 0100",
            SystemModstamp="2026-01-01T10:00:00.000Z",
        )
    with CaptureQueriesContext(connection) as queries:
        assert inbound.salesforce_received_apply() == count
    renamed = Account.objects.filter(pk__in=[a.pk for a in accounts], name__endswith=" renamed")
    assert renamed.count() == count
    return len(queries)


def test_applying_a_message_takes_the_same_queries_for_any_number_of_accounts(
    jobs_wait_for_a_worker,
):
    # A per-Account query (say, a field left out of what the apply reads, loaded on first use)
    # would make a burst of 100-notification messages a hundred times dearer.
    assert _apply_linked_changes(20, first=100) == _apply_linked_changes(2, first=200)
