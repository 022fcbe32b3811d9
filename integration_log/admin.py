from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from .models import LogEntry


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only evidence."""

    list_display = [
        "created_at",
        "operation",
        "direction",
        "outcome",
        "salesforce_id",
        "netsuite_id",
        "short_reason",
        "attempt",
        "duration_ms",
    ]
    list_filter = ["outcome", "direction", "operation"]
    search_fields = ["=salesforce_id", "=netsuite_id", "reason"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [
        "created_at",
        "operation",
        "direction",
        "outcome",
        "reason",
        "salesforce_id",
        "netsuite_id",
        "pretty_request",
        "pretty_response",
        "pretty_diff",
        "duration_ms",
        "attempt",
        "job_id",
    ]
    exclude = ["request", "response", "diff"]

    @admin.display(description="reason")
    def short_reason(self, obj: LogEntry) -> str:
        return obj.reason[:100]

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
