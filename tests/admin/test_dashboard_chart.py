"""
The dashboard's chart of syncs per hour by outcome over the last 24 hours: one aggregate
query, the right counts in the right hours, and an SVG with a text alternative (no script).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from integration_log.models import LogEntry
from sync.dashboard_chart import chart, hourly_counts, tick_step

from ..factories import LogEntryFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 14, 25, 0, tzinfo=dt.UTC)


def logged(outcome: str, when: dt.datetime) -> None:
    entry = LogEntryFactory(outcome=outcome)
    LogEntry.objects.filter(pk=entry.pk).update(created_at=when)


@pytest.fixture
def known():
    logged("success", NOW - dt.timedelta(minutes=5))  # 14:00, the current hour
    logged("success", NOW - dt.timedelta(minutes=20))  # 14:00
    logged("error", NOW - dt.timedelta(minutes=24))  # 14:01, still 14:00
    logged("skipped", NOW - dt.timedelta(hours=1))  # 13:00
    logged("error", NOW - dt.timedelta(hours=23))  # 15:00 yesterday, the first hour
    logged("success", NOW - dt.timedelta(hours=24, minutes=30))  # before the window


def test_the_counts_are_per_hour_and_outcome_over_the_last_24_hours(known):
    buckets = hourly_counts(now=NOW)

    assert len(buckets) == 24
    assert buckets[0]["hour"] == dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
    assert buckets[-1]["hour"] == dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)
    by_hour = {b["hour"].hour: (b["success"], b["skipped"], b["error"]) for b in buckets}
    assert by_hour[14] == (2, 0, 1)
    assert by_hour[13] == (0, 1, 0)
    assert by_hour[15] == (0, 0, 1)
    assert sum(sum(counts) for counts in by_hour.values()) == 5


def test_the_counts_cost_one_query_however_many_entries(known, django_assert_num_queries):
    for n in range(50):
        logged("success", NOW - dt.timedelta(minutes=n * 20))

    with django_assert_num_queries(1):
        hourly_counts(now=NOW)


def test_the_bars_stack_to_their_totals_on_a_round_axis(known):
    drawn = chart(hourly_counts(now=NOW))

    last = drawn["bars"][-1]
    assert last["label"] == "14:00 to 15:00" and last["total"] == 3
    assert [r["colour"] for r in last["rects"]] == ["#1e7b34", "#b42318"]  # success, then error
    assert [t["text"] for t in drawn["ticks"]] == ["0", "1", "2", "3", "4"]
    full = drawn["bottom"] - drawn["top"]
    assert sum(r["height"] for r in last["rects"]) == pytest.approx(full * 3 / 4, abs=0.2)
    # The time axis is labelled every three hours, back from the current one.
    assert [bar["tick"]["text"] for bar in drawn["bars"] if bar["tick"]][-2:] == ["11:00", "14:00"]
    assert drawn["bars"][-2]["tick"] is None
    assert drawn["total"] == 5


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (4, 1), (5, 2), (8, 2), (9, 5), (20, 5), (21, 10), (401, 200)]
)
def test_the_axis_steps_are_round_and_four_reach_the_largest_bar(largest, step):
    assert tick_step(largest) == step


def test_the_dashboard_draws_the_chart_with_a_text_alternative(admin_client, known, settings):
    entries = LogEntry.objects.count()
    html = admin_client.get("/admin/dashboard/").content.decode()

    chart_html = html[html.index('id="sfns-chart"') :]
    svg = chart_html[chart_html.index("<svg") : chart_html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count('<g class="sfns-bar">') == 24
    assert "<script" not in html[html.index('id="sfns-chart"') :]
    table = html[html.index("The figures as a table") :]
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>((?:<td>\d+</td>)+)", table)
    assert len(rows) == 24
    counted = sum(int(n) for _, cells in rows for n in re.findall(r"<td>(\d+)</td>", cells)[:3])
    assert counted <= entries  # only the last 24 hours; the dashboard counts from now
    assert "Success" in html and "Skipped" in html and "Error" in html  # the legend


def test_an_empty_log_draws_an_empty_chart(admin_client):
    drawn = chart(hourly_counts(now=timezone.now()))

    assert drawn["total"] == 0 and all(bar["rects"] == [] for bar in drawn["bars"])
    assert admin_client.get("/admin/dashboard/").status_code == 200
