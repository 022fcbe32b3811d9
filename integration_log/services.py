"""Writing to the integration log. Everything recorded goes through redact() first."""

from __future__ import annotations

import re
from typing import Any

from sfns.bulk import bulk_insert

from .models import LogEntry

# Keys whose values are credentials wherever they appear (headers, OAuth bodies, payloads).
_SECRET_KEY = re.compile(
    r"(authorization|password|secret|token|assertion|session_?id|signature|api_?key|cookie)",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def redact(value: Any) -> Any:
    """A copy of value with every credential-looking key's value replaced."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def entry(
    *,
    operation: str,
    direction: str,
    outcome: str,
    reason: str = "",
    salesforce_id: str = "",
    netsuite_id: str = "",
    request: Any = None,
    response: Any = None,
    diff: Any = None,
    duration_ms: int | None = None,
    attempt: int = 1,
    job_id: int | None = None,
) -> LogEntry:
    """A log entry, redacted and not saved yet: for callers that save many at once."""
    return LogEntry(
        operation=operation,
        direction=direction,
        outcome=outcome,
        reason=reason,
        salesforce_id=salesforce_id or "",
        netsuite_id=netsuite_id or "",
        request=redact(request),
        response=redact(response),
        diff=diff,
        duration_ms=duration_ms,
        attempt=attempt,
        job_id=job_id,
    )


def record(**fields: Any) -> LogEntry:
    """Write one log entry (the arguments of entry())."""
    logged = entry(**fields)
    logged.save()
    return logged


def record_many(entries: list[LogEntry]) -> None:
    """Write entries made by entry() in one statement."""
    bulk_insert(entries)
