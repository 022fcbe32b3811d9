"""
The outbox: work for NetSuite and Salesforce as SyncJob rows, written in the transaction of the
change that caused it; on commit, workers are woken (the task by name: the outbox never imports
the tasks) and claim due jobs one at a time, oldest first, finish them with a compare-and-set,
put them back with backoff, and the sweep wakes them again when a broker or a worker let it
down. What a job does is the tasks' business.

A wake-up names no job: a worker thread claims whatever is due until nothing is, so a burst of
a thousand changes costs a handful of broker messages, not a thousand.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from sfns.bulk import bulk_insert

from .leases import claims_hold
from .models import InboundEvent, JobStatus, SyncJob

logger = logging.getLogger(__name__)
# Finished jobs are kept this long for the admin, then the sweep deletes them (failed ones stay).
FINISHED_JOB_RETENTION = dt.timedelta(days=14)
# The database itself is unreachable (restarted, network): nothing is wrong with the work.
DATABASE_AWAY = (OperationalError, InterfaceError)
# The Celery task that runs due jobs until none is left (sync/tasks.py), sent by name.
RUN_JOBS_TASK = "sync.tasks.run_jobs"


# ============================================================================================
@transaction.atomic
def job_enqueue(*, kind: str, record_id: str, delay: float = 0) -> SyncJob:
    """
    Write (or reuse) the pending job for this record in the caller's transaction; the Celery
    task is sent once it commits. Jobs coalesce: one pending job per record and kind, due at
    the earliest time any caller asked for.
    """
    key = f"{kind}:{record_id}"
    not_before = timezone.now() + dt.timedelta(seconds=delay) if delay else None
    # Locking the reused row makes a worker's claim wait for this transaction: it then runs
    # with the change this transaction commits, never with the state before it.
    job, send = None, False
    while job is None:
        pending = SyncJob.objects.select_for_update().filter(
            dedupe_key=key, status=JobStatus.PENDING
        )
        job = pending.first()
        if job is None:
            try:
                with transaction.atomic():
                    job = SyncJob.objects.create(
                        kind=kind, record_id=record_id, dedupe_key=key, not_before=not_before
                    )
                send = True
            except IntegrityError:  # another request created it just now: look again
                job = None
    if job.not_before and (not_before is None or not_before < job.not_before):
        SyncJob.objects.filter(pk=job.pk).update(not_before=not_before)
        job.not_before = not_before
        send = True
    # A reused job already has a wake-up on its way, due no later than asked; but one due now
    # may have been passed over by a claim while this transaction held it: wake again.
    if send or not delay:
        transaction.on_commit(lambda: jobs_wake(job_ids=[job.pk], delay=delay))
    return job


@transaction.atomic
def jobs_enqueue(*, kind: str, record_ids: list[str]) -> None:
    """
    job_enqueue for many records at once, due now (a Salesforce outbound message holds up to
    100 changes): a few queries and one wake-up, whatever the count.
    """
    keys = {f"{kind}:{record_id}": record_id for record_id in dict.fromkeys(record_ids)}
    while keys:
        # Locked for the same reason as in job_enqueue: a claim waits for this commit.
        pending = SyncJob.objects.select_for_update().filter(
            dedupe_key__in=keys, status=JobStatus.PENDING
        )
        reused = dict(pending.values_list("dedupe_key", "pk"))
        SyncJob.objects.filter(pk__in=reused.values(), not_before__isnull=False).update(
            not_before=None
        )
        new = [
            SyncJob(kind=kind, record_id=record_id, dedupe_key=key, last_sent_at=timezone.now())
            for key, record_id in keys.items()
            if key not in reused
        ]
        try:
            with transaction.atomic():
                created = bulk_insert(new)
        except IntegrityError:  # another request created one of them just now: look again
            continue
        ids = [*reused.values(), *(job.pk for job in created)]
        transaction.on_commit(lambda ids=ids: jobs_wake(job_ids=ids))
        return


def jobs_in_process() -> bool:
    """Whether jobs run in the process that asks for them (eager tasks: the embedded mode)."""
    return current_app.tasks[RUN_JOBS_TASK].app.conf.task_always_eager


def jobs_wake(*, job_ids: list[int], delay: float = 0) -> bool:
    """
    Wake a worker thread for these jobs (one message: a thread that finds more due than it can
    take wakes another, see sync.tasks.jobs_run). A broker outage is not an error: the rows
    are safe in the database, and the sweep wakes a worker for them later.
    """
    # Looked up in the registry rather than app.send_task(), which ignores eager mode.
    run_jobs = current_app.tasks[RUN_JOBS_TASK]
    if delay and jobs_in_process():
        # In-process tasks have no delayed delivery: the sweep hands the job out once due.
        SyncJob.objects.filter(pk__in=job_ids).update(last_sent_at=None)
        return False
    if job_ids:
        SyncJob.objects.filter(pk__in=job_ids).update(last_sent_at=timezone.now())
    try:
        # A countdown only delays delivery; the claim still checks not_before.
        run_jobs.apply_async(countdown=delay or None)
    except Exception:  # kombu raises many kinds; the rows are safe in the database either way
        logger.warning(
            "could not wake a worker for %d sync job(s); the sweep will retry",
            len(job_ids),
            exc_info=True,
        )
        SyncJob.objects.filter(pk__in=job_ids).update(last_sent_at=None)
        return False
    return True


# The claim in one statement on PostgreSQL, the busiest query of a burst: pick the oldest due
# jobs whose record has no running job, skipping rows other workers (or a job_enqueue reusing
# the job) hold, and mark them running. Same rules as the ORM version below.
_CLAIM_SQL = """
WITH claimed AS MATERIALIZED (
    SELECT job.id FROM sync_syncjob job
    WHERE job.status = %(pending)s AND (job.not_before IS NULL OR job.not_before <= %(now)s)
      AND NOT EXISTS (
          SELECT 1 FROM sync_syncjob other
          WHERE other.record_id = job.record_id AND other.status = %(running)s
      )
    ORDER BY job.id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE sync_syncjob
SET status = %(running)s, claimed_at = %(now)s, heartbeat_at = %(heartbeat)s,
    attempts = attempts + 1
FROM claimed WHERE sync_syncjob.id = claimed.id
RETURNING sync_syncjob.*
"""
# (A CTE, evaluated once: as "WHERE id IN (subquery)" the planner may run the locking subquery
# again while rows are being updated, and it then skips rows this statement holds itself.)


def _due(now: dt.datetime) -> QuerySet:
    """Pending jobs due at now (whatever runs beside them)."""
    return SyncJob.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now), status=JobStatus.PENDING
    )


def jobs_due() -> int:
    """How many pending jobs are due now (running siblings aside): the backlog."""
    return _due(timezone.now()).count()


def jobs_claim(*, limit: int = 1) -> list[SyncJob]:
    """
    Atomically take up to limit of the oldest due pending jobs (each one worker wins),
    skipping jobs whose record has another job still running: two pushes of one Account in
    flight could reach NetSuite in the wrong order. The claimer runs them in the order given,
    one after the other. Empty when nothing is due.
    """
    now = timezone.now()
    # A worker process renews its claims; in-process runs (eager tasks) have no heartbeat.
    heartbeat = None if jobs_in_process() else now
    if connection.vendor == "postgresql":
        params = {
            "running": JobStatus.RUNNING,
            "pending": JobStatus.PENDING,
            "now": now,
            "heartbeat": heartbeat,
            "limit": limit,
        }
        jobs = sorted(SyncJob.objects.raw(_CLAIM_SQL, params), key=lambda job: job.pk)
        if heartbeat:
            claims_hold(jobs)
        return jobs
    # Any kind: a push and a forced sync of one Account must not overtake each other either.
    sibling_running = SyncJob.objects.filter(
        record_id=OuterRef("record_id"), status=JobStatus.RUNNING
    )
    due = _due(now).filter(~Exists(sibling_running)).order_by("pk")
    with transaction.atomic():  # (SQLite: one writer at a time anyway)
        ids = list(due.values_list("pk", flat=True)[:limit])
        SyncJob.objects.filter(pk__in=ids).update(
            status=JobStatus.RUNNING,
            claimed_at=now,
            heartbeat_at=heartbeat,
            attempts=F("attempts") + 1,
        )
        jobs = list(SyncJob.objects.filter(pk__in=ids).order_by("pk"))
    if heartbeat:
        claims_hold(jobs)
    return jobs


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, between half and all."""
    ceiling = min(
        settings.SFNS_RETRY_MAX_SECONDS,
        settings.SFNS_RETRY_BASE_SECONDS * 2 ** min(attempt - 1, 30),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not crypto)


def _mine(job: SyncJob) -> QuerySet:
    """The job, only while it is still the claim this worker (or the sweep) looked at."""
    return SyncJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, claimed_at=job.claimed_at)


