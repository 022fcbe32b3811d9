"""
Inbound: apply what Salesforce (outbound messages) and NetSuite (the SuiteScript's customer
events) send. Redeliveries are applied once; an older version never overwrites a newer one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Customer, Opportunity
from accounts.services import (
    STAGE_MAX_LENGTH,
    account_upsert_from_salesforce,
    accounts_upsert_from_salesforce,
    contact_upsert_from_salesforce,
    customer_upsert_from_netsuite,
    opportunity_upsert_from_salesforce,
    parse_amount,
    parse_salesforce_datetime,
)
from integration_log.models import Direction, Operation, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings
from sfns.bulk import bulk_insert

from ..clients.salesforce import SalesforceClient
from ..mapping import payload_hash
from ..models import InboundEvent, JobKind
from ..outbox import DATABASE_AWAY, job_enqueue, jobs_in_process, jobs_wake
from .attempts import account_queue_writeback
from .contacts import contacts_queue_pushes
from .financials import customer_values_arrived
from .opportunities import opportunity_won_skipped, sales_order_refusal
from .push import accounts_map, accounts_queue_pushes

logger = logging.getLogger(__name__)


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
    Apply Salesforce notifications now, in one transaction (the reconcile's rows): mirrors,
    then the jobs they call for. Ids applied before are ignored.
    """
    fresh = _unseen("salesforce", [note["id"] for note in notifications])
    duplicate = sum(note["id"][:64] not in fresh for note in notifications)
    counts = _apply([note for note in notifications if note["id"][:64] in fresh])
    return {**counts, "duplicate": duplicate}


def salesforce_notifications_receive(*, notifications: list[dict[str, Any]]) -> None:
    """
    Keep an outbound message's notifications (ids not seen before) for the workers to apply,
    in one statement, and wake one: the webhook answers as soon as they are stored. Nothing
    is lost: what was acknowledged is in the database, applied or visibly not.
    """
    bulk_insert(
        [
            InboundEvent(
                source="salesforce",
                event_id=note["id"][:64],
                sobject=note["type"],
                fields=note["fields"],
            )
            for note in notifications
        ],
        ignore_conflicts=True,  # a redelivery: the first delivery is (being) applied
    )
    if jobs_in_process():  # the embedded mode: no worker of its own to wake, apply now
        salesforce_received_apply()
    else:
        transaction.on_commit(lambda: jobs_wake(job_ids=[]))


def salesforce_received_apply(*, limit: int = 500) -> int:
    """
    Apply stored Salesforce notifications, oldest first, up to limit at once (workers taking
    them at the same time each take others); returns how many. One the mirrors cannot take
    keeps its error, in the integration log too, and the others are applied.
    """
    with transaction.atomic():
        rows = list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(source="salesforce", applied_at__isnull=True, error="")
            .exclude(sobject="")
            .order_by("pk")
            .values_list("pk", "event_id", "sobject", "fields")[:limit]
        )
        if not rows:
            return 0
        keys = [pk for pk, *_ in rows]
        notes = [
            {"id": event_id, "type": sobject, "fields": fields}
            for _, event_id, sobject, fields in rows
        ]
        failed: dict[int, str] = {}
        try:
            with transaction.atomic():
                _apply(notes)
        except DATABASE_AWAY:
            raise  # all wait for the next worker that finds the database
        except Exception:  # one cannot be applied: find which, one at a time
            for pk, note in zip(keys, notes, strict=True):
                try:
                    with transaction.atomic():
                        _apply([note])
                except DATABASE_AWAY:
                    raise
                except Exception as exc:  # a bad value, or a bug: not the others' problem
                    logger.warning("stored notification %s not applied", pk, exc_info=True)
                    failed[pk] = _not_applied(note, exc)
        InboundEvent.objects.filter(pk__in=[pk for pk in keys if pk not in failed]).update(
            applied_at=timezone.now(), fields=None
        )
        for pk, error in failed.items():
            InboundEvent.objects.filter(pk=pk).update(error=error)
    return len(rows)


def _not_applied(note: dict[str, Any], exc: Exception) -> str:
    error = f"notification {note['id']} cannot be applied: {type(exc).__name__}: {exc}"[:2000]
    fields = note["fields"] if isinstance(note["fields"], dict) else {}
    record(
        operation=Operation.SALESFORCE_OUTBOUND_MESSAGE,
        direction=Direction.FROM_SALESFORCE,
        outcome=Outcome.ERROR,
        reason=error,
        salesforce_id=str(fields.get("Id", ""))[:18],
    )
    return error


def _apply(notes: list[dict[str, Any]]) -> dict[str, int]:
    """New notifications to the mirrors, Accounts in bulk first, then the jobs they call for."""
    counts = {"applied": 0, "stale": 0}
    accounts = [note["fields"] for note in notes if note["type"] == "Account"]
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
    for note in notes:
        if note["type"] == "Opportunity":
            counts["applied" if _opportunity_apply(note["fields"]) else "stale"] += 1
        elif note["type"] == "Contact":
            contact, applied = contact_upsert_from_salesforce(fields=note["fields"])
            if applied:
                contacts_queue_pushes(contacts=[contact])
            counts["applied" if applied else "stale"] += 1
    return counts


def salesforce_notification_problem(note: dict[str, Any]) -> str:
    """
    What the mirrors could not take in a notification, checked before it is acknowledged
    (its values are applied later): "" when nothing.
    """
    fields = note["fields"]
    if note["type"] != "Opportunity":
        return ""
    try:
        parse_amount(fields.get("Amount"))
    except ValueError as exc:
        return f"notification {note['id']}: Amount: {exc}"
    if len(fields.get("StageName") or "") > STAGE_MAX_LENGTH:
        return f"notification {note['id']}: StageName is over {STAGE_MAX_LENGTH} characters"
    if not fields.get("AccountId") and not (
        Opportunity.objects.filter(salesforce_id=fields["Id"]).exists()
    ):
        return f"notification {note['id']}: Opportunity {fields['Id']} has no AccountId"
    return ""


def _opportunity_apply(fields: dict[str, Any]) -> bool:
    opportunity, applied, won = opportunity_upsert_from_salesforce(
        fields=fields, won_stages=IntegrationSettings.load().won_stage_names()
    )
    # Won makes the sales order, as the integration apps do; when it cannot, the log says why.
    if won and not opportunity.netsuite_sales_order_id:
        if refusal := sales_order_refusal(opportunity=opportunity):
            opportunity_won_skipped(opportunity=opportunity, reason=refusal)
        else:
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
    conf = IntegrationSettings.load()
    customer_upsert_from_netsuite(netsuite_id=netsuite_id, fields=fields, conf=conf)
    customer_values_arrived(netsuite_id=netsuite_id, fields=fields, conf=conf)
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
