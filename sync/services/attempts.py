"""
One attempt at a piece of work: its log entry (timed, with the last HTTP exchange), whether
its job will retry it, and its outcome on the Account, queued for write-back to Salesforce.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Account, Contact
from integration_log.models import LogEntry, Outcome
from integration_log.services import entry

from .. import rules
from ..clients.errors import ClientError, RateLimited
from ..clients.salesforce import COLLECTION_LIMIT
from ..models import JobKind, JobStatus, SyncJob
from ..outbox import job_enqueue


def job_will_retry(job: SyncJob | None, exc: BaseException) -> bool:
    """Whether the job that raised exc will run again (work outside a job never does)."""
    if job is None:
        return False
    return rules.will_retry(
        retryable=getattr(exc, "retryable", False) or isinstance(exc, SoftTimeLimitExceeded),
        rate_limited=isinstance(exc, RateLimited),
        attempts=job.attempts,
        max_attempts=job.max_attempts,
    )


class Attempt:
    """Times one operation and writes its log entry with the client's last HTTP exchange."""

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
        self.entry(outcome, reason, client=client, **extra).save()

    def entry(
        self, outcome: str, reason: str = "", *, client: Any = None, **extra: Any
    ) -> LogEntry:
        """The log entry, not saved yet (a batch saves many at once)."""
        if client is not None and client.exchanges:
            last = client.exchanges[-1]
            extra.setdefault(
                "request", {"method": last.method, "path": last.path, "body": last.request}
            )
            extra.setdefault("response", {"status": last.status, "body": last.response})
        return entry(
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
        retrying = job_will_retry(self.job, exc)
        self.log(Outcome.ERROR, exc.message + (" (will retry)" if retrying else ""), client=client)
        if account is not None and not retrying:
            account_record_attempt(account=account, error=exc.message)
        return retrying


# The records whose NetSuite Id and NetSuite Sync the write-back takes to Salesforce.
STATUS_MODELS = (Account, Contact)


def status_changes(*, now: dt.datetime, error: str | None = None) -> dict[str, Any]:
    """
    The UPDATE of a record's sync status (accounts.models.SyncStatus) after an attempt: its
    write-back is due (its version bumped, so a batch on its way does not settle it), and with
    error given, the attempt's outcome. None: the status as it was, values to write only.
    """
    changes: dict[str, Any] = {
        "status_version": F("status_version") + 1,
        "status_pending_since": Coalesce(F("status_pending_since"), Value(now)),
    }
    if error is not None:
        changes["last_sync_error"] = error[:10000]
        if not error:
            changes["last_synced_at"] = now
    return changes


def account_record_attempt(*, account: Account, error: str = "") -> None:
    """
    Remember the outcome of a sync attempt on the Account and queue its write-back to
    Salesforce. Write-backs are batched: a full batch goes at once, a lone one within seconds.
    """
    accounts_record(pks=[account.pk], error=error)


def accounts_record_success(*, pks: list[int]) -> None:
    """account_record_attempt for many Accounts that synced without error, in one UPDATE."""
    accounts_record(pks=pks, error="")


def accounts_record(*, pks: list[int], error: str) -> None:
    Account.objects.filter(pk__in=pks).update(**status_changes(now=timezone.now(), error=error))
    writeback_soon()


def account_queue_writeback(*, account: Account) -> None:
    """The Account's NetSuite Id and NetSuite Sync wait to be written to Salesforce."""
    Account.objects.filter(pk=account.pk, status_pending_since__isnull=True).update(
        status_pending_since=timezone.now()
    )
    writeback_soon()


def writeback_soon() -> None:
    """The write-back job is pending and due no later than the pending Accounts call for."""
    now = timezone.now()
    # After each push of a burst the job is there already, due soon enough: one look is then
    # enough. Outside a transaction only: the status is committed, so a write-back that has
    # not started yet will see it.
    queued = (
        []
        if transaction.get_connection().in_atomic_block
        else list(
            SyncJob.objects.filter(
                dedupe_key=f"{JobKind.STATUS_WRITEBACK}:*", status=JobStatus.PENDING
            ).values_list("not_before", flat=True)[:1]
        )
    )
    if queued and (queued[0] is None or queued[0] <= now):
        return
    pending = sum(
        model.objects.filter(status_pending_since__isnull=False).count() for model in STATUS_MODELS
    )
    delay = rules.writeback_delay(pending=pending, batch_size=COLLECTION_LIMIT)
    if queued and queued[0] <= now + dt.timedelta(seconds=delay):
        return
    job_enqueue(kind=JobKind.STATUS_WRITEBACK, record_id="*", delay=delay)
