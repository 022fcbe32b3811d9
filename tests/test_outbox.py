"""The outbox's claims, under concurrency: one job per record at a time, the claim waits for
the change that reused a job, and a stale worker cannot overwrite the sweep's decision."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import Account
from sync import leases, outbox, tasks
from sync.models import JobKind, JobStatus, SyncJob
from sync.services.attempts import job_will_retry

from .factories import AccountFactory, SyncJobFactory

pytestmark = pytest.mark.django_db(transaction=True)


def job(status: str, **extra) -> SyncJob:
    return SyncJobFactory(status=status, **extra)


def test_a_job_waits_while_another_job_for_the_same_record_runs():
    job(JobStatus.RUNNING, claimed_at=timezone.now())
    waiting = job(JobStatus.PENDING)

    assert outbox.jobs_claim(limit=10) == []

    waiting.refresh_from_db()
    assert waiting.status == JobStatus.PENDING and waiting.attempts == 0


def test_a_push_waits_while_a_forced_sync_of_the_same_account_runs():
    SyncJobFactory(
        kind=JobKind.ACCOUNT_LINK_OR_PUSH, status=JobStatus.RUNNING, claimed_at=timezone.now()
    )
    push = job(JobStatus.PENDING)

    assert outbox.jobs_claim() == []
    assert SyncJob.objects.get(pk=push.pk).status == JobStatus.PENDING


def test_jobs_for_other_records_are_not_held_up():
    job(JobStatus.RUNNING, claimed_at=timezone.now())
    other = job(JobStatus.PENDING, record_id="001000000000002AAA")

    assert [claimed.pk for claimed in outbox.jobs_claim(limit=10)] == [other.pk]


def test_jobs_are_claimed_oldest_first_a_few_at_a_time_and_only_once():
    jobs = [job(JobStatus.PENDING, record_id=f"00100000000000{n}AAA") for n in range(5)]
    later = timezone.now() + dt.timedelta(hours=1)
    job(JobStatus.PENDING, record_id="001000000000009AAA", not_before=later)

    first, second = outbox.jobs_claim(limit=3), outbox.jobs_claim(limit=3)

    assert [j.pk for j in first] == [j.pk for j in jobs[:3]]
    assert [j.pk for j in second] == [j.pk for j in jobs[3:]]  # the delayed one is not due
    assert outbox.jobs_claim(limit=3) == []
    assert {(j.status, j.attempts) for j in first + second} == {(JobStatus.RUNNING, 1)}


def test_a_worker_that_lost_its_claim_cannot_overwrite_what_happened_since():
    job(JobStatus.PENDING)
    (claimed,) = outbox.jobs_claim()
    # The sweep took the job back (the worker looked dead) and another worker claimed it.
    SyncJob.objects.filter(pk=claimed.pk).update(status=JobStatus.PENDING, claimed_at=None)
    (again,) = outbox.jobs_claim()

    outbox.job_finish(job=claimed, status=JobStatus.FAILED, error="the slow first worker gives up")
    outbox.jobs_done(jobs=[claimed])

    current = SyncJob.objects.get(pk=claimed.pk)
    assert current.status == JobStatus.RUNNING and current.claimed_at == again.claimed_at
    outbox.jobs_done(jobs=[again])
    assert SyncJob.objects.get(pk=claimed.pk).status == JobStatus.DONE


def test_the_sweep_gives_back_only_stale_claims_and_they_run_again():
    fresh = job(JobStatus.RUNNING, claimed_at=timezone.now(), attempts=1)
    stale = job(
        JobStatus.RUNNING,
        record_id="001000000000002AAA",
        claimed_at=timezone.now() - dt.timedelta(hours=1),
        attempts=1,
    )

    assert outbox.jobs_sweep(stale_after=600, resend_after=3600) == {"reclaimed": 1, "sent": 1}

    assert SyncJob.objects.get(pk=fresh.pk).status == JobStatus.RUNNING
    stale.refresh_from_db()
    assert (stale.status, stale.attempts) == (JobStatus.DONE, 2)  # sent, and run (eagerly)


def test_the_sweep_forgets_old_finished_jobs_but_keeps_failed_ones():
    old = timezone.now() - outbox.FINISHED_JOB_RETENTION - dt.timedelta(days=1)
    done = job(JobStatus.DONE, finished_at=old)
    failed = job(JobStatus.FAILED, record_id="001000000000002AAA", finished_at=old)

    outbox.jobs_sweep(resend_after=3600)

    assert not SyncJob.objects.filter(pk=done.pk).exists()
    assert SyncJob.objects.filter(pk=failed.pk).exists()


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="row locks between two connections: needs PostgreSQL (DATABASE_URL), as in CI",
)
def test_a_job_reused_by_a_change_runs_after_that_change_commits(field_mappings):
    account = AccountFactory(name="Old", netsuite_id="")  # unlinked: nothing runs by itself
    pending = job(JobStatus.PENDING, record_id=account.salesforce_id)
    reused = threading.Event()
    seen: dict = {}

    def change() -> None:
        with transaction.atomic():
            Account.objects.filter(pk=account.pk).update(name="New")
            outbox.job_enqueue(kind=JobKind.ACCOUNT_PUSH, record_id=account.salesforce_id)
            reused.set()
            time.sleep(0.5)
        connections.close_all()

    def claim() -> None:
        reused.wait(5)
        # Held by the change: a claim passes it over rather than run it with the old state.
        seen["claimed"] = outbox.jobs_claim(limit=10)
        connections.close_all()

    threads = [threading.Thread(target=change), threading.Thread(target=claim)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert seen["claimed"] == []
    # On commit the change woke a worker (in-process here), which ran the job with the change.
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (JobStatus.DONE, 1)
    assert connection.vendor == "postgresql"


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="two connections at once: needs PostgreSQL (DATABASE_URL), as in CI",
)
def test_an_edit_saved_while_the_customer_is_created_is_pushed_after_the_link(
    netsuite, field_mappings
):
    from sync.services import link

    account = AccountFactory(name="Old Name", netsuite_id="")
    netsuite.faults(latency_ms=600)  # the create is in flight for a while

    def edit() -> None:
        time.sleep(0.3)
        changed = Account.objects.get(pk=account.pk)
        changed.name = "New Name"
        changed.save()  # skipped as "not linked": the link does not exist yet
        connections.close_all()

    editor = threading.Thread(target=edit)
    editor.start()
    netsuite_id = link.account_link(account=account)
    editor.join(10)
    netsuite.faults(latency_ms=0)

    assert netsuite.record("customer", netsuite_id)["companyName"] == "New Name"


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        ("rate", True),  # however many attempts it took: the allocation comes back
        ("transient", False),
        ("rejected", False),
    ],
)
def test_only_rate_limits_outlast_the_attempts(error, retried):
    from sync.clients.errors import RateLimited, Rejected, Transient

    exc = {"rate": RateLimited("429"), "transient": Transient("503"), "rejected": Rejected("bad")}[
        error
    ]
    spent = job(JobStatus.RUNNING, attempts=8, max_attempts=8)

    assert job_will_retry(spent, exc) is retried
    assert job_will_retry(None, exc) is False


def test_in_process_a_delayed_job_is_handed_out_by_the_sweep_once_due():
    delayed = outbox.job_enqueue(
        kind=JobKind.ACCOUNT_PUSH, record_id="001000000000009AAA", delay=0.3
    )
    assert outbox.jobs_sweep()["sent"] == 0  # not due yet
    time.sleep(0.35)

    assert outbox.jobs_sweep()["sent"] == 1

    assert SyncJob.objects.get(pk=delayed.pk).status == JobStatus.DONE


def test_jobs_claimed_together_but_not_started_long_after_go_back_unrun(settings):
    # Near SFNS_JOB_STALE_SECONDS the sweep would hand them out again while they wait their
    # turn behind a slow far side: run twice at once. (0 here: every claim is overdue at once.)
    settings.SFNS_JOB_STALE_SECONDS = 0
    jobs = [job(JobStatus.PENDING, record_id=f"00100000000000{n}AAA") for n in range(3)]

    assert tasks.jobs_run() == 0

    for waiting in jobs:
        waiting.refresh_from_db()
        assert (waiting.status, waiting.attempts, waiting.claimed_at) == (
            JobStatus.PENDING,
            0,
            None,
        )


def test_a_worker_process_keeps_its_claims_alive_and_forgets_finished_ones(
    jobs_wait_for_a_worker,
):
    first = job(JobStatus.PENDING)
    second = job(JobStatus.PENDING, record_id="001000000000002AAA")
    claimed = outbox.jobs_claim(limit=2)
    assert all(j.heartbeat_at == j.claimed_at for j in claimed)
    outbox.jobs_done(jobs=[claimed[0]])
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    SyncJob.objects.filter(pk=second.pk).update(heartbeat_at=long_ago)

    assert leases.claims_renew() == 1

    assert SyncJob.objects.get(pk=second.pk).heartbeat_at > long_ago
    assert SyncJob.objects.get(pk=first.pk).heartbeat_at == claimed[0].heartbeat_at
    outbox.jobs_done(jobs=[claimed[1]])
    assert leases.claims_renew() == 0  # and none is held any more


def test_a_claim_taken_over_since_is_not_renewed_by_its_old_holder(jobs_wait_for_a_worker):
    # The sweep gave the job back and another worker claimed it: the claim's identity is its
    # claimed_at, so the old holder's heartbeat must not keep the new claim alive.
    job(JobStatus.PENDING)
    (claimed,) = outbox.jobs_claim(limit=1)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    taken_over = claimed.claimed_at + dt.timedelta(seconds=30)
    SyncJob.objects.filter(pk=claimed.pk).update(claimed_at=taken_over, heartbeat_at=long_ago)

    assert leases.claims_renew() == 0

    assert SyncJob.objects.get(pk=claimed.pk).heartbeat_at == long_ago


def test_in_process_claims_have_no_heartbeat():
    job(JobStatus.PENDING)

    (claimed,) = outbox.jobs_claim()

    assert claimed.heartbeat_at is None


def test_the_sweep_gives_back_a_claim_whose_worker_stopped_renewing_it(settings):
    settings.SFNS_CLAIM_LEASE_SECONDS = 10
    now = timezone.now()
    alive = job(JobStatus.RUNNING, claimed_at=now - dt.timedelta(minutes=3), heartbeat_at=now)
    dead = job(
        JobStatus.RUNNING,
        record_id="001000000000002AAA",
        claimed_at=now - dt.timedelta(seconds=30),
        heartbeat_at=now - dt.timedelta(seconds=11),
        attempts=1,
    )
    in_process = job(
        JobStatus.RUNNING,
        record_id="001000000000003AAA",
        claimed_at=now - dt.timedelta(seconds=30),
        heartbeat_at=None,
    )
    outbox._last_sweep["at"] = None  # this process has not swept yet (it just started)

    # The first sweep in a while only notes the time: live workers may not have renewed
    # their claims yet after an outage of the database.
    assert outbox.jobs_sweep(resend_after=3600)["reclaimed"] == 0
    assert outbox.jobs_sweep(resend_after=3600)["reclaimed"] == 1

    statuses = dict(SyncJob.objects.values_list("pk", "status"))
    assert statuses[alive.pk] == JobStatus.RUNNING
    assert statuses[in_process.pk] == JobStatus.RUNNING  # only the stale timeout for those
    assert statuses[dead.pk] == JobStatus.DONE  # given back, woken, run (eagerly here)


def test_the_sweep_wakes_a_worker_at_once_when_due_jobs_wait_and_none_runs():
    # The wake-up went to a broker that then restarted (messages not persisted): the job was
    # sent a moment ago, well within the resend delay, and nothing is running it.
    waiting = job(JobStatus.PENDING, last_sent_at=timezone.now())

    outbox.jobs_sweep(resend_after=3600)

    assert SyncJob.objects.get(pk=waiting.pk).status == JobStatus.DONE  # woken, run (eagerly)


def test_the_sweep_leaves_due_jobs_to_the_worker_running_others():
    job(JobStatus.RUNNING, record_id="001000000000002AAA", claimed_at=timezone.now())
    waiting = job(JobStatus.PENDING, last_sent_at=timezone.now())

    outbox.jobs_sweep(resend_after=3600)

    # Not woken (it would have run eagerly): the worker at it takes the job next.
    assert SyncJob.objects.get(pk=waiting.pk).status == JobStatus.PENDING
