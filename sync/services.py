"""
What the sync does, one function per operation: push an Account, create and link its Customer,
create Estimates and Sales Orders, update from NetSuite, write the NetSuite Sync status back,
apply inbound events. Decisions come from rules.py, payloads from mapping.py, HTTP from
clients/, work is queued through outbox.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from accounts.ids import SALESFORCE_ID
from accounts.models import Account, Customer, Opportunity
from accounts.services import (
    account_upsert_from_salesforce,
    opportunity_upsert_from_salesforce,
    parse_salesforce_datetime,
)
from integration_log.models import Direction, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings

from . import rules
from .clients.errors import ClientError, NotFound
from .clients.netsuite import NetSuiteClient
from .clients.salesforce import COLLECTION_LIMIT, SalesforceClient
from .mapping import MappingError, diff, map_record, payload_hash
from .models import InboundEvent, JobKind, MappingDirection, SyncJob
from .outbox import job_enqueue, will_retry
from .selectors import account_outbound_payload, mapping_rules

logger = logging.getLogger(__name__)
MAX_PARENT_DEPTH = 10
# Status write-backs wait for this long a quiet spell (no new status) to fill a batch, and at
# most STATUS_MAX_WAIT_SECONDS in all.
STATUS_BATCH_SECONDS = 1.0
STATUS_MAX_WAIT_SECONDS = 60.0
FINANCIAL_FIELDS = {
    "balance": "balance",
    "overdueBalance": "overdue_balance",
    "creditLimit": "credit_limit",
    "daysOverdue": "days_overdue",
    "unbilledOrders": "unbilled_orders",
    "depositBalance": "deposit_balance",
}


class SyncRefused(ClientError):
    """The operation is not allowed here (edition, setting, missing link): needs a person."""


def outbound_payload(account: Account) -> dict[str, Any]:
    """The Account's mapped NetSuite payload; a mapping that cannot apply is a refusal."""
    try:
        return account_outbound_payload(account)
    except MappingError as exc:
        raise SyncRefused(f"The field mappings cannot be applied: {exc}") from exc


def sublists(payload: dict[str, Any]) -> list[str]:
    """The sublists in a payload ({"items": [...]}): SFNS sends them whole, so they replace
    NetSuite's lines rather than add to them on every push."""
    return [key for key, value in payload.items() if isinstance(value, dict) and "items" in value]


def inbound_values(customer: dict[str, Any]) -> dict[str, Any]:
    """The Salesforce values the reverse mappings give for a NetSuite customer."""
    try:
        return map_record(customer, mapping_rules(MappingDirection.TO_SALESFORCE))
    except MappingError as exc:
        raise SyncRefused(f"The reverse field mappings cannot be applied: {exc}") from exc


# ============================================================================================
# Logging helpers
# ============================================================================================
class Attempt:
    """Times one operation and writes its log entry with the last HTTP exchange."""

    def __init__(
        self,
        operation: str,
        direction: str,
        *,
        job: SyncJob | None = None,
        salesforce_id: str = "",
        netsuite_id: str = "",
    ) -> None:
        self.operation = operation
        self.direction = direction
        self.job = job
        self.salesforce_id = salesforce_id
        self.netsuite_id = netsuite_id
        self.started = time.monotonic()

    def log(self, outcome: str, reason: str = "", *, client: Any = None, **extra: Any) -> None:
        if client is not None and getattr(client, "exchanges", None):
            last = client.exchanges[-1]
            extra.setdefault(
                "request", {"method": last.method, "path": last.path, "body": last.request}
            )
            extra.setdefault("response", {"status": last.status, "body": last.response})
        record(
            operation=self.operation,
            direction=self.direction,
            outcome=outcome,
            reason=reason,
            salesforce_id=self.salesforce_id,
            netsuite_id=self.netsuite_id,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            attempt=self.job.attempts if self.job else 1,
            job_id=self.job.pk if self.job else None,
            **extra,
        )

    def error(
        self, exc: ClientError, *, client: Any = None, account: Account | None = None
    ) -> bool:
        """
        Log a failure; True when the job will retry it. A final failure is also the Account's
        last sync error (and so its NetSuite Sync status in Salesforce).
        """
        retrying = will_retry(self.job, exc)
        self.log(Outcome.ERROR, exc.message + (" (will retry)" if retrying else ""), client=client)
        if account is not None and not retrying:
            account_record_attempt(account=account, error=exc.message)
        return retrying


