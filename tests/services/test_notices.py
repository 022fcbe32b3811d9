"""
Failure notices: one digest of the syncs that failed, to the addresses and group the settings
name, at most once per interval, through Django's mail settings. A real failed push (NetSuite
refuses it over HTTP) is what it tells of.
"""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from settings.models import IntegrationSettings
from sync.models import JobStatus, SyncJob
from sync.services.notices import SETTLE, failures_notify

from ..factories import AccountFactory
from .helpers import COMPANY_NAME_REQUIRED

pytestmark = pytest.mark.django_db(transaction=True)
ONE_SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def notices_to(integration_settings):
    group = Group.objects.create(name="Sync admins")
    User.objects.create(username="ada", email="ada@example.com").groups.add(group)
    User.objects.create(username="off", email="off@example.com", is_active=False).groups.add(group)
    return integration_settings(
        failure_notice_emails="ops@example.com, billing@example.com",
        failure_notice_group=group,
        failure_notice_minutes=30,
    )


def _fail_a_push(linked, name="") -> SyncJob:
    """A push NetSuite refuses for good (a blank company name): the job fails."""
    linked.refresh_from_db()
    linked.name = name
    linked.save()
    return SyncJob.objects.get(record_id=linked.salesforce_id, status=JobStatus.FAILED)


def _soon() -> dt.datetime:
    """Once the digest can be sure the failures so far are committed (notices.SETTLE)."""
    return timezone.now() + SETTLE + dt.timedelta(seconds=1)


def _settled(job: SyncJob) -> SyncJob:
    """The failure, as if it happened long enough ago for the digest to be sure of it."""
    SyncJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - SETTLE - ONE_SECOND)
    return job


def test_a_failure_just_stamped_waits_for_its_commit_to_be_sure(
    linked, netsuite, notices_to, mailoutbox
):
    linked.name = ""
    linked.save()

    assert failures_notify() == 0
    assert failures_notify(now=_soon()) == 1


def test_a_failed_sync_is_told_once_with_the_record_the_reason_and_where_to_retry(
    linked, netsuite, notices_to, mailoutbox
):
    job = _settled(_fail_a_push(linked))

    assert failures_notify() == 1
    assert failures_notify() == 0  # once

    (mail,) = mailoutbox
    assert mail.subject == "SFNS: 1 sync(s) failed"
    assert sorted(mail.to) == ["ada@example.com", "billing@example.com", "ops@example.com"]
    assert linked.salesforce_id in mail.body
    assert COMPANY_NAME_REQUIRED in mail.body
    assert f"http://127.0.0.1:8000/admin/sync/syncjob/{job.pk}/change/" in mail.body
    assert "/admin/sync/syncjob/?status__exact=failed" in mail.body
    # The Account's own page, at its Salesforce id.
    assert f"http://127.0.0.1:8000/admin/accounts/account/{linked.salesforce_id}/change/" in (
        mail.body
    )


def test_failures_within_the_interval_wait_for_the_next_digest(
    linked, netsuite, notices_to, mailoutbox
):
    _settled(_fail_a_push(linked))
    assert failures_notify() == 1
    other = AccountFactory(name="Other", netsuite_id="100")
    SyncJob.objects.filter(status=JobStatus.FAILED).update(status=JobStatus.DONE)
    _fail_a_push(other)

    assert failures_notify(now=_soon()) == 0  # within the interval
    later = _soon() + dt.timedelta(minutes=31)
    assert failures_notify(now=later) == 1

    assert len(mailoutbox) == 2
    assert other.salesforce_id in mailoutbox[1].body
    assert linked.salesforce_id not in mailoutbox[1].body


def test_no_recipients_no_digest(linked, netsuite, integration_settings, mailoutbox):
    integration_settings(failure_notice_emails="")
    _settled(_fail_a_push(linked))

    assert failures_notify() == 0
    assert mailoutbox == []
    assert IntegrationSettings.load().failure_notice_sent_at is None


def test_a_mail_server_away_sends_the_digest_next_time(linked, netsuite, notices_to, mailoutbox):
    _settled(_fail_a_push(linked))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    smtp = "django.core.mail.backends.smtp.EmailBackend"

    with override_settings(EMAIL_BACKEND=smtp, EMAIL_HOST="127.0.0.1", EMAIL_PORT=port):
        assert failures_notify() == 0

    assert IntegrationSettings.load().failure_notice_sent_at is None
    assert failures_notify() == 1
    assert len(mailoutbox) == 1


def test_an_address_that_is_not_one_is_refused_naming_it():
    conf = IntegrationSettings(failure_notice_emails="ops@example.com\nnot-an-address")

    with pytest.raises(ValidationError) as refused:
        conf.clean()

    assert "'not-an-address' is not an email address." in str(refused.value)


def test_beat_runs_the_digest_task_every_minute(settings, linked, netsuite, notices_to, mailoutbox):
    from sync.tasks import notify_failures

    _settled(_fail_a_push(linked))
    entry = settings.CELERY_BEAT_SCHEDULE["sync-failure-notices"]

    assert entry == {"task": notify_failures.name, "schedule": 60.0}
    assert notify_failures.delay().get() == 1
    assert len(mailoutbox) == 1


def test_of_two_workers_claiming_the_same_period_one_sends(notices_to):
    from sync.services.notices import _claim

    last = IntegrationSettings.load().failure_notice_sent_at
    until = timezone.now()

    # Both read the same last period end; the compare-and-set lets the first one through.
    assert _claim(last, until) is True
    assert _claim(last, until) is False
