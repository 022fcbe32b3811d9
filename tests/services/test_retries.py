"""
Running jobs: refusals fail at once, transient errors are retried with backoff, retries run
with the current state.
Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account
from integration_log.models import LogEntry
from sync import outbox, tasks
from sync.models import FieldMapping, JobKind, SyncJob

from ..factories import SyncJobFactory
from .helpers import (
    COMPANY_NAME_REQUIRED,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_netsuite_validation_error_fails_the_job_at_once(linked, netsuite):
    FieldMapping.objects.filter(target="companyName").update(transform="static", argument="")

    linked.name = "Acme Renamed"
    linked.save()

    job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert (job.status, job.attempts) == ("failed", 1)
    assert COMPANY_NAME_REQUIRED in job.last_error
    linked.refresh_from_db()
    assert COMPANY_NAME_REQUIRED in linked.last_sync_error
    entry = LogEntry.objects.get(operation="account_push")
    assert entry.outcome == "error" and COMPANY_NAME_REQUIRED in entry.reason
    assert "will retry" not in entry.reason
    assert entry.response["status"] == 400
    assert netsuite.record("customer", "100")["companyName"] == "Acme"


def test_transient_netsuite_errors_are_retried_with_backoff_until_out_of_attempts(
    linked, netsuite, settings
):
    settings.SFNS_RETRY_BASE_SECONDS = 1.0
    netsuite.faults(fail_rate=1.0)
    try:
        started = timezone.now()
        linked.name = "Acme Renamed"
        linked.save()

        job = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
        assert (job.status, job.attempts) == ("pending", 1)
        assert started + dt.timedelta(seconds=0.5) <= job.not_before
        assert job.not_before <= timezone.now() + dt.timedelta(seconds=1)
        linked.refresh_from_db()
        assert linked.last_sync_error == ""  # not final yet

        SyncJob.objects.filter(pk=job.pk).update(not_before=None, max_attempts=2)
        tasks.jobs_run()

        job.refresh_from_db()
        assert (job.status, job.attempts) == ("failed", 2)
        assert "An unexpected error occurred" in job.last_error
    finally:
        netsuite.faults(fail_rate=0.0)
    entries = LogEntry.objects.filter(operation="account_push").order_by("id")
    assert [(e.outcome, e.attempt) for e in entries] == [("error", 1), ("error", 2)]
    assert entries[0].reason.endswith("(will retry)")
    assert not entries[1].reason.endswith("(will retry)")
    linked.refresh_from_db()
    assert "An unexpected error occurred" in linked.last_sync_error
    assert netsuite.record("customer", "100")["companyName"] == "Acme"


def test_retry_of_a_failed_job_pushes_the_accounts_current_state(linked, netsuite):
    linked.name = ""  # NetSuite refuses an empty Company Name
    linked.save()
    failed = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert failed.status == "failed"
    # The Account changes after the failure (stored without a push of its own):
    Account.objects.filter(pk=linked.pk).update(name="Acme Fixed")

    retry = outbox.job_retry(job=failed)

    retry.refresh_from_db()
    assert retry.pk != failed.pk and retry.status == "done"
    assert netsuite.record("customer", "100")["companyName"] == "Acme Fixed"
    linked.refresh_from_db()
    assert linked.last_sync_error == ""
    assert LogEntry.objects.filter(operation="account_push").first().outcome == "success"


def test_retry_of_a_failed_job_joins_the_pending_push_of_a_newer_change(linked, netsuite, settings):
    settings.SFNS_RETRY_BASE_SECONDS = 30.0
    linked.name = ""  # refused by NetSuite: failed at once
    linked.save()
    failed = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH)
    assert failed.status == "failed"
    netsuite.faults(fail_rate=1.0)
    try:
        linked.name = "Acme v3"
        linked.save()  # NetSuite is down: this push waits 15-30 s for its next attempt
    finally:
        netsuite.faults(fail_rate=0.0)
    newer = SyncJob.objects.get(kind=JobKind.ACCOUNT_PUSH, status="pending")

    retry = outbox.job_retry(job=failed)

    assert retry.pk == newer.pk  # one job per record: the retry makes it due now
    retry.refresh_from_db()
    assert (retry.status, retry.attempts) == ("done", 2)
    assert netsuite.record("customer", "100")["companyName"] == "Acme v3"


def test_an_unclassified_failure_is_logged_on_the_record_and_not_retried(linked):
    # A job SFNS cannot run (here a kind this version does not know, as after a downgrade) fails
    # with a KeyError: no client classified it, so the task side records it where admins look.
    job = SyncJobFactory(kind="account_from_the_future", record_id=linked.salesforce_id)

    tasks.jobs_run()

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.last_error == "internal error: KeyError: 'account_from_the_future'"
    entry = LogEntry.objects.get(job_id=job.pk)
    assert (entry.operation, entry.direction, entry.outcome) == (
        "account_from_the_future",
        "to_netsuite",
        "error",
    )
    assert entry.salesforce_id == linked.salesforce_id
    linked.refresh_from_db()
    assert linked.last_sync_error == job.last_error
    assert linked.status_pending_since is not None  # the error reaches Salesforce too