# ============================================================================================
# Status on the Salesforce record (NetSuite Id, NetSuite Sync)
# ============================================================================================
def account_record_attempt(*, account: Account, error: str = "") -> None:
    """
    Remember the outcome of a sync attempt on the Account and queue its write-back to
    Salesforce. Write-backs are batched: a full batch goes at once, a lone one within seconds.
    """
    now = timezone.now()
    changes: dict[str, Any] = {
        "last_sync_error": error[:10000],
        "status_version": F("status_version") + 1,
    }
    if not error:
        changes["last_synced_at"] = now
    Account.objects.filter(pk=account.pk).update(**changes)
    Account.objects.filter(pk=account.pk, status_pending_since__isnull=True).update(
        status_pending_since=now
    )
    pending = Account.objects.filter(status_pending_since__isnull=False).count()
    job_enqueue(
        kind=JobKind.STATUS_WRITEBACK,
        record_id="*",
        delay=0 if pending >= COLLECTION_LIMIT else STATUS_BATCH_SECONDS,
    )


def salesforce_edition(*, conf: IntegrationSettings, client: SalesforceClient | None = None) -> str:
    """The admin's choice, else what Salesforce says (asked at most once a day)."""
    if conf.salesforce_edition:
        return conf.salesforce_edition
    fresh = timezone.now() - dt.timedelta(days=1)
    if conf.salesforce_edition_detected and (conf.salesforce_edition_detected_at or fresh) > fresh:
        return conf.salesforce_edition_detected
    edition = (client or SalesforceClient()).edition()
    IntegrationSettings.objects.filter(pk=conf.pk).update(
        salesforce_edition_detected=edition, salesforce_edition_detected_at=timezone.now()
    )
    conf.salesforce_edition_detected = edition
    return edition


