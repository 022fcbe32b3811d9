"""
The HTTP session every Salesforce call goes through (simple-salesforce's data calls and the
OAuth token request): a timeout on every request, the API reserve's check before sending, and
an Exchange of every request for the integration log, with no credential in it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from .exchanges import TEXT_LIMIT, Exchange, body_of

# The OAuth endpoints take credentials in their form (client_secret, password, assertion) and
# answer with tokens: their exchanges keep only these fields, so no credential reaches a log.
OAUTH_PATH = "/services/oauth2/"
OAUTH_REQUEST_FIELDS = ("grant_type",)
OAUTH_ANSWER_FIELDS = ("instance_url", "token_type", "issued_at", "error", "error_description")


class TimeoutSession(requests.Session):
    """
    A session that gives every request a timeout unless the caller set one, first runs
    `before_send(url)`, which may refuse the request by raising, and hands an Exchange of every
    request, answered or not, to `record`. Every request simple-salesforce sends comes here.
    """

    def __init__(
        self,
        timeout: tuple[float, float],
        *,
        before_send: Callable[[str], None] | None = None,
        record: Callable[[Exchange], None] | None = None,
    ) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.before_send = before_send
        self.record = record

    def request(
        self, method: str, url: str, params: Any = None, data: Any = None, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        started = time.monotonic()
        response = None
        try:
            # A request before_send refuses is recorded too, with no status, like one that got
            # no answer: the log entry of the refusal then shows the call that was held back,
            # not whichever call this client made before it.
            if self.before_send is not None:
                self.before_send(url)
            response = super().request(method, url, params, data, *args, **kwargs)
            return response
        finally:
            if self.record is not None:
                self.record(
                    _exchange(
                        method,
                        url,
                        params=params,
                        body=data if kwargs.get("json") is None else kwargs["json"],
                        response=response,
                        duration_ms=int((time.monotonic() - started) * 1000),
                    )
                )


def _exchange(
    method: str,
    url: str,
    *,
    params: Any,
    body: Any,
    response: requests.Response | None,
    duration_ms: int,
) -> Exchange:
    """
    What the integration log keeps of one request: the path on the instance with its query
    string, the body (simple-salesforce sends JSON text), the status and the answer.
    """
    path = _path(url, params)
    request = _request_body(body)
    answer = body_of(response.content) if response is not None else None
    # "in", not startswith: a login URL may be a site with a path of its own.
    if OAUTH_PATH in path.partition("?")[0]:
        request = _only(_form(body), OAUTH_REQUEST_FIELDS)
        answer = _only(answer, OAUTH_ANSWER_FIELDS) if isinstance(answer, dict) else answer
    return Exchange(
        method=method.upper(),
        path=path,
        request=request,
        status=response.status_code if response is not None else None,
        response=answer,
        duration_ms=duration_ms,
    )


def _path(url: str, params: Any) -> str:
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, params)  # the query string exactly as requests sends it
    except requests.RequestException:  # a URL requests cannot send: the request failed on it
        return url
    parts = urlsplit(prepared.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _request_body(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body[:TEXT_LIMIT]
    if isinstance(body, dict | list):
        return body
    return None  # a file or a generator: nothing simple-salesforce or SFNS sends


def _form(body: Any) -> dict[str, Any]:
    """A form body as a dict, however it was given (dict, pairs or encoded text)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return dict(parse_qsl(body))
    try:
        return dict(body or {})
    except (TypeError, ValueError):
        return {}


def _only(values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {name: values[name] for name in fields if name in values}
