"""
Inbound: apply what Salesforce (outbound messages) and NetSuite (the SuiteScript's customer
events) send. Redeliveries are applied once; an older version never overwrites a newer one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Account, Customer, Opportunity
from accounts.services import (
    account_upsert_from_salesforce,
    accounts_upsert_from_salesforce,
    customer_upsert_from_netsuite,
    opportunity_upsert_from_salesforce,
    parse_salesforce_datetime,
)
from integration_log.models import Direction, Operation, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings

from ..clients.salesforce import SalesforceClient
from ..mapping import payload_hash
from ..models import InboundEvent, JobKind
from ..outbox import job_enqueue
from .attempts import account_queue_writeback
from .opportunities import sales_order_refusal
from .push import accounts_map, accounts_queue_pushes


def _seen(source: str, event_id: str) -> bool:
    """Record an inbound event id; True when it was applied before."""
    try:
        with transaction.atomic():
            InboundEvent.objects.create(source=source, event_id=event_id[:64])
    except IntegrityError:
        return True
    return False


def _unseen(source: str, event_ids: list[str]) -> set[str]:
    """Record many inbound event ids at once; returns those not applied before."""
    ids = {event_id[:64] for event_id in event_ids}
    seen = set(
        InboundEvent.objects.filter(source=source, event_id__in=ids).values_list(
            "event_id", flat=True
        )
    )
    # A delivery racing this one may insert an id first: both then apply it, which the
    # versions make harmless (the second finds nothing newer to apply).
    InboundEvent.objects.bulk_create(
        [InboundEvent(source=source, event_id=event_id) for event_id in ids - seen],
        ignore_conflicts=True,
    )
    return ids - seen


@transaction.atomic
def salesforce_notifications_apply(*, notifications: list[dict[str, Any]]) -> dict[str, int]:
    """
    Apply a Salesforce outbound message in one transaction: mirrors, then the jobs they call
    for. Redelivered notification ids are ignored. Accounts are written in bulk: a mass
    update in Salesforce arrives as messages of 100.
    """
    counts = {"applied": 0, "duplicate": 0, "stale": 0}
    fresh = _unseen("salesforce", [note["id"] for note in notifications])
    accounts = []
    for note in notifications:
        if note["id"][:64] not in fresh:
            counts["duplicate"] += 1
        elif note["type"] == "Account":
            accounts.append(note["fields"])
        else:
            counts["applied" if _opportunity_apply(note["fields"]) else "stale"] += 1
    if accounts:
        changed: list[Account] = []

        def map_before_save(applied: list[Account]) -> list[str]:
            changed.extend(accounts_map(applied))
            return ["mapped_hash"]

        applied = accounts_upsert_from_salesforce(records=accounts, before_save=map_before_save)
        # (Accounts created just now were saved with their hash too: bulk_create takes all.)
        accounts_queue_pushes(accounts=changed)
        counts["applied"] += len(applied)
        counts["stale"] += len(accounts) - len(applied)
    return counts


def _opportunity_apply(fields: dict[str, Any]) -> bool:
    opportunity, applied, won = opportunity_upsert_from_salesforce(fields=fields)
    # Closed Won makes the sales order, as the integration apps do.
    if (
        won
        and not opportunity.netsuite_sales_order_id
        and not sales_order_refusal(opportunity=opportunity)
    ):
        job_enqueue(kind=JobKind.OPPORTUNITY_SALES_ORDER, record_id=opportunity.salesforce_id)
    return applied


def _second(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def _customer_deleted(netsuite_id: str) -> str:
    """Unlink its Accounts, here and (by the write-back) in Salesforce: a later link finds or
    creates a customer afresh."""
    Customer.objects.filter(netsuite_id=netsuite_id).delete()
    accounts = list(Account.objects.filter(netsuite_id=netsuite_id))
    unlinked = Account.objects.filter(pk__in=[a.pk for a in accounts]).update(
        netsuite_id="", pushed_payload=None, clear_netsuite_id=True
    )
    for account in accounts:
        account_queue_writeback(account=account)
    record(
        operation=Operation.NETSUITE_CUSTOMER_DELETED,
        direction=Direction.FROM_NETSUITE,
        outcome=Outcome.SUCCESS,
        netsuite_id=netsuite_id,
        reason=f"customer deleted in NetSuite; {unlinked} Account(s) unlinked",
    )
    return "unlinked"


@transaction.atomic
def netsuite_customer_event_apply(*, event: dict[str, Any]) -> str:
    """
    A customer change from NetSuite's SFNS SuiteScript: keep the mirror (lock, financials)
    current. Returns what happened: applied, duplicate, stale or unlinked.
    """
    netsuite_id = event["id"]
    stamp = event.get("lastModifiedDate")
    # The same event is the same date and the same values: a redelivery, or the reconcile
    # reading a change the webhook brought already. Dates have only seconds in SuiteQL, so a
    # second change within the same second differs by its values. (Hashed: the key stays under
    # InboundEvent's 64 characters.)
    version = payload_hash({"date": stamp, "fields": event["fields"]})[:32]
    if _seen("netsuite", f"{netsuite_id}:{event['event']}:{version}"):
        return "duplicate"
    if event["event"] == "delete":
        return _customer_deleted(netsuite_id)
    current = Customer.objects.select_for_update().filter(netsuite_id=netsuite_id).first()
    if (
        current
        and current.last_modified
        and stamp
        # By the second: SuiteQL has no finer dates, and an equal second may hold news.
        and (_second(parse_salesforce_datetime(stamp)) < _second(current.last_modified))
    ):
        return "stale"
    # The SuiteScript sends the date beside the fields, not in them: the mirror must keep it,
    # or the stale check above never has anything to compare with.
    fields = {**event["fields"], **({"lastModifiedDate": stamp} if stamp else {})}
    customer_upsert_from_netsuite(
        netsuite_id=netsuite_id, fields=fields, conf=IntegrationSettings.load()
    )
    return "applied"


def salesforce_record_fetch(*, sobject: str, salesforce_id: str) -> Account | Opportunity:
    """
    Read an Account or Opportunity from Salesforce and apply it to its mirror: for a record a
    user acts on before its outbound message reached SFNS. Raises NotFound when Salesforce has
    no such record.
    """
    fields = SalesforceClient().get(sobject, salesforce_id)
    fields.pop("attributes", None)
    if sobject == "Account":
        account, _ = account_upsert_from_salesforce(fields=fields)
        return account
    opportunity, _, _ = opportunity_upsert_from_salesforce(fields=fields)
    return opportunity
