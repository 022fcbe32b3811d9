"""The admins' health dashboard: staff only, linked from the admin index, figures that match the
rows behind them (and the admin lists they link to), and the Salesforce API usage."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sync.clients import salesforce as salesforce_client
from sync.clients.salesforce import SalesforceClient, api_usage_key
from sync.dashboard import _links, health_summary
from sync.models import JobStatus, SyncJob

from .factories import LogEntryFactory, SyncJobFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/dashboard/"
LONG_AGO = dt.timedelta(days=2)


@pytest.fixture(autouse=True)
def no_usage_reading(settings) -> Iterator[None]:
    """No API usage reading for the configured org (only that key: the cache may be Redis)."""
    key = api_usage_key()
    cache.delete(key)
    yield
    cache.delete(key)


@pytest.fixture
def salesforce(salesforce_emulator) -> Iterator[str]:
    """The Salesforce emulator, with no usage reading nor token left from another test."""
    key = api_usage_key()
    cache.delete(key)
    salesforce_client._tokens.clear()
    yield salesforce_emulator.url
    cache.delete(key)
    salesforce_client._tokens.clear()


def job(status: str, *, finished: dt.timedelta | None = None, **fields) -> SyncJob:
    finished_at = timezone.now() - finished if finished is not None else None
    return SyncJobFactory(
        dedupe_key=f"key-{SyncJob.objects.count()}",
        status=status,
        finished_at=finished_at,
        **fields,
    )


def log(outcome: str, *, age: dt.timedelta | None = None, **fields) -> LogEntry:
    entry = LogEntryFactory(outcome=outcome, **fields)
    if age is not None:
        LogEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - age)
    return entry


@pytest.fixture
def health() -> dict:
    """A little of everything the dashboard counts, with old rows it must leave out."""
    now = timezone.now()
    old_pending = job(JobStatus.PENDING)
    SyncJob.objects.filter(pk=old_pending.pk).update(created_at=now - dt.timedelta(hours=3))
    job(JobStatus.PENDING)
    job(JobStatus.RUNNING)
    job(JobStatus.FAILED, finished=dt.timedelta(minutes=5), last_error="NetSuite said no")
    job(JobStatus.FAILED, finished=LONG_AGO)
    for _ in range(3):
        job(JobStatus.DONE, finished=dt.timedelta(hours=1))
    job(JobStatus.DONE, finished=LONG_AGO)
    job(JobStatus.SUPERSEDED, finished=dt.timedelta(hours=1))

    log("success")
    log("success")
    log("skipped", reason="Create Only is on")
    log("error", reason="USER_ERROR: You must enter a value for Company Name.")
    log("error", reason="INVALID_LOGIN: token refused", salesforce_id="001000000000009AAA")
    log("error", reason="an old error", age=LONG_AGO)
    log("success", age=LONG_AGO)

    # bulk_create: no post_save, so no sync job (and no NetSuite call) joins the figures.
    Account.objects.bulk_create(
        [
            Account(salesforce_id="001000000000101AAA", name="Linked", netsuite_id="501"),
            Account(
                salesforce_id="001000000000102AAA",
                name="Linked, failing",
                netsuite_id="502",
                last_sync_error="Customer is locked",
                status_pending_since=now - dt.timedelta(minutes=30),
            ),
            Account(salesforce_id="001000000000103AAA", name="Unlinked"),
        ]
    )
    old_pending.refresh_from_db()
    return {"oldest_pending": old_pending}


def figures(html: str) -> dict[str, tuple[str, str]]:
    """Each dashboard row's label -> (the link behind it, the figure shown)."""
    rows = re.findall(
        r'<th scope="row"><a href="([^"]*)">([^<]+)</a></th>\s*<td class="figure[^"]*">([^<]*)',
        html,
    )
    return {label: (href.replace("&amp;", "&"), figure.strip()) for href, label, figure in rows}


# -- who sees it ---------------------------------------------------------------------------------
def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={DASHBOARD}"


