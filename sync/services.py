"""
The sync's orchestration: the outbox (enqueue, claim, run, retry, sweep) and the operations
jobs perform. Decisions come from rules.py, payloads from mapping.py, HTTP from clients/.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account, Customer
from accounts.services import account_upsert_from_salesforce
from integration_log.models import Direction, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings

from . import rules
from .clients.errors import ClientError
from .clients.netsuite import NetSuiteClient
from .mapping import diff, payload_hash
from .models import InboundEvent, JobKind, JobStatus, SyncJob
from .selectors import account_outbound_payload

logger = logging.getLogger(__name__)


# ============================================================================================
# The outbox
# ============================================================================================
def job_enqueue(*, kind: str, record_id: str) -> SyncJob:
    """
    Write (or reuse) the pending job for this record in the caller's transaction; the Celery
    task is sent once it commits. Jobs coalesce: one pending job per record and kind.
    """
    key = f"{kind}:{record_id}"
    job = SyncJob.objects.filter(dedupe_key=key, status=JobStatus.PENDING).first()
    if job is None:
        try:
            with transaction.atomic():
                job = SyncJob.objects.create(kind=kind, record_id=record_id, dedupe_key=key)
        except IntegrityError:  # a concurrent request created it first
            job = SyncJob.objects.get(dedupe_key=key, status=JobStatus.PENDING)
    transaction.on_commit(lambda: job_send(job_id=job.pk))
    return job


def job_send(*, job_id: int) -> bool:
    """Hand the job to Celery. A broker outage is not an error: the sweep re-sends it."""
    from .tasks import run_job

    SyncJob.objects.filter(pk=job_id).update(last_sent_at=timezone.now())
    try:
        run_job.delay(job_id)
    except Exception:  # kombu raises many kinds; the row is safe in the database either way
        logger.warning(
            "could not send sync job %s to the broker; the sweep will retry", job_id, exc_info=True
        )
        return False
    return True


def _claim(job_id: int) -> SyncJob | None:
    """Atomically take a due pending job (a conditional UPDATE: exactly one worker wins)."""
    now = timezone.now()
    claimed = (
        SyncJob.objects.filter(pk=job_id, status=JobStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .update(status=JobStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    )
    return SyncJob.objects.get(pk=job_id) if claimed else None


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, between half and all."""
    ceiling = min(
        settings.SFNS_RETRY_MAX_SECONDS, settings.SFNS_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not crypto)


def will_retry(job: SyncJob | None, exc: BaseException) -> bool:
    return bool(job) and getattr(exc, "retryable", False) and job.attempts < job.max_attempts


def _back_to_pending(job: SyncJob, *, not_before: dt.datetime | None, error: str) -> None:
    """Requeue job, unless a newer pending job for the record exists: that one does the work."""
    try:
        with transaction.atomic():
            SyncJob.objects.filter(pk=job.pk).update(
                status=JobStatus.PENDING,
                not_before=not_before,
                claimed_at=None,
                last_sent_at=None,
                last_error=error,
            )
    except IntegrityError:
        SyncJob.objects.filter(pk=job.pk).update(
            status=JobStatus.SUPERSEDED, finished_at=timezone.now(), last_error=error
        )


def _finish(job: SyncJob, status: str, error: str = "") -> None:
    SyncJob.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now(), last_error=error[:10000]
    )


def job_run(*, job_id: int) -> None:
    """Run one job if it is due and nobody else has it. Called by the Celery task."""
    job = _claim(job_id)
    if job is None:
        return
    handler = JOB_HANDLERS[job.kind]
    try:
        handler(job)
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        if will_retry(job, exc):
            delay = retry_delay(job.attempts)
            _back_to_pending(
                job, not_before=timezone.now() + dt.timedelta(seconds=delay), error=message
            )
        else:
            if not isinstance(exc, ClientError):
                logger.exception("sync job %s failed", job.pk)
            _finish(job, JobStatus.FAILED, message)
        return
    _finish(job, JobStatus.DONE)


