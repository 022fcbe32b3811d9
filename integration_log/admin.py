"""
The integration log in the admin: read-only, one row a line that fits a laptop screen (the
outcome as a badge in colour and words, times to the second, the reason cut short with the
whole of it on hover), filtered by outcome, direction, operation and a range of dates.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sfns.admin_common import admin_time, badge, search_salesforce_ids

from .models import Direction, LogEntry, Operation, Outcome

OUTCOME_BADGES = {
    Outcome.SUCCESS: ("success", "✓"),
    Outcome.SKIPPED: ("warning", "↷"),
    Outcome.ERROR: ("error", "✗"),
}
# Who wrote to whom, in a few characters; the full words are the cell's title.
DIRECTION_ARROWS = {
    Direction.TO_NETSUITE: "SFNS → NetSuite",
    Direction.TO_SALESFORCE: "SFNS → Salesforce",
    Direction.FROM_SALESFORCE: "Salesforce → SFNS",
    Direction.FROM_NETSUITE: "NetSuite → SFNS",
}
REASON_SHOWN = 90  # characters of the reason in the list; the title holds the rest


def outcome_badge(outcome: str) -> SafeString:
    tone, symbol = OUTCOME_BADGES.get(outcome, ("neutral", ""))
    label = Outcome(outcome).label if outcome in Outcome.values else outcome
    return badge(label, tone, symbol=symbol)


def operation_short(operation: str) -> str:
    """The operation's name without its explanation: "Push", not "Push (Account to ...)"."""
    label = Operation(operation).label if operation in Operation.values else operation
    return label.split(" (", 1)[0]


def short_reason(reason: str, length: int = REASON_SHOWN) -> SafeString | str:
    if len(reason) <= length:
        return reason
    return format_html('<span title="{}">{}…</span>', reason[:2000], reason[: length - 1])


def logged_records(entry: LogEntry) -> tuple[str, list[str]]:
    """
    The Salesforce records a write-back entry wrote, as (sObject, ids): the ids it stored, or
    for entries older than that, the records of the request it logged.
    """
    request = entry.request if isinstance(entry.request, dict) else {}
    ids = request.get("ids")
    if ids is None:
        body = request.get("body")
        records = body.get("records") if isinstance(body, dict) else None
        ids = [r.get("id") for r in records or [] if isinstance(r, dict)]
    sobject = request.get("sobject") or ("Contact" if "Contact(s)" in entry.reason else "Account")
    return str(sobject), [i for i in ids if isinstance(i, str) and i]


