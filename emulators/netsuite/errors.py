"""NetSuite REST errors: RFC 9457-style problem details with NetSuite's o:errorDetails."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..base import json_response

# The RFC 9110 section of each status, as NetSuite's "type" links it: a SuiteQL 400 answers
# "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1".
_SECTIONS = {
    400: "15.5.1",
    401: "15.5.2",
    403: "15.5.4",
    404: "15.5.5",
    405: "15.5.6",
    406: "15.5.7",
    500: "15.6.1",
    503: "15.6.4",
}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


def ns_error(
    status: int,
    code: str,
    detail: str,
    path: str | None = None,
    *,
    header: str | None = None,
    query_param: str | None = None,
) -> Response:
    """path: the JSON path in the body at fault (o:errorPath); header: the request header;
    query_param: the URL or SuiteQL parameter at fault (o:errorQueryParam, "q" for a query)."""
    error: dict[str, Any] = {"detail": detail, "o:errorCode": code}
    if path:
        error["o:errorPath"] = path
    if header:
        error["o:errorHeader"] = header
    if query_param:
        error["o:errorQueryParam"] = query_param
    section = _SECTIONS.get(status, f"15.{status // 100 + 1}")
    return json_response(
        {
            "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-{section}",
            "title": _TITLES.get(status, "Error"),
            "status": status,
            "o:errorDetails": [error],
        },
        status,
    )
