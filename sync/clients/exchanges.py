"""
The HTTP round trips a client makes, kept on the client (`client.exchanges`) so the services can
write the last one into the integration log. Shared by the NetSuite and Salesforce clients.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Enough of an HTML error page or a proxy's answer to see what it was, not a whole page per log.
TEXT_LIMIT = 2000


@dataclass
class Exchange:
    """
    One HTTP round trip, kept for the integration log (no headers: they hold credentials).
    status and response are None when no answer came: a connection error, a timeout, or a
    request the client held back before sending it.
    """

    method: str
    path: str
    request: Any
    status: int | None
    response: Any
    duration_ms: int


def body_of(content: bytes) -> Any:
    """A body as the log keeps it: parsed JSON when it is JSON, else its text, cut."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:  # (UnicodeDecodeError is one)
        return content.decode("utf-8", "replace")[:TEXT_LIMIT]