def status_writeback(*, job: SyncJob | None = None) -> int:
    """
    Write pending NetSuite Id / NetSuite Sync values to Salesforce with sObject Collections,
    200 records a call. During a burst only full batches go; the rest goes once no new status
    arrived for STATUS_BATCH_SECONDS (or the oldest waited STATUS_MAX_WAIT_SECONDS), so a burst
    of N costs about N/200 calls and a lone sync's status arrives within seconds. Returns the
    number written.
    """
    pending = Account.objects.filter(status_pending_since__isnull=False)
    span = pending.aggregate(
        oldest=Min("status_pending_since"), newest=Max("status_pending_since"), count=Count("pk")
    )
    if not span["count"]:
        return 0
    now = timezone.now()
    due = span["newest"] <= now - dt.timedelta(seconds=STATUS_BATCH_SECONDS) or span[
        "oldest"
    ] <= now - dt.timedelta(seconds=STATUS_MAX_WAIT_SECONDS)
    rows = list(
        pending.order_by("status_pending_since").values(
            "pk",
            "salesforce_id",
            "netsuite_id",
            "last_synced_at",
            "last_sync_error",
            "status_version",
        )[: 10 * COLLECTION_LIMIT]
    )
    if not due:
        rows = rows[: len(rows) // COLLECTION_LIMIT * COLLECTION_LIMIT]
    written = 0
    if rows:
        conf = IntegrationSettings.load()
        client = SalesforceClient()
        with_status = rules.edition_supports_api_features(
            salesforce_edition(conf=conf, client=client)
        )
        for start in range(0, len(rows), COLLECTION_LIMIT):
            written += _status_write_batch(
                rows[start : start + COLLECTION_LIMIT],
                conf=conf,
                client=client,
                with_status=with_status,
                job=job,
            )
    if pending.exists():
        job_enqueue(kind=JobKind.STATUS_WRITEBACK, record_id="*", delay=STATUS_BATCH_SECONDS)
    return written


def _status_write_batch(
    rows: list[dict],
    *,
    conf: IntegrationSettings,
    client: SalesforceClient,
    with_status: bool,
    job: SyncJob | None,
) -> int:
    records = []
    for row in rows:
        fields: dict[str, Any] = {"id": row["salesforce_id"]}
        if row["netsuite_id"]:
            fields[conf.salesforce_netsuite_id_field] = row["netsuite_id"]
        if with_status:
            synced = row["last_synced_at"]
            fields[conf.salesforce_netsuite_sync_field] = rules.status_text(
                synced_at_iso=synced.isoformat(timespec="seconds") if synced else None,
                error=row["last_sync_error"],
            )
        records.append(fields)
    attempt = Attempt("status_writeback", Direction.TO_SALESFORCE, job=job)
    try:
        results = client.update_many("Account", records)
    except ClientError as exc:
        attempt.error(exc)
        raise
    written = 0
    settled = Q(pk__in=[])
    for row, result in zip(rows, results, strict=True):
        transient = any(e.get("statusCode") == "UNABLE_TO_LOCK_ROW" for e in result.errors)
        if not transient:  # written, or refused for good: either way not pending any more
            # ...unless a newer attempt changed the status while this batch was on its way.
            settled |= Q(pk=row["pk"], status_version=row["status_version"])
        if result.success:
            written += 1
        else:
            Attempt(
                "status_writeback",
                Direction.TO_SALESFORCE,
                job=job,
                salesforce_id=row["salesforce_id"],
                netsuite_id=row["netsuite_id"],
            ).log(
                Outcome.ERROR,
                "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in result.errors),
            )
    Account.objects.filter(settled).update(status_pending_since=None)
    attempt.log(
        Outcome.SUCCESS,
        f"{written} of {len(rows)} Account(s) updated",
        request={"records": len(records), "fields": sorted({k for r in records for k in r})},
    )
    return written


# ============================================================================================
# Account -> Customer: real-time push
# ============================================================================================
def account_saved(*, account: Account) -> None:
    """
    An Account was saved (from a webhook, the API, the admin...). Only a change to what it maps
    to in NetSuite matters: skips that need no NetSuite call are recorded now, anything else
    becomes a push job.
    """
    try:
        mapped_hash = payload_hash(account_outbound_payload(account))
    except MappingError:
        # A broken mapping must not break saving an Account: the push job fails with the
        # mapping's error in the log, where an admin sees it.
        mapped_hash = ""
    if mapped_hash and mapped_hash == account.mapped_hash:
        return
    Account.objects.filter(pk=account.pk).update(mapped_hash=mapped_hash)
    account.mapped_hash = mapped_hash
    conf = IntegrationSettings.load()
    decision = rules.precheck_push(
        create_only=conf.create_only, linked=account.is_linked, unchanged=False
    )
    if decision.push:
        job_enqueue(kind=JobKind.ACCOUNT_PUSH, record_id=account.salesforce_id)
    else:
        Attempt(
            "account_push",
            Direction.TO_NETSUITE,
            salesforce_id=account.salesforce_id,
            netsuite_id=account.netsuite_id,
        ).log(Outcome.SKIPPED, decision.reason)


def customer_is_locked(
    *, client: NetSuiteClient, netsuite_id: str, conf: IntegrationSettings
) -> bool:
    """The lock as NetSuite has it now (one GET), or as the NetSuite webhook last told us."""
    if not conf.check_lock_before_push:
        return Customer.objects.filter(netsuite_id=netsuite_id, locked=True).exists()
    fields = client.get("customer", netsuite_id, fields=[conf.netsuite_lock_field])
    locked = bool(fields.get(conf.netsuite_lock_field))
    Customer.objects.filter(netsuite_id=netsuite_id).update(locked=locked)
    return locked


def account_push_to_netsuite(
    *, account: Account, job: SyncJob | None = None, force: bool = False
) -> str:
    """Push the Account's current mapped state to its NetSuite Customer, if the rules allow."""
    conf = IntegrationSettings.load()
    attempt = Attempt(
        "account_push",
        Direction.TO_NETSUITE,
        job=job,
        salesforce_id=account.salesforce_id,
        netsuite_id=account.netsuite_id,
    )
    try:
        payload = outbound_payload(account)
    except SyncRefused as exc:
        attempt.error(exc, account=account)
        raise
    decision = rules.precheck_push(
        create_only=conf.create_only,
        linked=account.is_linked,
        unchanged=payload == account.pushed_payload,
        force=force,
    )
    if not decision.push:
        attempt.log(Outcome.SKIPPED, decision.reason, request=payload)
        return Outcome.SKIPPED
    client = NetSuiteClient()
    try:
        decision = rules.lock_check(
            locked=customer_is_locked(client=client, netsuite_id=account.netsuite_id, conf=conf)
        )
        if decision.push:
            client.update("customer", account.netsuite_id, payload, replace=sublists(payload))
    except ClientError as exc:
        attempt.error(exc, client=client, account=account)
        raise
    if not decision.push:
        attempt.log(Outcome.SKIPPED, decision.reason, request=payload)
        return Outcome.SKIPPED
    attempt.log(Outcome.SUCCESS, client=client, diff=diff(account.pushed_payload or {}, payload))
    Account.objects.filter(pk=account.pk).update(pushed_payload=payload)
    account_record_attempt(account=account)
    return Outcome.SUCCESS


# ============================================================================================
# First sync: create and link the Customer; Estimates and Sales Orders
# ============================================================================================
def _customer_payload(account: Account, conf: IntegrationSettings) -> dict[str, Any]:
    """What a new Customer gets: the mapped fields that have a value, and the link fields."""
    return {
        **{k: v for k, v in outbound_payload(account).items() if v is not None},
        "externalId": account.salesforce_id,
        conf.netsuite_salesforce_id_field: account.salesforce_id,
    }


def customer_ensure(
    *,
    account: Account,
    job: SyncJob | None = None,
    client: NetSuiteClient | None = None,
    depth: int = 0,
) -> str:
    """
    The NetSuite Customer of this Account, created and linked if need be, parents first (up to
    MAX_PARENT_DEPTH levels). Create Only never blocks a creation. The Salesforce id is the
    Customer's externalId, so a retry finds (or upserts) the same Customer, never a second one.
    """
    account.refresh_from_db()
    if account.netsuite_id:
        return account.netsuite_id
    conf = IntegrationSettings.load()
    client = client or NetSuiteClient()
    attempt = Attempt(
        "account_link", Direction.TO_NETSUITE, job=job, salesforce_id=account.salesforce_id
    )
    try:
        payload = _customer_payload(account, conf)
    except SyncRefused as exc:
        attempt.error(exc, account=account)
        raise
    if account.parent_id and depth < MAX_PARENT_DEPTH:
        parent_id = customer_ensure(account=account.parent, job=job, client=client, depth=depth + 1)
        payload["parent"] = {"id": parent_id}
    sent = True
    try:
        try:
            existing = client.get(
                "customer", f"eid:{account.salesforce_id}", fields=[conf.netsuite_lock_field]
            )
            netsuite_id = str(existing["id"])
            locked = bool(existing.get(conf.netsuite_lock_field))
            sent = not locked and not conf.create_only
            if sent:
                client.update("customer", netsuite_id, payload, replace=sublists(payload))
            reason = "linked to the existing customer" + (
                " (locked: not updated)"
                if locked
                else " (create only: not updated)"
                if not sent
                else ""
            )
        except NotFound:
            netsuite_id = client.upsert(
                "customer", account.salesforce_id, payload, replace=sublists(payload)
            )
            locked, reason = False, "customer created"
    except ClientError as exc:
        attempt.error(exc, client=client, account=account)
        raise
    attempt.netsuite_id = netsuite_id
    attempt.log(Outcome.SUCCESS, reason, client=client)
    # What NetSuite now holds, so the next push sends only real changes; nothing when the
    # existing customer was linked without an update.
    sent_payload = outbound_payload(account) if sent else None
    Account.objects.filter(pk=account.pk).update(
        netsuite_id=netsuite_id, pushed_payload=sent_payload
    )
    # An edit saved while the customer was being created was skipped as "not linked": now
    # that the link exists, push it.
    if sent and outbound_payload(Account.objects.get(pk=account.pk)) != sent_payload:
        job_enqueue(kind=JobKind.ACCOUNT_PUSH, record_id=account.salesforce_id)
    Customer.objects.update_or_create(
        netsuite_id=netsuite_id,
        defaults={
            "salesforce_id": account.salesforce_id,
            "locked": locked,
            "company_name": payload.get("companyName") or account.name,
        },
    )
    account.netsuite_id = netsuite_id
    account_record_attempt(account=account)
    return netsuite_id


def account_sync_to_netsuite(*, account: Account, job: SyncJob | None = None) -> str:
    """The admin's "Sync to NetSuite": create and link when unlinked, else push now."""
    if not account.is_linked:
        customer_ensure(account=account, job=job)
        return Outcome.SUCCESS
    return account_push_to_netsuite(account=account, job=job, force=True)


def _ensure_account_loaded(account: Account) -> None:
    """An Account known only by id (an Opportunity arrived first): read it from Salesforce."""
    if account.last_modified is None and not account.fields.get("Name"):
        fields = SalesforceClient().get("Account", account.salesforce_id)
        fields.pop("attributes", None)
        account_upsert_from_salesforce(fields=fields)
        account.refresh_from_db()


def _transaction_body(
    opportunity: Opportunity, customer_id: str, conf: IntegrationSettings
) -> dict[str, Any]:
    return {
        "entity": {"id": customer_id},
        "title": opportunity.name[:99],
        "item": {
            "items": [
                {
                    "item": {"id": conf.netsuite_estimate_item_id},
                    "quantity": 1,
                    "rate": float(opportunity.amount or 0),
                }
            ]
        },
    }


def _opportunity_to_transaction(
    *, opportunity: Opportunity, record_type: str, field: str, operation: str, job: SyncJob | None
) -> str:
    conf = IntegrationSettings.load()
    client = NetSuiteClient()
    customer_id = customer_ensure(account=opportunity.account, job=job, client=client)
    attempt = Attempt(
        operation, Direction.TO_NETSUITE, job=job, salesforce_id=opportunity.salesforce_id
    )
    try:
        transaction_id = client.upsert(
            record_type,
            opportunity.salesforce_id,
            _transaction_body(opportunity, customer_id, conf),
        )
    except ClientError as exc:
        attempt.error(exc, client=client)
        raise
    attempt.netsuite_id = transaction_id
    attempt.log(
        Outcome.SUCCESS, f"{record_type} {transaction_id} for customer {customer_id}", client=client
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(**{field: transaction_id})
    return transaction_id


def opportunity_create_quote(*, opportunity: Opportunity, job: SyncJob | None = None) -> str:
    """Create Quote: the Customer first (the link), then the Estimate."""
    _ensure_account_loaded(opportunity.account)
    return _opportunity_to_transaction(
        opportunity=opportunity,
        record_type="estimate",
        field="netsuite_estimate_id",
        operation="opportunity_quote",
        job=job,
    )


def sales_order_refusal(*, opportunity: Opportunity) -> str:
    """Why the Opportunity cannot become a Sales Order now, or "" when it can."""
    account = opportunity.account
    if account.is_linked or IntegrationSettings.load().sync_account_on_sales_order:
        return ""
    return (
        f"Account {account.salesforce_id} is not linked to a NetSuite customer and 'Sync "
        "Account on Sales Order' is off: link the account first (Sync to NetSuite) or turn "
        "the setting on."
    )


def opportunity_sync_sales_order(*, opportunity: Opportunity, job: SyncJob | None = None) -> str:
    """Sync as Sales Order; links an unlinked Account only with Sync Account on Sales Order."""
    refusal = sales_order_refusal(opportunity=opportunity)
    if refusal:
        Attempt(
            "opportunity_sales_order",
            Direction.TO_NETSUITE,
            job=job,
            salesforce_id=opportunity.salesforce_id,
        ).log(Outcome.ERROR, refusal)
        raise SyncRefused(refusal)
    _ensure_account_loaded(opportunity.account)
    return _opportunity_to_transaction(
        opportunity=opportunity,
        record_type="salesOrder",
        field="netsuite_sales_order_id",
        operation="opportunity_sales_order",
        job=job,
    )


# ============================================================================================
# Update from NetSuite
# ============================================================================================
def update_from_netsuite_refusal(
    *, conf: IntegrationSettings | None = None, account: Account | None = None
) -> str:
    """Why Update from NetSuite cannot run, or "" when it can."""
    conf = conf or IntegrationSettings.load()
    if account is not None and not account.is_linked:
        return (
            f"Account {account.salesforce_id} is not linked to a NetSuite customer yet: "
            "there is nothing to update from."
        )
    edition = salesforce_edition(conf=conf)
    if not rules.edition_supports_api_features(edition):
        return (
            f"Update from NetSuite needs Salesforce Enterprise Edition or higher; this org "
            f"is {edition or 'of an unknown edition'}."
        )
    return ""


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def customer_mirror_update(
    *, netsuite_id: str, fields: dict[str, Any], conf: IntegrationSettings
) -> Customer:
    """Copy what NetSuite says about a Customer onto its mirror (financials, lock, names)."""
    salesforce_id = str(
        fields.get(conf.netsuite_salesforce_id_field) or fields.get("externalId") or ""
    )
    defaults: dict[str, Any] = {
        "company_name": str(fields.get("companyName") or "")[:255],
        # Only something shaped like a Salesforce id links the mirror back.
        "salesforce_id": salesforce_id if SALESFORCE_ID.fullmatch(salesforce_id) else "",
        "locked": bool(fields.get(conf.netsuite_lock_field)),
        "fields": fields,
        "refreshed_at": timezone.now(),
    }
    for source, target in FINANCIAL_FIELDS.items():
        if source in fields:
            number = _decimal(fields[source])  # "3.0" or "n/a" must not fail the whole update
            defaults[target] = (
                int(number) if target == "days_overdue" and number is not None else number
            )
    stamp = fields.get("lastModifiedDate")
    if stamp:
        defaults["last_modified"] = parse_salesforce_datetime(stamp)
    customer, _ = Customer.objects.update_or_create(netsuite_id=netsuite_id, defaults=defaults)
    return customer


def account_refresh_from_netsuite(*, account: Account, job: SyncJob | None = None) -> dict:
    """
    Update from NetSuite: read the Customer, apply the reverse mappings (the financials by
    default), update the Account here and PATCH it in Salesforce in one call, with the
    NetSuite Sync time. Never triggers a push back.
    """
    conf = IntegrationSettings.load()
    attempt = Attempt(
        "account_refresh",
        Direction.TO_SALESFORCE,
        job=job,
        salesforce_id=account.salesforce_id,
        netsuite_id=account.netsuite_id,
    )
    refusal = update_from_netsuite_refusal(conf=conf, account=account)
    if refusal:
        attempt.log(Outcome.ERROR, refusal)
        raise SyncRefused(refusal)
    client: Any = NetSuiteClient()
    try:
        customer = client.get("customer", account.netsuite_id)
        values = inbound_values(customer)
        now = timezone.now()
        client = SalesforceClient()
        client.update(
            "Account",
            account.salesforce_id,
            {
                **values,
                conf.salesforce_netsuite_id_field: account.netsuite_id,
                conf.salesforce_netsuite_sync_field: rules.status_text(
                    synced_at_iso=now.isoformat(timespec="seconds"), error=""
                ),
            },
        )
    except ClientError as exc:
        attempt.error(exc, client=client, account=account)
        raise
    customer_mirror_update(netsuite_id=account.netsuite_id, fields=customer, conf=conf)
    before = {k: account.fields.get(k) for k in values}
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        outbound_before = outbound_payload(locked)
        locked.fields = {**locked.fields, **values}
        outbound_after = outbound_payload(locked)
        # NetSuite has these values already: where a reverse-mapped field also maps outbound,
        # the next push must not send it back (no NetSuite -> Salesforce -> NetSuite loop).
        # Other pending changes stay pending.
        locked.pushed_payload = {
            **(locked.pushed_payload or {}),
            **{k: v for k, v in outbound_after.items() if outbound_before.get(k) != v},
        }
        locked.mapped_hash = payload_hash(outbound_after)
        locked.last_synced_at, locked.last_sync_error = now, ""
        locked.save()
    attempt.log(
        Outcome.SUCCESS,
        request={"customer": account.netsuite_id},
        response={"values": values},
        diff=diff(before, values),
    )
    return values


# ============================================================================================
# Inbound events
# ============================================================================================
def _seen(source: str, event_id: str) -> bool:
    """Record an inbound event id; True when it was applied before."""
    try:
        with transaction.atomic():
            InboundEvent.objects.create(source=source, event_id=event_id[:64])
    except IntegrityError:
        return True
    return False


@transaction.atomic
def salesforce_notifications_apply(*, notifications: list[dict[str, Any]]) -> dict[str, int]:
    """
    Apply a Salesforce outbound message in one transaction: mirrors, and through the Account
    signal, the outbox rows. Redelivered notification ids are ignored.
    """
    counts = {"applied": 0, "duplicate": 0, "stale": 0}
    for note in notifications:
        if _seen("salesforce", note["id"]):
            counts["duplicate"] += 1
            continue
        if note["type"] == "Account":
            _, applied = account_upsert_from_salesforce(fields=note["fields"])
        else:
            opportunity, applied, won = opportunity_upsert_from_salesforce(fields=note["fields"])
            # Closed Won makes the Sales Order, as the integration apps do.
            if (
                won
                and not opportunity.netsuite_sales_order_id
                and not sales_order_refusal(opportunity=opportunity)
            ):
                job_enqueue(
                    kind=JobKind.OPPORTUNITY_SALES_ORDER, record_id=opportunity.salesforce_id
                )
        counts["applied" if applied else "stale"] += 1
    return counts


@transaction.atomic
def netsuite_customer_event_apply(*, event: dict[str, Any]) -> str:
    """
    A customer change from NetSuite's SFNS SuiteScript: keep the mirror (lock, financials)
    current. Returns what happened: applied, duplicate, stale or unlinked.
    """
    conf = IntegrationSettings.load()
    netsuite_id = event["id"]
    stamp = event.get("lastModifiedDate")
    # Without a modification date, only an identical body is the same event (the key is kept
    # under InboundEvent's 64 characters).
    version = stamp or payload_hash(event["fields"])[:32]
    if _seen("netsuite", f"{netsuite_id}:{event['event']}:{version}"):
        return "duplicate"
    if event["event"] == "delete":
        Customer.objects.filter(netsuite_id=netsuite_id).delete()
        unlinked = Account.objects.filter(netsuite_id=netsuite_id).update(
            netsuite_id="", pushed_payload=None
        )
        record(
            operation="netsuite_customer_deleted",
            direction=Direction.INBOUND,
            outcome=Outcome.SUCCESS,
            netsuite_id=netsuite_id,
            reason=f"customer deleted in NetSuite; {unlinked} Account(s) unlinked",
        )
        return "unlinked"
    current = Customer.objects.select_for_update().filter(netsuite_id=netsuite_id).first()
    if (
        current
        and current.last_modified
        and stamp
        and (parse_salesforce_datetime(stamp) <= current.last_modified)
    ):
        return "stale"
    # The SuiteScript sends the date beside the fields, not in them: the mirror must keep it,
    # or the stale check above never has anything to compare with.
    fields = {**event["fields"], **({"lastModifiedDate": stamp} if stamp else {})}
    customer_mirror_update(netsuite_id=netsuite_id, fields=fields, conf=conf)
    return "applied"


# ============================================================================================
# Job handlers: the task gives a job; the handler finds its record and calls one service.
# ============================================================================================
def job_failed_unexpectedly(*, job: SyncJob, message: str) -> None:
    """A job died of an error SFNS does not classify: say so where an admin looks."""
    try:
        _record_unexpected(job=job, message=message)
    except Exception:  # the database may be what failed: the server log has it then
        logger.exception("could not record the failure of sync job %s", job.pk)


def _record_unexpected(*, job: SyncJob, message: str) -> None:
    record(
        operation=job.kind,
        direction=Direction.TO_NETSUITE,
        outcome=Outcome.ERROR,
        reason=message,
        salesforce_id=job.record_id if job.record_id != "*" else "",
        attempt=job.attempts,
        job_id=job.pk,
    )
    account = Account.objects.filter(salesforce_id=job.record_id).first()
    if account is not None:
        account_record_attempt(account=account, error=message)


def _account(job: SyncJob) -> Account | None:
    return Account.objects.filter(salesforce_id=job.record_id).first()


def _opportunity(job: SyncJob) -> Opportunity | None:
    return Opportunity.objects.select_related("account").filter(salesforce_id=job.record_id).first()


def _with(
    finder: Callable[[SyncJob], Any], service: Callable[..., Any], arg: str
) -> Callable[[SyncJob], Any]:
    def handler(job: SyncJob) -> Any:
        obj = finder(job)
        if obj is None:  # deleted since: nothing to do
            return None
        return service(**{arg: obj, "job": job})

    return handler


JOB_HANDLERS: dict[str, Callable[[SyncJob], Any]] = {
    JobKind.ACCOUNT_PUSH: _with(_account, account_push_to_netsuite, "account"),
    JobKind.ACCOUNT_SYNC: _with(_account, account_sync_to_netsuite, "account"),
    JobKind.ACCOUNT_REFRESH: _with(_account, account_refresh_from_netsuite, "account"),
    JobKind.OPPORTUNITY_QUOTE: _with(_opportunity, opportunity_create_quote, "opportunity"),
    JobKind.OPPORTUNITY_SALES_ORDER: _with(
        _opportunity, opportunity_sync_sales_order, "opportunity"
    ),
    JobKind.STATUS_WRITEBACK: lambda job: status_writeback(job=job),
}


# ============================================================================================
# Requests from admins and API clients: checked now, done by a job
# ============================================================================================
@transaction.atomic
def account_request_sync(*, account: Account) -> SyncJob:
    return job_enqueue(kind=JobKind.ACCOUNT_SYNC, record_id=account.salesforce_id)


def account_request_refresh(*, account: Account) -> SyncJob:
    # Checked outside the transaction: the refusal would roll back the edition it detected
    # (so every refused click asked Salesforce again), and no HTTP call holds a transaction.
    refusal = update_from_netsuite_refusal(account=account)
    if refusal:
        raise SyncRefused(refusal)
    with transaction.atomic():
        return job_enqueue(kind=JobKind.ACCOUNT_REFRESH, record_id=account.salesforce_id)


@transaction.atomic
def opportunity_request_quote(*, opportunity: Opportunity) -> SyncJob:
    return job_enqueue(kind=JobKind.OPPORTUNITY_QUOTE, record_id=opportunity.salesforce_id)


@transaction.atomic
def opportunity_request_sales_order(*, opportunity: Opportunity) -> SyncJob:
    refusal = sales_order_refusal(opportunity=opportunity)
    if refusal:
        raise SyncRefused(refusal)
    return job_enqueue(kind=JobKind.OPPORTUNITY_SALES_ORDER, record_id=opportunity.salesforce_id)
