"""
The walking skeleton on real parts: an outbound message over HTTP to a live SFNS, the outbox
row, a real `celery worker` process, a signed PATCH on the NetSuite emulator, the log entry.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from accounts.models import Account
from integration_log.models import LogEntry
from sync import outbox
from sync.models import SyncJob
from sync.soap import ACK
from sync.webhooks import salesforce_webhook_token
from tests.factories import AccountFactory
from tests.soap import outbound_message

from .conftest import ROOT, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]
ORG = "00D000000000001EAA"


@pytest.fixture
def linked(netsuite, field_mappings, celery_worker):
    netsuite.seed(customer=[{"id": "100", "companyName": "Acme"}])
    account = AccountFactory(name="Acme", netsuite_id="100")
    wait_for(
        lambda: SyncJob.objects.filter(kind="account_push", status="done").exists(),
        message="the first push",
    )
    LogEntry.objects.all().delete()
    return account


def test_outbound_message_ends_in_a_patch_by_a_worker_process(live_server, linked, netsuite):
    body = outbound_message(
        ORG,
        [
            {
                "Id": linked.salesforce_id,
                "Name": "Acme Worldwide",
                "LastModifiedDate": "2026-09-01T10:00:00.000Z",
            }
        ],
    )
    response = requests.post(
        f"{live_server.url}/webhooks/salesforce/{salesforce_webhook_token()}/",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.text == ACK

    entry = wait_for(
        lambda: LogEntry.objects.filter(operation="account_push", outcome="success").first(),
        message="the success log entry",
    )
    assert entry.diff["companyName"] == ["Acme", "Acme Worldwide"]
    assert netsuite.record("customer", "100")["companyName"] == "Acme Worldwide"
    linked.refresh_from_db()
    assert linked.last_synced_at is not None


def test_change_committed_while_broker_is_down_is_sent_by_the_sweep(worker_env, linked, netsuite):
    # A worker thread that is awake runs any due job: let the first push's write-back finish
    # so that none is, and only the sweep can hand out the job below.
    wait_for(
        lambda: not SyncJob.objects.filter(status__in=["pending", "running"]).exists(),
        message="the first push's write-back",
    )
    time.sleep(2)  # and any wake-up sent for later than that (WRITEBACK_QUIET) has come
    # Another process, whose broker is unreachable, saves a change: the outbox row commits,
    # the send fails (logged, not raised), and nothing reaches the worker.
    code = (
        "from accounts.models import Account;"
        f"a = Account.objects.get(salesforce_id='{linked.salesforce_id}');"
        "a.name = 'Saved While Broker Down'; a.save()"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        check=True,
        env={**worker_env, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"},
        timeout=60,
    )
    job = SyncJob.objects.get(kind="account_push", status="pending")
    assert job.last_sent_at is None  # the wake-up failed: the sweep's next pass sends one
    assert netsuite.record("customer", "100")["companyName"] == "Acme"

    assert outbox.jobs_sweep(resend_after=0)["sent"] >= 1  # and any due status write-back

    wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == "done", message="the resent job")
    assert netsuite.record("customer", "100")["companyName"] == "Saved While Broker Down"
    assert Account.objects.get(pk=linked.pk).last_sync_error == ""
