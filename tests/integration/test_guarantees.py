"""
Delivery guarantees on real parts (PostgreSQL, Redis, `celery worker` processes): a worker
killed mid-job (done again within seconds), a 429 storm, and the NetSuite Sync status reaching
Salesforce by itself.
"""

from __future__ import annotations

import time

import pytest

from accounts.models import Account
from integration_log.models import LogEntry
from sync import outbox
from sync.models import JobStatus, SyncJob
from tests.conftest import EmulatorControl
from tests.factories import AccountFactory

from .conftest import wait_for

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def _linked_accounts(netsuite, count: int) -> list[Account]:
    netsuite.seed(customer=[{"id": str(200 + i), "companyName": f"Co {i}"} for i in range(count)])
    accounts = [AccountFactory(name=f"Co {i}", netsuite_id=str(200 + i)) for i in range(count)]
    wait_for(
        lambda: SyncJob.objects.filter(kind="account_push", status=JobStatus.DONE).count() == count,
        message="the first pushes",
    )
    return accounts


def test_job_of_a_killed_worker_is_given_back_and_done_once(
    netsuite, field_mappings, celery_worker
):
    (account,) = _linked_accounts(netsuite, 1)
    netsuite.faults(latency_ms=4000)  # keep the push in flight long enough to kill its worker
    account.name = "Renamed Before The Crash"
    account.save()
    job = wait_for(
        lambda: SyncJob.objects.filter(kind="account_push", status=JobStatus.RUNNING).first(),
        message="the job to be claimed",
    )
    celery_worker.kill()  # mid-call: the push is waiting for NetSuite
    killed_at = time.monotonic()
    netsuite.faults(latency_ms=0)
    celery_worker.start()  # as a process manager would
    celery_worker.wait_ready()

    # The job is still claimed by the dead worker: nobody may run it twice. The sweep (beat's,
    # every few seconds; called here) hands it out again once the dead worker has left its
    # claim unrenewed for a lease (SFNS_CLAIM_LEASE_SECONDS), with the production settings:
    # seconds, not the stale timeout's minutes.
    assert SyncJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    wait_for(lambda: outbox.jobs_sweep()["reclaimed"], timeout=30, message="the lease to end")

    done = wait_for(
        lambda: SyncJob.objects.filter(pk=job.pk, status=JobStatus.DONE).first(),
        timeout=60,
        message="the reclaimed job",
    )
    assert time.monotonic() - killed_at < 30  # done within seconds of the crash
    assert done.attempts == 2
    assert netsuite.record("customer", "200")["companyName"] == "Renamed Before The Crash"
    success = LogEntry.objects.get(operation="account_push", outcome="success", job_id=job.pk)
    assert success.attempt == 2


def test_429_storm_is_waited_out_and_every_update_lands(netsuite, field_mappings, celery_worker):
    accounts = _linked_accounts(netsuite, 12)
    netsuite.reset_stats()
    netsuite.faults(concurrency_limit=1, latency_ms=150)  # the account allows one call at a time
    for account in accounts:
        account.name = f"{account.name} updated"
        account.save()

    wait_for(
        lambda: (
            SyncJob.objects.filter(kind="account_push", status=JobStatus.DONE).count()
            == 2 * len(accounts)
        ),
        timeout=90,
        message="every push through the storm",
    )
    assert netsuite.stats()["rejected_429"] > 0  # there was a storm
    assert not SyncJob.objects.filter(status=JobStatus.FAILED).exists()
    for i, _ in enumerate(accounts):
        assert netsuite.record("customer", str(200 + i))["companyName"] == f"Co {i} updated"
    assert not Account.objects.exclude(last_sync_error="").exists()


def test_a_lone_sync_status_reaches_salesforce_within_seconds(
    netsuite, salesforce_emulator, salesforce_ca, field_mappings, celery_worker, settings
):
    salesforce = EmulatorControl(salesforce_emulator.url, verify=salesforce_ca)
    (sf_id,) = salesforce._post("seed", {"Account": [{"Name": "Lone"}]})["ids"]["Account"]
    netsuite.seed(customer=[{"id": "300", "companyName": "Lone"}])
    AccountFactory(salesforce_id=sf_id, name="Lone", netsuite_id="300")

    record = wait_for(
        lambda: (
            salesforce.state()["records"]["Account"][sf_id].get("NetSuite_Sync__c")
            and (salesforce.state()["records"]["Account"][sf_id])
        ),
        timeout=10,
        message="NetSuite Sync in Salesforce",
    )
    account = Account.objects.get(salesforce_id=sf_id)
    assert record["NetSuite_Sync__c"] == account.last_synced_at.isoformat(timespec="seconds")
    assert record["NetSuite_Id__c"] == "300"
    assert account.status_pending_since is None


def test_a_burst_of_status_writes_costs_one_call_per_200(
    netsuite, salesforce_emulator, salesforce_ca, field_mappings, celery_worker
):
    salesforce = EmulatorControl(salesforce_emulator.url, verify=salesforce_ca)
    count = 450
    ids = salesforce._post("seed", {"Account": [{"Name": f"B{i}"} for i in range(count)]})["ids"][
        "Account"
    ]
    netsuite.seed(customer=[{"id": str(1000 + i), "companyName": f"B{i}"} for i in range(count)])
    salesforce._post("stats/reset")
    Account.objects.bulk_create(
        [Account(salesforce_id=sf_id, name=f"B{i}") for i, sf_id in enumerate(ids)]
    )  # no signals: link them all first, then sync them as one burst
    for account in Account.objects.all():
        account.netsuite_id = str(1000 + int(account.name[1:]))
        account.save()

    wait_for(
        lambda: (
            not Account.objects.filter(status_pending_since__isnull=False).exists()
            and Account.objects.filter(last_synced_at__isnull=False).count() == count
        ),
        timeout=120,
        message="every status written back",
    )
    calls = salesforce.stats()["calls"]
    assert calls["composite_sobjects"] == 3, calls
    synced = salesforce.state()["records"]["Account"]
    assert all(synced[sf_id].get("NetSuite_Sync__c") for sf_id in ids)