def _back_to_pending(job: SyncJob, *, not_before: dt.datetime | None, error: str) -> bool:
    """Requeue job, unless a newer pending job for the record exists: that one does the work."""
    try:
        with transaction.atomic():
            return bool(
                _mine(job).update(
                    status=JobStatus.PENDING,
                    not_before=not_before,
                    claimed_at=None,
                    last_sent_at=None,
                    last_error=error,
                )
            )
    except IntegrityError:
        _mine(job).update(status=JobStatus.SUPERSEDED, finished_at=timezone.now(), last_error=error)
        if not_before:  # the newer job meets the same failing far side: it waits the backoff
            newer = SyncJob.objects.filter(dedupe_key=job.dedupe_key, status=JobStatus.PENDING)
            newer.filter(Q(not_before__isnull=True) | Q(not_before__lt=not_before)).update(
                not_before=not_before
            )
        return False


def job_finish(*, job: SyncJob, status: str, error: str = "") -> None:
    """Done or failed, if the job is still this claim (compare-and-set)."""
    _mine(job).update(status=status, finished_at=timezone.now(), last_error=error[:10000])


def jobs_release(*, jobs: list[SyncJob]) -> None:
    """Give back claimed jobs that did not start: pending again, the attempt not counted."""
    for job in jobs:
        try:
            with transaction.atomic():
                _mine(job).update(
                    status=JobStatus.PENDING, claimed_at=None, attempts=F("attempts") - 1
                )
        except IntegrityError:  # a newer pending job for the record does its work
            _mine(job).update(status=JobStatus.SUPERSEDED, finished_at=timezone.now())
    if jobs:
        jobs_wake(job_ids=[job.pk for job in jobs])