class DateRangeFilter(admin.ListFilter):
    """
    From one date to another (both included), in the admin's time zone: two date inputs.
    A date that is not one is said so beside the inputs, and left out of the query.
    """

    title = "date"
    template = "admin/integration_log/date_range_filter.html"
    field_path = "created_at"

    def __init__(self, request, params, model, model_admin) -> None:
        super().__init__(request, params, model, model_admin)
        self.errors: list[str] = []
        for name in self.expected_parameters():
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = value[-1] if isinstance(value, list) else value

    def expected_parameters(self) -> list[str]:
        return [f"{self.field_path}__from", f"{self.field_path}__to"]

    def has_output(self) -> bool:
        return True

    def _date(self, name: str) -> dt.date | None:
        text = (self.used_parameters.get(name) or "").strip()
        if not text:
            return None
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            self.errors.append(f"“{text[:40]}” is not a date (YYYY-MM-DD): left out.")
            return None
        if not 1900 <= date.year <= 9998:  # a day's end and a time zone must stay in range
            self.errors.append(f"“{text[:40]}” is outside the years 1900-9998: left out.")
            return None
        return date

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        start_name, end_name = self.expected_parameters()
        self.errors = []
        start, end = self._date(start_name), self._date(end_name)
        if start is not None:
            since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
            queryset = queryset.filter(**{f"{self.field_path}__gte": since})
        if end is not None:
            until = timezone.make_aware(
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
            )
            queryset = queryset.filter(**{f"{self.field_path}__lt": until})
        return queryset

    def choices(self, changelist) -> list[dict[str, Any]]:
        start_name, end_name = self.expected_parameters()
        kept = {"p", "e", start_name, end_name}
        return [
            {
                "start_name": start_name,
                "end_name": end_name,
                "start": self.used_parameters.get(start_name, ""),
                "end": self.used_parameters.get(end_name, ""),
                "errors": self.errors,
                "hidden": [(k, v) for k, v in self.request.GET.items() if k not in kept],
                "clear": changelist.get_query_string(remove=[start_name, end_name]),
                "active": bool(self.used_parameters),
            }
        ]


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only evidence."""

    list_display = ["when", "outcome_badge", "what", "record", "reason_shown", "took"]
    list_display_links = ["when"]
    list_filter = ["outcome", DateRangeFilter, "direction", "operation"]
    search_fields = ["=salesforce_id", "=netsuite_id", "reason"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # counts per choice would read the whole table
    readonly_fields = [
        "when",
        "operation",
        "direction",
        "outcome_badge",
        "reason",
        "salesforce_id",
        "netsuite_id",
        "records",
        "pretty_request",
        "pretty_response",
        "pretty_diff",
        "duration_ms",
        "attempt",
        "job_id",
    ]
    exclude = ["request", "response", "diff", "outcome", "created_at"]

    def get_search_results(self, request, queryset, search_term):
        # A 15-character Salesforce id finds the entries of its 18-character form.
        return search_salesforce_ids(super().get_search_results, request, queryset, search_term)

    @admin.display(description="when", ordering="created_at")
    def when(self, obj: LogEntry) -> str:
        return admin_time(obj.created_at)

    @admin.display(description="outcome", ordering="outcome")
    def outcome_badge(self, obj: LogEntry) -> SafeString:
        return outcome_badge(obj.outcome)

    @admin.display(description="operation", ordering="operation")
    def what(self, obj: LogEntry) -> SafeString:
        return format_html(
            '<span title="{}">{}</span><br><small title="{}">{}</small>',
            obj.get_operation_display(),
            operation_short(obj.operation),
            obj.get_direction_display(),
            DIRECTION_ARROWS.get(obj.direction, obj.get_direction_display()),
        )

    @admin.display(description="record")
    def record(self, obj: LogEntry) -> SafeString | str:
        if obj.operation == Operation.STATUS_WRITEBACK and not obj.salesforce_id:
            sobject, ids = logged_records(obj)
            return f"{len(ids)} {sobject}(s)" if ids else ""
        return format_html(
            "{}{}",
            obj.salesforce_id,
            format_html("<br><small>NetSuite {}</small>", obj.netsuite_id)
            if obj.netsuite_id
            else "",
        )

    @admin.display(description="records written")
    def records(self, obj: LogEntry) -> str:
        sobject, ids = logged_records(obj)
        return f"{sobject}: {', '.join(ids)}" if ids else "—"

    @admin.display(description="reason")
    def reason_shown(self, obj: LogEntry) -> SafeString | str:
        return short_reason(obj.reason)

    @admin.display(description="took", ordering="duration_ms")
    def took(self, obj: LogEntry) -> SafeString | str:
        """The duration, and the attempt when it was not the first."""
        ms = obj.duration_ms
        took = "" if ms is None else f"{ms} ms" if ms < 10_000 else f"{ms / 1000:.0f} s"
        if obj.attempt > 1:
            return format_html("{}<br><small>attempt {}</small>", took, obj.attempt)
        return took

    def _pretty(self, value) -> str:
        return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))

    @admin.display(description="request")
    def pretty_request(self, obj: LogEntry) -> str:
        return self._pretty(obj.request)

    @admin.display(description="response")
    def pretty_response(self, obj: LogEntry) -> str:
        return self._pretty(obj.response)

    @admin.display(description="field changes")
    def pretty_diff(self, obj: LogEntry) -> str:
        return self._pretty(obj.diff)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
