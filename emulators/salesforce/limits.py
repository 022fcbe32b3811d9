"""
The envelope of every REST data call: the API version in the path, a bearer session, the org's
daily API allocation (403 REQUEST_LIMIT_EXCEEDED when spent) and the Sforce-Limit-Info header.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ApiError, not_found
from .users import acting_as

if TYPE_CHECKING:
    from .app import SalesforceEmulator

VERSION_RE = re.compile(r"^v\d+\.\d$")
OLDEST_VERSION, NEWEST_VERSION = 31, 62  # Summer '14 to Winter '25


def api_versions() -> list[dict[str, str]]:
    """GET /services/data/: the versions the org serves, oldest first, with their release."""
    versions = []
    for number in range(OLDEST_VERSION, NEWEST_VERSION + 1):
        # Three releases a year: Spring '24 is v60.0, Summer '24 v61.0, Winter '25 v62.0.
        step = number - 60
        season = ("Spring", "Summer", "Winter")[step % 3]
        year = 24 + step // 3 + (season == "Winter")
        versions.append(
            {
                "label": f"{season} '{year:02d}",
                "url": f"/services/data/v{number}.0",
                "version": f"{number}.0",
            }
        )
    return versions


# Set in the WSGI environ of a Composite subrequest (composite.py): the composite request has
# counted the one API call for all of them.
SUBREQUEST_KEY = "sfns.composite_subrequest"


def api_call(method: Callable[..., Response]) -> Callable[..., Response]:
    """
    Version check, bearer session, daily API allocation and Sforce-Limit-Info header; the call
    acts as its session's user.
    """

    @functools.wraps(method)
    def wrapper(
        self: SalesforceEmulator, request: Request, version: str, **values: Any
    ) -> Response:
        self.remember_url(request)
        session = self.session_for(request)
        if session is None:
            return self.invalid_session()
        headers: dict[str, str] = {}
        if not request.environ.get(SUBREQUEST_KEY):
            refused, headers = self.charge_api_call()
            if refused is not None:
                return refused
        if not VERSION_RE.match(version) or not OLDEST_VERSION <= float(version[1:]) <= (
            NEWEST_VERSION
        ):
            response = not_found().response()  # a version this org does not serve
        else:
            try:
                with acting_as(session["user_id"]):  # whose change it is, for the flows
                    response = method(self, request, version, **values)
            except ApiError as exc:
                response = exc.response()
        response.headers.update(headers)
        return response

    return wrapper


class LimitsMixin:
    """The allocation as the API reports it; uses the emulator's state and lock."""

    def charge_api_call(self) -> tuple[Response | None, dict[str, str]]:
        """Count one call: (None, headers), or (403 REQUEST_LIMIT_EXCEEDED, headers) when spent."""
        with self.lock:
            # The allocation is a rolling 24 hours; a calendar day (UTC) is close enough here.
            today = dt.datetime.now(dt.UTC).date().isoformat()
            if self.state.get("api_usage_day") != today:
                self.state["api_usage_day"], self.state["api_usage"] = today, 0
            if self.state["api_usage"] >= self.state["api_limit"]:
                headers = self.limit_headers()
                error = ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                return error.response(headers), headers
            self.state["api_usage"] += 1
            self.save_state()
            return None, self.limit_headers()

    def limit_headers(self) -> dict[str, str]:
        usage = f"api-usage={self.state['api_usage']}/{self.state['api_limit']}"
        return {"Sforce-Limit-Info": usage}

    @api_call
    def limits(self, request: Request, version: str) -> Response:
        with self.lock:
            used, limit = self.state["api_usage"], self.state["api_limit"]
        return json_response({"DailyApiRequests": {"Max": limit, "Remaining": limit - used}})
