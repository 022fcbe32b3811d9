"""
The admins' health dashboard (/admin/dashboard/): the outbox, the integration log, the Account
links and the Salesforce API allocation at a glance, each figure linked to its admin list; and
the doctor's checklist (/admin/doctor/).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from accounts.admin import record_admin_url
from accounts.models import Account
from accounts.selectors import records_by_salesforce_id
from integration_log.models import LogEntry, Outcome
from settings.models import IntegrationSettings

from . import dashboard_chart
from .clients.salesforce import api_reserve_reached, salesforce_api_usage
from .models import JobStatus, ReconcileRun, SyncJob
from .services.doctor import doctor_checks

WINDOW = dt.timedelta(hours=24)
RECENT_ERRORS = 10


def health_summary(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """
    The dashboard's figures, in a handful of aggregate queries (no per-row work), each served
    by an index where the table grows without end: SyncJob (status, ...), LogEntry created_at
    and (outcome, -created_at), Account status_pending_since.
    """
    now = now or timezone.now()
    since = now - WINDOW

    # Pending, running and failed jobs are few next to the done ones: the IN on the status
    # index reads only them. Failed and done count the last 24 hours, because a retry makes a
    # new job and leaves the failed one failed for good.
    jobs = SyncJob.objects.filter(
        status__in=[JobStatus.PENDING, JobStatus.RUNNING, JobStatus.FAILED]
    ).aggregate(
        pending=Count("pk", filter=Q(status=JobStatus.PENDING)),
        running=Count("pk", filter=Q(status=JobStatus.RUNNING)),
        failed=Count("pk", filter=Q(status=JobStatus.FAILED, finished_at__gte=since)),
        oldest_pending_at=Min("created_at", filter=Q(status=JobStatus.PENDING)),
    )
    jobs["done"] = SyncJob.objects.filter(status=JobStatus.DONE, finished_at__gte=since).count()

    log = LogEntry.objects.filter(created_at__gte=since).aggregate(
        **{outcome: Count("pk", filter=Q(outcome=outcome)) for outcome in Outcome.values}
    )
    log["recent_errors"] = list(
        LogEntry.objects.filter(outcome=Outcome.ERROR)
        .order_by("-created_at", "-id")
        .only("created_at", "operation", "salesforce_id", "netsuite_id", "reason")[:RECENT_ERRORS]
    )

    accounts = Account.objects.aggregate(
        linked=Count("pk", filter=~Q(netsuite_id="")),
        unlinked=Count("pk", filter=Q(netsuite_id="")),
        with_error=Count("pk", filter=~Q(last_sync_error="")),
    )
    accounts |= Account.objects.filter(status_pending_since__isnull=False).aggregate(
        status_pending=Count("pk"), oldest_status_pending_since=Min("status_pending_since")
    )

    return {
        "now": now,
        "since": since,
        "jobs": jobs,
        "log": log,
        "accounts": accounts,
        "salesforce_api": _salesforce_api(),
        "reconcile": ReconcileRun.objects.first(),
        "reconcile_minutes": IntegrationSettings.load().reconcile_minutes,
    }


def _salesforce_api() -> dict[str, Any] | None:
    """The last Sforce-Limit-Info reading any worker made, or None when there is none yet."""
    usage = salesforce_api_usage()
    if usage is None:
        return None
    used, allowed = usage["used"], usage["allowed"]
    return {
        "used": used,
        "allowed": allowed,
        "percent": round(100 * used / allowed, 1) if allowed else 0.0,
        "read_at": usage["read_at"],
        "reserve_percent": round(settings.SALESFORCE_API_RESERVE * 100, 2),
        # The client's own test: while it holds, Salesforce jobs wait instead of calling.
        "held_back": api_reserve_reached(used, allowed),
    }


def _changelist(model: str, **filters: str) -> str:
    """An admin changelist URL, filtered with the admin's own query string lookups."""
    url = reverse(f"admin:{model.replace('.', '_')}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def _links(since: dt.datetime) -> dict[str, str]:
    after = since.replace(microsecond=0).isoformat()
    return {
        "pending": _changelist("sync.syncjob", status__exact=JobStatus.PENDING),
        "running": _changelist("sync.syncjob", status__exact=JobStatus.RUNNING),
        "failed": _changelist(
            "sync.syncjob", status__exact=JobStatus.FAILED, finished_at__gte=after
        ),
        "done": _changelist("sync.syncjob", status__exact=JobStatus.DONE, finished_at__gte=after),
        **{
            f"log_{outcome}": _changelist(
                "integration_log.logentry", outcome__exact=outcome, created_at__gte=after
            )
            for outcome in Outcome.values
        },
        "log_errors": _changelist("integration_log.logentry", outcome__exact=Outcome.ERROR),
        # "Linked" is "NetSuite ID not empty", which a query string can only say as > "".
        "linked": _changelist("accounts.account", netsuite_id__gt=""),
        "unlinked": _changelist("accounts.account", sync_status="unlinked"),
        "with_error": _changelist("accounts.account", sync_status="error"),
        "status_pending": _changelist("accounts.account", status_pending_since__isnull="False"),
        "reconcile": _changelist("sync.reconcilerun"),
    }


def _name_records(entries: list[LogEntry]) -> None:
    """Each entry's record, named and linked, when SFNS mirrors it (one query a model)."""
    found = records_by_salesforce_id(entry.salesforce_id for entry in entries)
    for entry in entries:
        record = found.get(entry.salesforce_id)
        entry.record_name = record.name if record else ""
        entry.record_url = record_admin_url(record) if record else ""


def health_dashboard(request: HttpRequest) -> HttpResponse:
    """Staff only: wired in sfns/urls.py through admin.site.admin_view."""
    summary = health_summary()
    _name_records(summary["log"]["recent_errors"])
    context = {
        **admin.site.each_context(request),
        "title": "SFNS health",
        "summary": summary,
        "links": _links(summary["since"]),
        "chart": dashboard_chart.chart(dashboard_chart.hourly_counts(now=summary["now"])),
    }
    return TemplateResponse(request, "admin/sfns_dashboard.html", context)


def doctor_page(request: HttpRequest) -> HttpResponse:
    """The doctor's checklist (manage.py doctor), run live: staff only, via admin_view."""
    checks = doctor_checks()
    context = {
        **admin.site.each_context(request),
        "title": "SFNS doctor",
        "checks": checks,
        "failed": sum(not check.ok for check in checks),
    }
    return TemplateResponse(request, "admin/sfns_doctor.html", context)
