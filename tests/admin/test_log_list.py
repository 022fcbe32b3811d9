"""
The integration log in the admin: outcomes as badges in colour and in words, times to the
second, the reason in full on hover, a range of dates, and write-backs naming their records.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from integration_log.models import LogEntry

from ..factories import AccountFactory, LogEntryFactory

pytestmark = pytest.mark.django_db

LOG = "/admin/integration_log/logentry/"


def at(entry: LogEntry, when: dt.datetime) -> LogEntry:
    LogEntry.objects.filter(pk=entry.pk).update(created_at=when)
    entry.refresh_from_db()
    return entry


def listed(client, **params) -> str:
    response = client.get(LOG, params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_outcomes_are_badges_in_colour_and_in_words(admin_client):
    for outcome in ("success", "skipped", "error"):
        LogEntryFactory(outcome=outcome)

    page = listed(admin_client)

    for tone, words in (
        ("success", "✓\xa0Success"),
        ("warning", "↷\xa0Skipped"),
        ("error", "✗\xa0Error"),
    ):
        badge = re.search(rf'<span class="sfns-badge sfns-badge-{tone}"[^>]*>([^<]*)</span>', page)
        assert badge and badge.group(1) == words, tone
    assert "background:#1e7b34" in page and "background:#b42318" in page


def test_times_are_shown_to_the_second_so_one_minutes_rows_order(admin_client):
    base = dt.datetime(2026, 11, 26, 5, 0, 7, tzinfo=dt.UTC)
    at(LogEntryFactory(reason="first"), base)
    at(LogEntryFactory(reason="second"), base + dt.timedelta(seconds=30))

    page = listed(admin_client)

    assert page.index("2026-11-26 05:00:37") < page.index("2026-11-26 05:00:07")


def test_a_long_reason_is_cut_short_with_the_whole_of_it_on_hover(admin_client):
    reason = "USER_ERROR: " + "Please enter value(s) for: Company Name. " * 10
    LogEntryFactory(outcome="error", reason=reason)

    page = listed(admin_client)

    assert f'title="{reason}"' in page
    assert reason not in page.replace(f'title="{reason}"', "")


def test_the_list_keeps_to_a_few_columns(admin_client):
    LogEntryFactory()

    page = admin_client.get(LOG).content.decode()
    headers = re.findall(r'<th scope="col"\s+class="([^"]+)"', page)

    assert [h.split("column-")[-1].split()[0] for h in headers if "column-" in h] == [
        "when",
        "outcome_badge",
        "what",
        "record",
        "reason_shown",
        "took",
    ]


# -- the date range ------------------------------------------------------------------------------
@pytest.fixture
def days():
    """One entry on each of three days."""
    return {
        day: at(
            LogEntryFactory(reason=f"on the {day}th"),
            dt.datetime(2026, 11, day, 12, 0, tzinfo=dt.UTC),
        )
        for day in (24, 25, 26)
    }


def test_the_date_range_keeps_both_ends(admin_client, days):
    page = listed(admin_client, created_at__from="2026-11-25", created_at__to="2026-11-26")

    assert "on the 25th" in page and "on the 26th" in page
    assert "on the 24th" not in page
    assert 'value="2026-11-25"' in page and 'value="2026-11-26"' in page


def test_the_date_range_may_be_open_at_either_end(admin_client, days):
    since = listed(admin_client, created_at__from="2026-11-26")
    until = listed(admin_client, created_at__to="2026-11-24")

    assert "on the 26th" in since and "on the 25th" not in since
    assert "on the 24th" in until and "on the 25th" not in until


def test_the_date_range_keeps_the_other_filters(admin_client, days):
    page = listed(admin_client, outcome__exact="success", created_at__from="2026-11-25")

    assert '<input type="hidden" name="outcome__exact" value="success">' in page


def test_a_date_that_is_not_one_is_said_so_not_a_server_error(admin_client, days):
    page = listed(admin_client, created_at__from="2026-13-45", created_at__to="2026-11-24")

    assert "“2026-13-45” is not a date (YYYY-MM-DD): left out." in page
    assert "on the 24th" in page and "on the 25th" not in page  # the good end still holds


@pytest.mark.parametrize("end", ["9999-12-31", "0001-01-01"])
def test_a_date_out_of_range_is_said_so_not_a_server_error(admin_client, days, end):
    page = listed(admin_client, created_at__to=end)

    assert f"“{end}” is outside the years 1900-9998: left out." in page
    assert "on the 24th" in page and "on the 26th" in page  # no end: every day


def test_the_dashboards_links_into_the_log_still_filter_it(admin_client, days):
    after = dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC).isoformat()

    page = listed(admin_client, created_at__gte=after)

    assert "on the 25th" in page and "on the 24th" not in page


# -- the records ---------------------------------------------------------------------------------
def test_an_entry_names_its_record_and_links_to_it(admin_client, field_mappings):
    account = AccountFactory(name="Acme")
    LogEntryFactory(salesforce_id=account.salesforce_id, netsuite_id="100")

    page = listed(admin_client)

    assert f'<a href="/admin/accounts/account/{account.salesforce_id}/change/">Acme</a>' in page
    assert "NetSuite 100" in page


def test_a_write_back_names_its_records(admin_client, field_mappings):
    accounts = [AccountFactory(name=name) for name in ("Acme", "Globex", "Initech", "Umbrella")]
    ids = [a.salesforce_id for a in accounts]
    entry = LogEntryFactory(
        operation="status_writeback",
        direction="to_salesforce",
        reason="4 of 4 Account(s) updated",
        request={"sobject": "Account", "records": 4, "fields": ["id"], "ids": ids},
    )

    page = listed(admin_client)

    row = page[page.index("4 Accounts: ") :]
    row = row[: row.index("</td>")]
    for account in accounts[:3]:
        assert f'<a href="/admin/accounts/account/{account.salesforce_id}/change/">' in row
    assert "Umbrella" not in row  # three in the list; one link away
    assert f"salesforce_id__in={'%2C'.join(ids)}" in row and "all 4" in row

    entry_page = admin_client.get(
        reverse("admin:integration_log_logentry_change", args=[entry.pk])
    ).content.decode()
    assert all(a.name in entry_page for a in accounts)
    all_four = admin_client.get(
        reverse("admin:accounts_account_changelist"), {"salesforce_id__in": ",".join(ids)}
    )
    assert all_four.context["cl"].result_count == 4


def test_an_older_write_back_is_named_from_the_request_it_logged(admin_client, field_mappings):
    account = AccountFactory(name="Acme")
    LogEntryFactory(
        operation="status_writeback",
        direction="to_salesforce",
        outcome="error",
        reason="Salesforce did not answer",
        request={
            "method": "PATCH",
            "path": "composite/sobjects",
            "body": {"allOrNone": False, "records": [{"id": account.salesforce_id}]},
        },
    )

    page = listed(admin_client)

    assert "1 Account: " in page
    assert f'<a href="/admin/accounts/account/{account.salesforce_id}/change/">Acme</a>' in page


def test_naming_the_records_of_a_page_costs_a_query_a_model(
    admin_client, field_mappings, django_assert_max_num_queries
):
    for n in range(30):
        account = AccountFactory(name=f"Co {n}")
        LogEntryFactory(salesforce_id=account.salesforce_id)
        LogEntryFactory(
            operation="status_writeback",
            request={"sobject": "Account", "ids": [account.salesforce_id]},
        )
    admin_client.get(LOG)  # the session and the user, once

    with django_assert_max_num_queries(12):
        assert admin_client.get(LOG).status_code == 200


def test_from_today_leaves_out_older_entries(admin_client):
    entry = LogEntryFactory(reason="just now")
    at(entry, timezone.now() - dt.timedelta(days=3))

    page = listed(admin_client, created_at__from=timezone.localdate().isoformat())

    assert "just now" not in page