def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("clerk", password="x"))

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_index_links_to_the_dashboard(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert reverse("sfns-dashboard") == DASHBOARD
    assert f'<a href="{DASHBOARD}">Dashboard</a>' in response.content.decode()
    assert "Sync jobs" in response.content.decode()  # the app list is still there


# -- the figures ---------------------------------------------------------------------------------
def test_health_summary_counts_what_the_rows_say(health):
    summary = health_summary()

    jobs = summary["jobs"]
    assert (jobs["pending"], jobs["running"], jobs["failed"], jobs["done"]) == (2, 1, 1, 3)
    assert jobs["oldest_pending_at"] == health["oldest_pending"].created_at
    log_ = summary["log"]
    assert (log_["success"], log_["skipped"], log_["error"]) == (2, 1, 2)
    assert [e.reason for e in log_["recent_errors"]] == [
        "INVALID_LOGIN: token refused",
        "USER_ERROR: You must enter a value for Company Name.",
        "an old error",
    ]
    accounts = summary["accounts"]
    assert (accounts["linked"], accounts["unlinked"], accounts["with_error"]) == (2, 1, 1)
    assert accounts["status_pending"] == 1
    assert accounts["oldest_status_pending_since"] < timezone.now()
    assert summary["salesforce_api"] is None


def test_health_summary_on_an_empty_database():
    summary = health_summary()

    assert summary["jobs"] == {
        "pending": 0,
        "running": 0,
        "failed": 0,
        "done": 0,
        "oldest_pending_at": None,
    }
    assert (summary["log"]["error"], summary["log"]["recent_errors"]) == (0, [])
    assert summary["accounts"]["status_pending"] == 0


def test_only_the_last_ten_errors_are_listed(db):
    for n in range(12):
        log("error", reason=f"error {n}")

    reasons = [e.reason for e in health_summary()["log"]["recent_errors"]]

    assert reasons == [f"error {n}" for n in range(11, 1, -1)]


def test_health_summary_costs_the_same_few_queries_however_many_rows(
    health, django_assert_num_queries
):
    IntegrationSettings.load()  # the singleton exists once SFNS has run
    # Jobs, done jobs, log, recent errors, Accounts twice, the last reconcile, the settings.
    with django_assert_num_queries(8):
        health_summary()
    for n in range(20):
        job(JobStatus.FAILED, finished=dt.timedelta(minutes=n))
        log("error", reason=f"more {n}")

    with django_assert_num_queries(8):
        health_summary()


def test_staff_sees_the_figures_each_linked_to_its_admin_list(admin_client, health):
    response = admin_client.get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>SFNS health" in html
    shown = figures(html)
    assert {label: figure for label, (_, figure) in shown.items()} == {
        "Pending": "2",
        "Running": "1",
        "Failed in the last 24 h": "1",
        "Done in the last 24 h": "3",
        "Success": "2",
        "Skipped": "1",
        "Error": "2",
        "Linked to a NetSuite Customer": "2",
        "Not linked": "1",
        "Last sync failed": "1",
        "Status write-backs pending": "1 (oldest 30\xa0minutes)",
    }
    assert "3\xa0hours old" in html  # the oldest pending job
    assert "USER_ERROR: You must enter a value for Company Name." in html
    assert "001000000000009AAA" in html
    assert "Not read yet" in html
    # Every link opens its admin list filtered to exactly the rows counted.
    for label, (href, figure) in shown.items():
        listed = admin_client.get(href)
        assert listed.status_code == 200, label
        assert str(listed.context["cl"].result_count) == figure.split(" ")[0], label


def test_the_last_errors_link_to_their_log_entries(admin_client, health):
    newest = LogEntry.objects.filter(outcome="error").order_by("-created_at", "-id")[0]

    html = admin_client.get(DASHBOARD).content.decode()

    assert reverse("admin:integration_log_logentry_change", args=[newest.pk]) in html
    assert _links(timezone.now())["log_errors"].replace("&", "&amp;") in html


# -- the Salesforce API allocation ---------------------------------------------------------------
def test_salesforce_api_usage_is_shown_once_read(admin_client, salesforce):
    SalesforceClient().query("SELECT Id FROM Account")

    html = admin_client.get(DASHBOARD).content.decode()

    assert "1 / 15,000 (0.0%)" in html
    assert "Not read yet" not in html
    assert "Within the reserve" not in html
    api = health_summary()["salesforce_api"]
    assert (api["used"], api["allowed"], api["percent"], api["held_back"]) == (1, 15000, 0.0, False)
    assert timezone.now() - api["read_at"] < dt.timedelta(minutes=1)


def test_an_allocation_within_the_reserve_is_flagged(admin_client, salesforce):
    # REQUESTS_CA_BUNDLE (set by the emulator fixture) makes the emulator's HTTPS trusted.
    requests.post(
        f"{salesforce}/__emulator__/faults", json={"api_limit": 5000, "api_usage": 4759}, timeout=10
    ).raise_for_status()
    SalesforceClient().query("SELECT Id FROM Account")

    html = admin_client.get(DASHBOARD).content.decode()

    assert "4,760 / 5,000 (95.2%)" in html
    assert "Within the reserve: Salesforce jobs wait and retry instead of calling." in html
    assert re.search(r"Reserve kept</th>\s*<td[^>]*>5%</td>", html)


def test_the_last_reconcile_pass_its_findings_and_watermarks_are_shown(admin_client, db):
    from sync.models import ReconcileRun

    ReconcileRun.objects.create(
        finished_at=timezone.now(),
        found={"accounts": 3, "deleted": 1},
        salesforce_watermark=dt.datetime(2026, 11, 26, 5, 0, 7, tzinfo=dt.UTC),
        netsuite_watermark=dt.datetime(2026, 11, 26, 4, 59, 1, tzinfo=dt.UTC),
    )

    html = admin_client.get(DASHBOARD).content.decode()

    assert "3 accounts, 1 deleted" in html
    assert "2026-11-26 05:00:07" in html and "2026-11-26 04:59:01" in html
    assert "15 minutes" in html
    assert 'href="/admin/sync/reconcilerun/"' in html
