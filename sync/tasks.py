"""
Celery tasks, and what running jobs means: claim the next due one, call the one service its
kind names, on failure retry it or record it as failed where an admin looks, and go on until
none is due.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection

from accounts.models import Account, Contact, Opportunity
from integration_log.models import Direction, Outcome
from integration_log.services import record

from . import outbox
from .clients.errors import ClientError
from .models import JobKind, JobStatus, SyncJob
from .services import (
    contacts,
    inbound,
    link,
    notices,
    opportunities,
    push,
    update_from_netsuite,
    writeback,
)
from .services import reconcile as reconcile_service
from .services.attempts import account_record_attempt, job_will_retry

logger = logging.getLogger(__name__)


def _account(job: SyncJob) -> Account | None:
    return Account.objects.filter(salesforce_id=job.record_id).first()


def _contact(job: SyncJob) -> Contact | None:
    return Contact.objects.select_related("account").filter(salesforce_id=job.record_id).first()


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


# The jobs that write to Salesforce; the others write to NetSuite.
WRITES_TO_SALESFORCE = {JobKind.ACCOUNT_UPDATE_FROM_NETSUITE, JobKind.STATUS_WRITEBACK}

JOB_HANDLERS: dict[str, Callable[[SyncJob], Any]] = {
    JobKind.ACCOUNT_PUSH: _with(_account, push.account_push_to_netsuite, "account"),
    JobKind.ACCOUNT_LINK_OR_PUSH: _with(_account, link.account_link_or_push, "account"),
    JobKind.ACCOUNT_UPDATE_FROM_NETSUITE: _with(
        _account, update_from_netsuite.account_update_from_netsuite, "account"
    ),
    JobKind.CONTACT_PUSH: _with(_contact, contacts.contact_push_to_netsuite, "contact"),
    JobKind.OPPORTUNITY_QUOTE: _with(
        _opportunity, opportunities.opportunity_create_quote, "opportunity"
    ),
    JobKind.OPPORTUNITY_SALES_ORDER: _with(
        _opportunity, opportunities.opportunity_sync_sales_order, "opportunity"
    ),
    JobKind.STATUS_WRITEBACK: lambda job: writeback.status_writeback(job=job),
}


def job_failed_unexpectedly(*, job: SyncJob, message: str) -> None:
    """A job died of an error SFNS does not classify: say so where an admin looks."""
    try:
        record(
            operation=job.kind,
            direction=(
                Direction.TO_SALESFORCE
                if job.kind in WRITES_TO_SALESFORCE
                else Direction.TO_NETSUITE
            ),
            outcome=Outcome.ERROR,
            reason=message,
            salesforce_id=job.record_id if job.record_id != "*" else "",
            attempt=job.attempts,
            job_id=job.pk,
        )
        account = _account(job)
        if account is not None:
            account_record_attempt(account=account, error=message)
    except Exception:  # the database may be what failed: the server log has it then
        logger.exception("could not record the failure of sync job %s", job.pk)


def job_execute(*, job: SyncJob) -> None:
    """Run a claimed job: the service its kind names; on failure, retry it or record it."""
    try:
        JOB_HANDLERS[job.kind](job)
    except Exception as exc:
        job_failed(job=job, exc=exc)
        return
    outbox.job_finish(job=job, status=JobStatus.DONE)


def job_failed(*, job: SyncJob, exc: Exception) -> None:
    """A job raised: retry it, or record it as failed where an admin looks."""
    if isinstance(exc, outbox.DATABASE_AWAY):
        # Nothing can be recorded, and the job did nothing wrong: jobs_run gives it back.
        raise exc
    message = str(exc) or type(exc).__name__
    if job_will_retry(job, exc):
        outbox.job_requeue(job=job, error=message)
        return
    if not isinstance(exc, ClientError):
        # A bug or an outage SFNS did not classify: visible, with the record, in the
        # integration log and on the Account, not only in the server log. (Services log the
        # errors they classify themselves.)
        logger.exception("sync job %s failed", job.pk)
        message = f"internal error: {type(exc).__name__}: {exc}"
        job_failed_unexpectedly(job=job, message=message)
    outbox.job_finish(job=job, status=JobStatus.FAILED, error=message)


def _overdue(claimed: float) -> bool:
    """
    Claimed jobs not started this long after the claim go back: near SFNS_JOB_STALE_SECONDS
    the sweep would take them for lost and hand them out again, to run twice at once.
    """
    return time.monotonic() - claimed > settings.SFNS_JOB_STALE_SECONDS / 2


def pushes_execute(*, jobs: list[SyncJob], claimed: float) -> bool:
    """
    Push jobs claimed together, as one PushBatch: their bookkeeping is written at once.
    False when it gave some back, overdue.
    """
    batch = push.PushBatch.for_records([job.record_id for job in jobs])
    done = []
    released = False
    # One slot of the NetSuite cap for the whole batch, from its first call to its last.
    with batch.client.slot_kept():
        for position, job in enumerate(jobs):
            if _overdue(claimed):  # a slow NetSuite: the rest go back for other workers
                outbox.jobs_release(jobs=jobs[position:])
                released = True
                break
            account = batch.accounts.get(job.record_id)
            try:
                if account is not None:  # else deleted since: nothing to do
                    batch.push(account=account, job=job)
            except Exception as exc:
                job_failed(job=job, exc=exc)
            else:
                done.append(job)
    batch.save()
    outbox.jobs_done(jobs=done)
    return not released


_draining = threading.local()
# Threads of this process running jobs_run now: one that claims a full batch wakes another
# while fewer than the pool's size are at it, so a burst spreads over the pool from one
# wake-up per commit (the web side sends no more than that).
_drains = {"active": 0}
_drains_lock = threading.Lock()


def jobs_run(*, budget: float | None = None) -> int:
    """
    Claim and run due jobs, a few at a time, until none is due; returns how many ran. After
    budget seconds it stops and wakes a worker to go on, so one task never runs for hours.
    """
    if getattr(_draining, "active", False):
        return 0  # in-process (eager) wake-up from inside a job: the loop below claims it next
    budget = settings.SFNS_DRAIN_SECONDS if budget is None else budget
    deadline = time.monotonic() + budget
    ran = 0
    _draining.active = True
    with _drains_lock:
        _drains["active"] += 1
    try:
        while time.monotonic() < deadline:
            # Outbound messages first: the changes they bring become jobs.
            received = inbound.salesforce_received_apply()
            # A thread's share of the backlog, up to a batch: a burst is run in batches (less
            # CPU per job), a trickle one job at a time (no job waits behind another's calls).
            due = outbox.jobs_due()
            share = max(1, min(settings.SFNS_CLAIM_BATCH, -(-due // _threads())))
            jobs = outbox.jobs_claim(limit=share) if due else []
            if not jobs:
                if received:
                    continue
                break
            claimed = time.monotonic()
            if due > len(jobs) and _recruit():
                outbox.jobs_wake(job_ids=[])
            try:
                done, all_run = _execute(jobs, claimed)
            except outbox.DATABASE_AWAY:
                logger.warning("the database went away; giving %d claimed job(s) back", len(jobs))
                _give_back_when_it_returns(jobs)
                return ran
            ran += done
            if not all_run:  # some given back, overdue: they are for other workers
                return ran
        else:  # out of time, perhaps not of work: another thread goes on
            outbox.jobs_wake(job_ids=[])
    finally:
        _draining.active = False
        with _drains_lock:
            _drains["active"] -= 1
    return ran


def _execute(jobs: list[SyncJob], claimed: float) -> tuple[int, bool]:
    """
    Run claimed jobs in claim order, one after the other; pushes together, after the other
    kinds (a push sends the Account's state at the time, whatever ran before it). Returns how
    many ran and whether all did (the rest went back, overdue).
    """
    others = [job for job in jobs if job.kind != JobKind.ACCOUNT_PUSH]
    pushes = [job for job in jobs if job.kind == JobKind.ACCOUNT_PUSH]
    for position, job in enumerate(others):
        if _overdue(claimed):
            outbox.jobs_release(jobs=others[position:] + pushes)
            return position, False
        job_execute(job=job)
    if pushes and not pushes_execute(jobs=pushes, claimed=claimed):
        return len(others), False
    return len(jobs), True


def _give_back_when_it_returns(jobs: list[SyncJob], *, tries: int = 60) -> None:
    """
    Give claimed jobs back as soon as the database answers again (a restart takes seconds):
    the sweep would wait SFNS_JOB_STALE_SECONDS for them. Those already finished stay so.
    """
    for _ in range(tries):
        try:
            connection.close()  # the broken one
            outbox.jobs_release(jobs=jobs)
            return
        except outbox.DATABASE_AWAY:
            time.sleep(1)
    logger.error("the database did not come back; the sweep will give the jobs back")


def _threads() -> int:
    """The threads that share the backlog (one when jobs run in-process)."""
    return 1 if outbox.jobs_in_process() else settings.CELERY_WORKER_CONCURRENCY


def _recruit() -> bool:
    """Whether another thread of this process could help with a backlog."""
    with _drains_lock:
        return _drains["active"] < _threads()


@shared_task(name=outbox.RUN_JOBS_TASK)
def run_jobs() -> int:
    return jobs_run()


@shared_task(name="sync.tasks.sweep")
def sweep() -> dict:
    return outbox.jobs_sweep()


@shared_task(name="sync.tasks.notify_failures")
def notify_failures() -> int:
    """Beat asks every minute; the digest goes out when its interval (settings) has passed."""
    return notices.failures_notify()


@shared_task(name="sync.tasks.reconcile")
def reconcile() -> dict:
    """Beat asks every minute; a pass runs when the settings' interval has passed."""
    if not reconcile_service.reconcile_due():
        return {}
    return reconcile_service.reconcile_run().found
