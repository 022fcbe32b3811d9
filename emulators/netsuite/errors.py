"""NetSuite REST errors: RFC 9457-style problem details with NetSuite's o:errorDetails."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..base import json_response


def ns_error(
    status: int, code: str, detail: str, path: str | None = None, *, header: str | None = None
) -> Response:
    """path: the JSON path in the body at fault (o:errorPath); header: the request header."""
    titles = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        406: "Not Acceptable",
        429: "Too Many Requests",
        503: "Service Unavailable",
    }
    error: dict[str, Any] = {"detail": detail, "o:errorCode": code}
    if path:
        error["o:errorPath"] = path
    if header:
        error["o:errorHeader"] = header
    return json_response(
        {
            "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.{status // 100}",
            "title": titles.get(status, "Error"),
            "status": status,
            "o:errorDetails": [error],
        },
        status,
    )
