"""
The REST Composite resource: POST .../composite runs up to 25 subrequests, in order, through the
emulator's own routes and handlers, and the whole request counts as one API call.

REST API Developer Guide, "Composite" ("The entire series of requests counts as a single call
toward your API limits"; up to 25 subrequests, of which up to 5 query or sObject Collections
operations; supported: sObject resources, Query, QueryAll, sObject Collections), "Composite
Request Body" (method POST/PUT/PATCH/GET/DELETE, url starting /services/data/vXX.X/, referenceId
of letters, digits and underscores; Accept, Authorization and Content-Type are inherited and a
subrequest that sets one fails the whole request with 400), "Composite Subrequest Result" (each
answer's body, httpHeaders without Content-Length, httpStatusCode, referenceId; with allOrNone
true and an error, every other subrequest answers 400) and "allOrNone Parameters in Composite and
Collections Requests" (PROCESSING_HALTED, "The transaction was rolled back since another operation
in the same transaction failed."). A malformed body is a 400 JSON_PARSER_ERROR before any
subrequest runs ("Handle Errors with Composite Resources", Salesforce developer blog, 2017).

Not emulated: references between subrequests (@{referenceId.field}), which are refused with a
400 that says so, and collateSubrequests (the subrequests always run in the order given).
The emulator runs a composite request under its lock, and sends the outbound messages its
subrequests cause once it is done, batched (outbound.py), as one API call's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from ..base import json_response
from .limits import SUBREQUEST_KEY, api_call

MAX_SUBREQUESTS = 25
MAX_QUERY_OR_COLLECTION = 5
METHODS = ("POST", "PUT", "PATCH", "GET", "DELETE")  # case-sensitive, as the guide lists them
INHERITED_HEADERS = frozenset({"accept", "authorization", "content-type"})
SUBREQUEST_URL = re.compile(r"^/services/data/v\d+\.\d/")
REFERENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
QUERY_OR_COLLECTION = re.compile(r"^/services/data/[^/?]+/(?:query|queryAll|composite/sobjects)\b")
# The routes Composite may reach: sObject resources, Query/QueryAll and sObject Collections.
COMPOSITE_ENDPOINTS = frozenset(
    {
        "sobject_create",
        "sobject_describe",
        "sobject_record",
        "sobject_upsert",
        "composite_sobjects",
        "composite_delete",
        "query",
        "query_all",
        "query_more",
    }
)
# A subrequest's headers in its result: not the body's framing, and not the allocation, which
# the composite response itself reports.
DROPPED_HEADERS = frozenset({"content-type", "content-length", "sforce-limit-info"})
HALTED = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same transaction "
    "failed.",
}
# As a real org answered 26 subrequests (guardian/support-service-lambdas PR #766); that
# answer's HTTP status is not documented, so it is 400 like any refused body. The guide gives no
# message for more than 5 queries or collections: ours follows the same form.
TOO_MANY_SUBREQUESTS = "The request can\u2019t contain more than 25 operations."
TOO_MANY_QUERIES = (
    "The request can\u2019t contain more than 5 query or sObject Collections operations."
)
UNSUPPORTED_REFERENCE = (
    "SFNS's Salesforce emulator does not resolve references between subrequests "
    "(@{referenceId.field}); Salesforce does. Send the subrequests without references."
)


class CompositeRefused(Exception):
    """The whole composite request is refused with a 400 and this body; no subrequest runs."""

    def __init__(self, body: Any) -> None:
        super().__init__(body)
        self.body = body


def parser_error(message: str) -> CompositeRefused:
    return CompositeRefused([{"message": message, "errorCode": "JSON_PARSER_ERROR"}])


def limit_exceeded(message: str) -> CompositeRefused:
    error = {"errorCode": "LIMIT_EXCEEDED", "message": message}
    return CompositeRefused(
        {
            "compositeResponse": [
                {"body": [error], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": None}
            ]
        }
    )


def parse_composite(data: bytes) -> tuple[list[dict[str, Any]], bool]:
    """The subrequests and allOrNone of a composite request body, or CompositeRefused."""
    try:
        body = json.loads(data or b"null")
    except ValueError as exc:
        raise parser_error(f"Unexpected character: {exc}") from None
    if not isinstance(body, dict):
        raise parser_error("Cannot deserialize instance of CompositeRequest from a non-object")
    subrequests = body.get("compositeRequest")
    if not isinstance(subrequests, list) or not subrequests:
        raise parser_error("'compositeRequest' is a required field.")
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise parser_error("'allOrNone' must be a boolean.")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise limit_exceeded(TOO_MANY_SUBREQUESTS)
    for subrequest in subrequests:
        check_subrequest(subrequest)
    if sum(bool(QUERY_OR_COLLECTION.match(s["url"])) for s in subrequests) > (
        MAX_QUERY_OR_COLLECTION
    ):
        raise limit_exceeded(TOO_MANY_QUERIES)
    return subrequests, all_or_none


def check_subrequest(subrequest: Any) -> None:
    if not isinstance(subrequest, dict):
        raise parser_error("Each compositeRequest item must be a JSON object.")
    for field in ("method", "url", "referenceId"):
        if not isinstance(subrequest.get(field), str) or not subrequest[field]:
            raise parser_error(f"'{field}' is a required field.")
    if subrequest["method"] not in METHODS:
        raise parser_error(f"Invalid HTTP method: {subrequest['method']}")
    if not SUBREQUEST_URL.match(subrequest["url"]):
        raise parser_error(f"The url must start with /services/data/vXX.X/: {subrequest['url']}")
    if not REFERENCE_ID.match(subrequest["referenceId"]):
        raise parser_error(
            f"Invalid referenceId ('{subrequest['referenceId']}'): it must start with a letter "
            "or a number, and it can contain only letters, numbers and underscores ('_')."
        )
    headers = subrequest.get("httpHeaders", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise parser_error("'httpHeaders' must map header names to strings.")
    inherited = sorted(name for name in headers if name.lower() in INHERITED_HEADERS)
    if inherited:
        raise parser_error(f"A subrequest can't set the {inherited[0]} header.")
    if "@{" in subrequest["url"] or "@{" in json.dumps(subrequest.get("body")):
        raise CompositeRefused([{"message": UNSUPPORTED_REFERENCE, "errorCode": "NOT_EMULATED"}])


def failed(result: dict[str, Any]) -> bool:
    """An error answer, or an sObject Collections answer with a record that failed."""
    body = result["body"]
    return result["httpStatusCode"] >= 400 or (
        isinstance(body, list)
        and any(isinstance(item, dict) and item.get("success") is False for item in body)
    )


def subrequest_environ(parent: Request, subrequest: dict[str, Any]) -> dict[str, Any]:
    """A WSGI environ for the subrequest: the parent's session, the subrequest's own headers."""
    headers = {
        "Authorization": parent.headers.get("Authorization", ""),
        **subrequest.get("httpHeaders", {}),
    }
    body = {"json": subrequest["body"]} if subrequest.get("body") is not None else {}
    builder = EnvironBuilder(
        path=subrequest["url"],
        method=subrequest["method"],
        headers=headers,
        base_url=parent.host_url,
        **body,
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    environ[SUBREQUEST_KEY] = True  # counted once, by the composite request
    return environ


class CompositeMixin:
    """POST composite; uses the emulator's url_map, handlers, lock and StoreMixin's snapshot."""

    state: dict[str, Any]
    holding_notifications: bool
    pending_notifications: list[dict[str, Any]]

    @api_call
    def composite(self, request: Request, version: str) -> Response:
        try:
            subrequests, all_or_none = parse_composite(request.get_data())
        except CompositeRefused as exc:
            return json_response(exc.body, 400)
        if all_or_none:
            results = self.run_all_or_none(request, subrequests)
        else:
            results = self.run_each(request, subrequests)
        return json_response({"compositeResponse": results})

    def run_each(self, request: Request, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each subrequest on its own; their outbound messages go out together at the end."""
        with self.lock:
            self.holding_notifications = True
            try:
                results = [self.run_subrequest(request, subrequest) for subrequest in subrequests]
            finally:
                self.holding_notifications = False
            self.flush_notifications()
        return results

    def run_all_or_none(
        self, request: Request, subrequests: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """One transaction: the first failure rolls back all, and halts the others."""
        results: list[dict[str, Any]] = []
        # The lock is held throughout, so no other call sees a change that may be rolled back,
        # and outbound messages wait for the commit, as Salesforce sends them.
        with self.lock:
            snapshot = self.snapshot()
            self.holding_notifications = True
            try:
                for subrequest in subrequests:
                    results.append(self.run_subrequest(request, subrequest))
                    if failed(results[-1]):
                        break
            finally:
                self.holding_notifications = False
            if not failed(results[-1]):
                self.flush_notifications()
                return results
            counters = {key: self.state[key] for key in ("id_seq", "last_modstamp_ms")}
            self.state = snapshot
            self.state.update(counters)  # a rolled-back record's id is never issued again
            self.pending_notifications.clear()
            self.save_state()
        failure = len(results) - 1
        return [
            results[failure] if index == failure else halted(subrequest["referenceId"])
            for index, subrequest in enumerate(subrequests)
        ]

    def run_subrequest(self, parent: Request, subrequest: dict[str, Any]) -> dict[str, Any]:
        """One subrequest through the same routing and handler as the plain request."""
        environ = subrequest_environ(parent, subrequest)
        request = Request(environ)
        endpoint, values = "", {}
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
        except HTTPException as exc:
            response = self.not_routed(request, exc)
        else:
            if endpoint in COMPOSITE_ENDPOINTS:
                response = getattr(self, endpoint)(request, **values)
            else:  # e.g. limits or Bulk jobs: not resources Composite serves
                response = self.not_routed(request, NotFound())
        data = response.get_data()
        result = {
            "body": json.loads(data) if data else None,
            "httpHeaders": {
                name: value
                for name, value in response.headers.items()
                if name.lower() not in DROPPED_HEADERS
            },
            "httpStatusCode": response.status_code,
            "referenceId": subrequest["referenceId"],
        }
        if endpoint == "sobject_create" and response.status_code == 201:
            # As in the guide's Composite Subrequest Result example.
            record = f"sobjects/{values['sobject']}/{result['body']['id']}"
            result["httpHeaders"]["Location"] = f"/services/data/{values['version']}/{record}"
        return result


def halted(reference_id: str) -> dict[str, Any]:
    return {
        "body": [dict(HALTED)],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference_id,
    }
