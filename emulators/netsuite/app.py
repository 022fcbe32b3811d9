"""
A NetSuite SuiteTalk REST emulator: token-based auth (OAuth 1.0a, HMAC-SHA256) verified for
real, customer/estimate/salesOrder records, eid: upserts, a SuiteQL subset, NetSuite's error
bodies and its concurrency governance. Changes can be POSTed to a notify URL the way the
SuiteScript that SFNS ships does (see sync/suitescript/).

Control extras: POST /__emulator__/edit {"type": "customer", "id": "101", "fields": {...}}
changes a record as a NetSuite user would (read-only fields included) and notifies.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..base import EmulatorApp, json_response
from .errors import ns_error
from .records import RecordsMixin
from .schema import RECORD_TYPES
from .suiteql import SuiteQLMixin
from .tba import TokenAuthMixin
from .webhook import WebhookMixin


class NetSuiteEmulator(TokenAuthMixin, RecordsMixin, SuiteQLMixin, WebhookMixin, EmulatorApp):
    name = "netsuite"

    def __init__(self, **kwargs: Any) -> None:
        self._nonces: dict[str, float] = {}
        super().__init__(**kwargs)

    def rules(self) -> list[Rule]:
        return [
            Rule(
                "/services/rest/record/v1/<rtype>",
                endpoint="record_collection",
                methods=["GET", "POST"],
            ),
            Rule(
                "/services/rest/record/v1/<rtype>/<ref>",
                endpoint="record_item",
                methods=["GET", "PATCH", "PUT", "DELETE"],
            ),
            Rule("/services/rest/query/v1/suiteql", endpoint="suiteql", methods=["POST"]),
        ]

    def initial_state(self) -> dict[str, Any]:
        return {"next_id": 100, "records": {rtype: {} for rtype in RECORD_TYPES}}

    # -- vendor-format faults ------------------------------------------------------------------
    def too_many_requests(self) -> Response:
        return ns_error(
            429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked."
        )

    def unavailable(self) -> Response:
        return ns_error(
            503, "UNEXPECTED_ERROR", "An unexpected error occurred. Please try again later."
        )

    def not_routed(self, request: Request, exc: Any) -> Response:
        if getattr(exc, "code", 404) == 405:
            return ns_error(405, "INVALID_REQUEST", f"Method {request.method} is not allowed.")
        return ns_error(404, "NONEXISTENT_ID", "The requested resource does not exist.")

    def dispatch(self, request: Request) -> Response:
        refused = self.authenticate(request)
        return refused or super().dispatch(request)

    # -- control -------------------------------------------------------------------------------
    def seed(self, data: dict[str, Any]) -> None:
        for rtype in RECORD_TYPES:
            for record in data.get(rtype, []):
                record = dict(record)
                rid = str(record.pop("id", "") or "") or None
                if rid and rid.isdigit():
                    self.state["next_id"] = max(self.state["next_id"], int(rid) + 1)
                self._create(rtype, record, rid)

    def edit(self, data: dict[str, Any]) -> Response:
        rtype, rid = data.get("type", "customer"), str(data.get("id", ""))
        record = self.state["records"].get(rtype, {}).get(rid)
        if record is None:
            return ns_error(404, "NONEXISTENT_ID", f"No {rtype} {rid}.")
        self._change(rtype, record, data.get("fields", {}))
        self.save_state()
        self._notify_change(None, rtype, rid, "update")
        return json_response({"ok": True, "id": rid})
