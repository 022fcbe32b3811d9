"""
Failure notices: one email digest of the syncs that failed (jobs out of attempts, or refused
for good), to the addresses and group the settings name, at most once per interval. Each line
says which record failed and why; the digest links to where an admin retries.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from settings.models import IntegrationSettings

from ..models import JobStatus, SyncJob

logger = logging.getLogger(__name__)

# Lines in one digest; the rest are counted, and listed in the admin.
DIGEST_LINES = 50
# The admin page of a job's record (at its Salesforce id), by the first word of the job's kind.
RECORD_PAGES = {
    "account": "admin:accounts_account_change",
    "contact": "admin:accounts_contact_change",
    "opportunity": "admin:accounts_opportunity_change",
}
# How long a failure may take from its stamp to its commit.
SETTLE = dt.timedelta(seconds=10)


def failures_notify(*, now: dt.datetime | None = None) -> int:
    """
    Send the digest when failures wait and the interval since the last one has passed;
    returns how many failures it told of. Two workers asking at once send one digest.
    """
    # A failure stamped just before now may not be committed yet: the period ends a little
    # earlier, and the next digest starts there.
    until = (now or timezone.now()) - SETTLE
    conf = IntegrationSettings.load()
    recipients = conf.failure_notice_recipients()
    last = conf.failure_notice_sent_at
    interval = dt.timedelta(minutes=conf.failure_notice_minutes)
    if not recipients or (last and until - last < interval):
        return 0
    since = last or until - interval
    failed = SyncJob.objects.filter(
        status=JobStatus.FAILED, finished_at__gt=since, finished_at__lte=until
    ).order_by("finished_at")
    count = failed.count()
    if not count or not _claim(last, until):
        return 0
    try:
        subject, body = _digest(list(failed[:DIGEST_LINES]), count, since)
        send_mail(subject, body, None, recipients)
    except Exception as exc:  # the mail server away, say: the period goes to the next try
        IntegrationSettings.objects.filter(failure_notice_sent_at=until).update(
            failure_notice_sent_at=last
        )
        logger.warning("could not send the failure digest (%s): %s", type(exc).__name__, exc)
        return 0
    logger.info("failure digest of %d failure(s) sent to %d recipient(s)", count, len(recipients))
    return count


def _claim(last: dt.datetime | None, now: dt.datetime) -> bool:
    """Take this period for this process (compare-and-set on the end of the last one)."""
    claimed = IntegrationSettings.objects.filter(
        pk=IntegrationSettings.SINGLETON_PK,
        **({"failure_notice_sent_at": last} if last else {"failure_notice_sent_at__isnull": True}),
    ).update(failure_notice_sent_at=now)
    return claimed == 1


def _digest(jobs: list[SyncJob], count: int, since: dt.datetime) -> tuple[str, str]:
    base = settings.SFNS_BASE_URL
    failed_jobs = f"{base}{reverse('admin:sync_syncjob_changelist')}?status__exact=failed"
    lines = [
        f"{count} sync(s) failed since {since:%Y-%m-%d %H:%M} UTC and need a person.",
        "",
    ]
    for job in jobs:
        lines += [
            f"- {job.get_kind_display()} of {job.record_id}: {job.last_error or 'no reason given'}",
            f"  the job: {base}{reverse('admin:sync_syncjob_change', args=[job.pk])}",
        ]
        if page := RECORD_PAGES.get(job.kind.split("_", 1)[0]):
            lines.append(f"  the record: {base}{reverse(page, args=[job.record_id])}")
    if count > len(jobs):
        lines.append(f"... and {count - len(jobs)} more.")
    lines += [
        "",
        f"Fix the cause, then retry them from the failed jobs ({failed_jobs}): select them and",
        'choose "Retry selected failed jobs". The integration log has what was sent and received.',
    ]
    return f"SFNS: {count} sync(s) failed", "\n".join(lines)
