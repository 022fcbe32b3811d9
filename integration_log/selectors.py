"""Reads of the integration log that aggregate it in the database."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncHour

from .models import LogEntry


def log_outcomes_per_hour(*, since: dt.datetime) -> dict[tuple[dt.datetime, str], int]:
    """
    Log entries since a time by (hour, outcome), the hour in the current time zone: one
    aggregate query over the created_at index, however many entries.
    """
    rows = (
        LogEntry.objects.filter(created_at__gte=since)
        .annotate(hour=TruncHour("created_at"))
        .values("hour", "outcome")
        .annotate(count=Count("pk"))
        .order_by("hour", "outcome")
    )
    return {(row["hour"], row["outcome"]): row["count"] for row in rows}