def jobs_done(*, jobs: list[SyncJob]) -> None:
    """job_finish(status=DONE) for jobs claimed together, in one statement."""
    claims = Q(pk__in=[])
    for job in jobs:
        claims |= Q(pk=job.pk, claimed_at=job.claimed_at)
    SyncJob.objects.filter(claims, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, finished_at=timezone.now(), last_error=""
    )


def job_requeue(*, job: SyncJob, error: str) -> None:
    """Put a failed attempt back, due after the backoff of its attempt number."""
    delay = retry_delay(job.attempts)
    if _back_to_pending(job, not_before=timezone.now() + dt.timedelta(seconds=delay), error=error):
        jobs_wake(job_ids=[job.pk], delay=delay)


def jobs_sweep(*, stale_after: float | None = None, resend_after: float | None = None) -> dict:
    """
    The safety net (Celery beat): give back jobs whose worker vanished, and wake workers for
    due pending jobs that none has picked up, e.g. because the broker was down.
    """
    now = timezone.now()
    stale_after = settings.SFNS_JOB_STALE_SECONDS if stale_after is None else stale_after
    resend_after = settings.SFNS_JOB_RESEND_SECONDS if resend_after is None else resend_after
    lost = Q(claimed_at__lt=now - dt.timedelta(seconds=stale_after))
    if _swept_lately():
        lost |= Q(heartbeat_at__lt=now - dt.timedelta(seconds=settings.SFNS_CLAIM_LEASE_SECONDS))
    reclaimed = 0
    for job in SyncJob.objects.filter(lost, status=JobStatus.RUNNING):
        error = "worker lost mid-job; given back by the sweep"
        if job.attempts >= job.max_attempts:
            job_finish(job=job, status=JobStatus.FAILED, error=error)
        else:
            _back_to_pending(job, not_before=None, error=error)
        reclaimed += 1
    due = _due(now).filter(
        Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=now - dt.timedelta(seconds=resend_after))
    )
    job_ids = list(due.values_list("pk", flat=True)[:1000])
    # Outbound messages stored and not applied since: their wake-up was lost.
    received = InboundEvent.objects.filter(
        source="salesforce",
        applied_at__isnull=True,
        error="",
        received_at__lt=now - dt.timedelta(seconds=resend_after),
    ).exclude(sobject="")
    sent = len(job_ids) if job_ids and jobs_wake(job_ids=job_ids) else 0
    if not job_ids and (received.exists() or _idle_with_work_due(now)):
        # A wake-up lost with the broker (restarted, failed over): the drain it starts takes
        # every due job, so one is enough, and it need not wait for the resend delay.
        jobs_wake(job_ids=[])
    # Those a person must look at (error) stay; the others are kept a while for the dedupe.
    InboundEvent.objects.filter(received_at__lt=now - dt.timedelta(days=30), error="").exclude(
        applied_at__isnull=True, sobject__gt=""
    ).delete()
    SyncJob.objects.filter(
        status__in=[JobStatus.DONE, JobStatus.SUPERSEDED],
        finished_at__lt=now - FINISHED_JOB_RETENTION,
    ).delete()
    _last_sweep["at"] = time.monotonic()
    return {"reclaimed": reclaimed, "sent": sent}


_last_sweep: dict[str, float | None] = {"at": None}


def _swept_lately() -> bool:
    """
    Whether this process finished a sweep lately (worker processes take turns: within three
    leases). After a longer database outage, when the workers' heartbeats failed too, the first
    sweep back leaves leases alone and the next judges them, once live workers have renewed
    their claims. (After a shorter one a claim whose push is still under way may go back: the
    next run then sends the same values once more, which changes nothing in NetSuite.)
    """
    last = _last_sweep["at"]
    return last is not None and time.monotonic() - last < 3 * settings.SFNS_CLAIM_LEASE_SECONDS


def _idle_with_work_due(now: dt.datetime) -> bool:
    """Jobs are due and none runs: no worker was woken for them, or its wake-up was lost."""
    return _due(now).exists() and not SyncJob.objects.filter(status=JobStatus.RUNNING).exists()


def job_retry(*, job: SyncJob) -> SyncJob:
    """An admin's retry of a failed job: a fresh job that runs with the record's current state."""
    with transaction.atomic():
        return job_enqueue(kind=job.kind, record_id=job.record_id)


def failed_jobs_retry(*, job_ids: Iterable[int]) -> tuple[int, int]:
    """
    An admin's retry of a selection: the failed jobs among job_ids queued again (job_retry),
    the others left alone. Returns how many were queued and how many left alone.
    """
    wanted = set(job_ids)
    failed = list(SyncJob.objects.filter(pk__in=wanted, status=JobStatus.FAILED))
    for job in failed:
        job_retry(job=job)
    return len(failed), len(wanted) - len(failed)
