"""
Celery tasks, and what running a job means: claim it, call the one service its kind names,
and on failure retry it or record it as failed where an admin looks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task

from accounts.models import Account, Opportunity
from integration_log.models import Direction, Outcome
from integration_log.services import record

from . import outbox
from .clients.errors import ClientError
from .models import JobKind, JobStatus, SyncJob
from .services import link, opportunities, push, update_from_netsuite, writeback
from .services import reconcile as reconcile_service
from .services.attempts import account_record_attempt, job_will_retry

logger = logging.getLogger(__name__)


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


# The jobs that write to Salesforce; the others write to NetSuite.
WRITES_TO_SALESFORCE = {JobKind.ACCOUNT_UPDATE_FROM_NETSUITE, JobKind.STATUS_WRITEBACK}

JOB_HANDLERS: dict[str, Callable[[SyncJob], Any]] = {
    JobKind.ACCOUNT_PUSH: _with(_account, push.account_push_to_netsuite, "account"),
    JobKind.ACCOUNT_LINK_OR_PUSH: _with(_account, link.account_link_or_push, "account"),
    JobKind.ACCOUNT_UPDATE_FROM_NETSUITE: _with(
        _account, update_from_netsuite.account_update_from_netsuite, "account"
    ),
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


def job_run(*, job_id: int) -> None:
    """Run one job if it is due and nobody else has it."""
    job = outbox.job_claim(job_id=job_id)
    if job is None:
        return
    try:
        JOB_HANDLERS[job.kind](job)
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        if job_will_retry(job, exc):
            outbox.job_requeue(job=job, error=message)
            return
        if not isinstance(exc, ClientError):
            # A bug or an outage SFNS did not classify: visible, with the record, in the
            # integration log and on the Account, not only in the server log. (Services log
            # the errors they classify themselves.)
            logger.exception("sync job %s failed", job.pk)
            message = f"internal error: {type(exc).__name__}: {exc}"
            job_failed_unexpectedly(job=job, message=message)
        outbox.job_finish(job=job, status=JobStatus.FAILED, error=message)
        return
    outbox.job_finish(job=job, status=JobStatus.DONE)


@shared_task(name=outbox.RUN_JOB_TASK)
def run_job(job_id: int) -> None:
    job_run(job_id=job_id)


@shared_task(name="sync.tasks.sweep")
def sweep() -> dict:
    return outbox.jobs_sweep()


@shared_task(name="sync.tasks.reconcile")
def reconcile() -> dict:
    """Beat asks every minute; a pass runs when the settings' interval has passed."""
    if not reconcile_service.reconcile_due():
        return {}
    return reconcile_service.reconcile_run().found