def jobs_sweep(*, stale_after: float | None = None, resend_after: float | None = None) -> dict:
    """
    The safety net (Celery beat): give back jobs whose worker vanished, and (re-)send due
    pending jobs that no worker has picked up, e.g. because the broker was down.
    """
    now = timezone.now()
    stale_after = settings.SFNS_JOB_STALE_SECONDS if stale_after is None else stale_after
    resend_after = settings.SFNS_JOB_RESEND_SECONDS if resend_after is None else resend_after
    reclaimed = 0
    for job in SyncJob.objects.filter(
        status=JobStatus.RUNNING, claimed_at__lt=now - dt.timedelta(seconds=stale_after)
    ):
        error = "worker lost mid-job; given back by the sweep"
        if job.attempts >= job.max_attempts:
            _finish(job, JobStatus.FAILED, error)
        else:
            _back_to_pending(job, not_before=None, error=error)
        reclaimed += 1
    due = (
        SyncJob.objects.filter(status=JobStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .filter(
            Q(last_sent_at__isnull=True)
            | Q(last_sent_at__lt=now - dt.timedelta(seconds=resend_after))
        )
    )
    sent = 0
    for job_id in due.values_list("pk", flat=True)[:1000]:
        sent += job_send(job_id=job_id)
    InboundEvent.objects.filter(received_at__lt=now - dt.timedelta(days=30)).delete()
    return {"reclaimed": reclaimed, "sent": sent}


def job_retry(*, job: SyncJob) -> SyncJob:
    """An admin's retry of a failed job: a fresh job that runs with the record's current state."""
    with transaction.atomic():
        return job_enqueue(kind=job.kind, record_id=job.record_id)


# ============================================================================================
# Account -> Customer
# ============================================================================================
def account_changed(*, account: Account) -> None:
    """
    A save changed what the Account maps to. Skips that need no NetSuite call are recorded
    now; anything else becomes a push job.
    """
    conf = IntegrationSettings.load()
    decision = rules.precheck_push(
        create_only=conf.create_only, linked=account.is_linked, unchanged=False
    )
    if decision.push:
        job_enqueue(kind=JobKind.ACCOUNT_PUSH, record_id=account.salesforce_id)
    else:
        _log_push(account, Outcome.SKIPPED, decision.reason)


def _log_push(account: Account, outcome: str, reason: str = "", **extra: Any) -> None:
    record(
        operation="account_push",
        direction=Direction.TO_NETSUITE,
        outcome=outcome,
        reason=reason,
        salesforce_id=account.salesforce_id,
        netsuite_id=account.netsuite_id,
        **extra,
    )


def _exchanges(client: NetSuiteClient) -> tuple[Any, Any]:
    """The last request/response the client made, for the log."""
    if not client.exchanges:
        return None, None
    last = client.exchanges[-1]
    return (
        {"method": last.method, "path": last.path, "body": last.request},
        {"status": last.status, "body": last.response},
    )


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
    payload = account_outbound_payload(account)
    attempt = job.attempts if job else 1
    log = {"attempt": attempt, "job_id": job.pk if job else None}
    decision = rules.precheck_push(
        create_only=conf.create_only,
        linked=account.is_linked,
        unchanged=payload == account.pushed_payload,
        force=force,
    )
    if not decision.push:
        _log_push(account, Outcome.SKIPPED, decision.reason, request=payload, **log)
        return Outcome.SKIPPED
    client = NetSuiteClient()
    started = time.monotonic()
    try:
        decision = rules.lock_check(
            locked=customer_is_locked(client=client, netsuite_id=account.netsuite_id, conf=conf)
        )
        if decision.push:
            client.update("customer", account.netsuite_id, payload)
    except ClientError as exc:
        request, response = _exchanges(client)
        retrying = will_retry(job, exc)
        _log_push(
            account,
            Outcome.ERROR,
            f"{exc.message}" + (" (will retry)" if retrying else ""),
            request=request,
            response=response,
            duration_ms=int((time.monotonic() - started) * 1000),
            **log,
        )
        if not retrying:
            Account.objects.filter(pk=account.pk).update(last_sync_error=exc.message)
        raise
    duration_ms = int((time.monotonic() - started) * 1000)
    if not decision.push:
        _log_push(
            account,
            Outcome.SKIPPED,
            decision.reason,
            request=payload,
            duration_ms=duration_ms,
            **log,
        )
        return Outcome.SKIPPED
    request, response = _exchanges(client)
    _log_push(
        account,
        Outcome.SUCCESS,
        request=request,
        response=response,
        diff=diff(account.pushed_payload or {}, payload),
        duration_ms=duration_ms,
        **log,
    )
    Account.objects.filter(pk=account.pk).update(
        last_synced_at=timezone.now(), last_sync_error="", pushed_payload=payload
    )
    return Outcome.SUCCESS


def _run_account_push(job: SyncJob) -> None:
    account = Account.objects.filter(salesforce_id=job.record_id).first()
    if account is not None:  # deleted since: nothing to do
        account_push_to_netsuite(account=account, job=job)


JOB_HANDLERS: dict[str, Callable[[SyncJob], Any]] = {
    JobKind.ACCOUNT_PUSH: _run_account_push,
}


# ============================================================================================
# Inbound
# ============================================================================================
@transaction.atomic
def salesforce_notifications_apply(*, notifications: list[dict[str, Any]]) -> dict[str, int]:
    """
    Apply a Salesforce outbound message in one transaction: mirrors, and through the Account
    signal, the outbox rows. Redelivered notification ids are ignored.
    """
    counts = {"applied": 0, "duplicate": 0, "stale": 0}
    for note in notifications:
        try:
            with transaction.atomic():
                InboundEvent.objects.create(source="salesforce", event_id=note["id"])
        except IntegrityError:
            counts["duplicate"] += 1
            continue
        if note["type"] == "Account":
            _, applied = account_upsert_from_salesforce(fields=note["fields"])
            counts["applied" if applied else "stale"] += 1
    return counts


def account_mapped_hash(account: Account) -> str:
    return payload_hash(account_outbound_payload(account))
