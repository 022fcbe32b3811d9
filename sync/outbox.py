"""
The outbox: work for NetSuite and Salesforce as SyncJob rows, written in the transaction of the
change that caused it, sent to Celery on commit (the task by name: the outbox never imports
the tasks), claimed atomically, finished with a compare-and-set, put back with backoff, and
swept up when a broker or a worker let it down. What a job does is the tasks' business.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import InboundEvent, JobStatus, SyncJob

logger = logging.getLogger(__name__)
# How long a job waits when another job for the same record is still running.
SIBLING_WAIT_SECONDS = 2.0
# Finished jobs are kept this long for the admin, then the sweep deletes them (failed ones stay).
FINISHED_JOB_RETENTION = dt.timedelta(days=14)
# The Celery task that runs a job (sync/tasks.py), sent by name.
RUN_JOB_TASK = "sync.tasks.run_job"


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
    if send:  # a reused job already has a message on its way, due no later than asked
        transaction.on_commit(lambda: job_send(job_id=job.pk, delay=delay))
    return job


def job_send(*, job_id: int, delay: float = 0) -> bool:
    """Hand the job to Celery. A broker outage is not an error: the sweep re-sends it."""
    # Looked up in the registry rather than app.send_task(), which ignores eager mode.
    run_job = current_app.tasks[RUN_JOB_TASK]
    if delay and run_job.app.conf.task_always_eager:
        # In-process tasks have no delayed delivery: the sweep hands the job out once due.
        SyncJob.objects.filter(pk=job_id).update(last_sent_at=None)
        return False
    SyncJob.objects.filter(pk=job_id).update(last_sent_at=timezone.now())
    # A countdown only delays delivery; the claim still checks not_before.
    try:
        run_job.apply_async((job_id,), countdown=delay or None)
    except Exception:  # kombu raises many kinds; the row is safe in the database either way
        logger.warning(
            "could not send sync job %s to the broker; the sweep will retry", job_id, exc_info=True
        )
        return False
    return True


def job_claim(*, job_id: int) -> SyncJob | None:
    """
    Atomically take a due pending job (a conditional UPDATE: exactly one worker wins), unless
    another job for the same record is still running: two pushes of one Account in flight
    could reach NetSuite in the wrong order.
    """
    now = timezone.now()
    # Any kind: a push and a forced sync of one Account must not overtake each other either.
    sibling_running = SyncJob.objects.filter(
        record_id=OuterRef("record_id"), status=JobStatus.RUNNING
    )
    claimed = (
        SyncJob.objects.filter(pk=job_id, status=JobStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .filter(~Exists(sibling_running))
        .update(status=JobStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed:
        return SyncJob.objects.get(pk=job_id)
    later = now + dt.timedelta(seconds=SIBLING_WAIT_SECONDS)
    waiting = (
        SyncJob.objects.filter(pk=job_id, status=JobStatus.PENDING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lt=later))
        .filter(Exists(sibling_running))
    )
    if waiting.update(not_before=later):
        job_send(job_id=job_id, delay=SIBLING_WAIT_SECONDS)  # try again once it is through
    return None


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


def job_requeue(*, job: SyncJob, error: str) -> None:
    """Put a failed attempt back, due after the backoff of its attempt number."""
    delay = retry_delay(job.attempts)
    if _back_to_pending(job, not_before=timezone.now() + dt.timedelta(seconds=delay), error=error):
        job_send(job_id=job.pk, delay=delay)


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
            job_finish(job=job, status=JobStatus.FAILED, error=error)
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
    SyncJob.objects.filter(
        status__in=[JobStatus.DONE, JobStatus.SUPERSEDED],
        finished_at__lt=now - FINISHED_JOB_RETENTION,
    ).delete()
    return {"reclaimed": reclaimed, "sent": sent}


def job_retry(*, job: SyncJob) -> SyncJob:
    """An admin's retry of a failed job: a fresh job that runs with the record's current state."""
    with transaction.atomic():
        return job_enqueue(kind=job.kind, record_id=job.record_id)
