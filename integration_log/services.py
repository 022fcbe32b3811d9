"""Writing to the integration log. Everything recorded goes through redact() first."""

from __future__ import annotations

import re
from typing import Any

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


def record(
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
    return LogEntry.objects.create(
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
