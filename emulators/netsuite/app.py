"""
A NetSuite SuiteTalk REST emulator: token-based auth (OAuth 1.0a, HMAC-SHA256) verified for
real, customer/contact/estimate/salesOrder records and items (items.py), eid: upserts, a SuiteQL
subset, the metadata catalog, NetSuite's error bodies and its concurrency governance. The
customer's custom fields are those SFNS's SuiteCloud project (deploy/netsuite) creates; a field
the account lacks is refused.
Changes can be POSTed to a notify URL the way the project's SuiteScript does.

Control extras: POST /__emulator__/edit {"type": "customer", "id": "101", "fields": {...}}
changes a record as a NetSuite user would (read-only fields included) and notifies like the
SuiteScript in the UI context. GET/POST /__emulator__/script reads or sets the script's deployment
parameters (webhook.py); REST calls are made as employee webhook.REST_USER_ID.
POST /__emulator__/fields {"record": "customer", "add": {"custentity_x": {"type": "string"}},
"drop": ["custentity_y"]} changes the custom fields; POST /__emulator__/reset restores the
project's. POST /__emulator__/seed {"customer": [{"id": "501", ...}]} stores records as given
(a lastModifiedDate included) without notifying: 100,000 customers in a second or two; items
too ({"serviceSaleItem": [{"id": "7", "itemId": "Widget", "externalId": "W-1"}]}, and likewise
inventoryItem and nonInventorySaleItem). A reset leaves the one item every account starts with,
service item 1 ("Services").
POST /__emulator__/account {"oneWorld": true} makes the account OneWorld (accounting.py).
POST /__emulator__/edit {"type": "customer", "id": "100", "fields": {"balance": 2000},
"source": "transaction"}: what posting an invoice or a payment does to a customer's financials;
no customer is saved, so the script posts nothing (and lastModifiedDate stays: emulator's choice).
Pages (ui.py): the records at /, each record's page and form at /records/<type>/<id>.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..base import CONTROL_PREFIX, EmulatorApp, json_response
from .accounting import account_control
from .errors import ns_error
from .items import initial_items
from .metadata import MetadataMixin
from .package import package_fields, script_parameters
from .records import RecordsMixin, now_stamp
from .schema import FINANCIAL_FIELDS, RECORD_TYPES
from .suiteql import SuiteQLMixin
from .tba import TokenAuthMixin
from .ui import NetSuitePages
from .webhook import WebhookMixin


class NetSuiteEmulator(
    TokenAuthMixin, RecordsMixin, MetadataMixin, SuiteQLMixin, WebhookMixin, EmulatorApp
):
    name = "netsuite"

    def __init__(self, *, package_dir: str | Path | None = None, **kwargs: Any) -> None:
        """package_dir: a SuiteCloud project to take the custom fields from (deploy/netsuite)."""
        self._nonces: dict[str, float] = {}
        self.package_fields = package_fields(package_dir)
        self.script_parameters = script_parameters(package_dir)
        super().__init__(**kwargs)
        # A state file written before the emulator kept these: the project's.
        self.state.setdefault("custom_fields", copy.deepcopy(self.package_fields))
        self.state.setdefault("script_parameters", dict(self.script_parameters))
        # ... and one written before it kept items: the items a new account has.
        for rtype, items in initial_items(now_stamp()).items():
            self.state["records"].setdefault(rtype, items)
            self.state["custom_fields"].setdefault(rtype, {})
        self.pages = NetSuitePages(self)

    def rules(self) -> list[Rule]:
        return [
            Rule(
                "/services/rest/record/v1/metadata-catalog/",
                endpoint="metadata_catalog",
                methods=["GET"],
                strict_slashes=False,
            ),
            Rule(
                "/services/rest/record/v1/metadata-catalog/<name>",
                endpoint="metadata_record",
                methods=["GET"],
            ),
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
        return {
            "next_id": 100,
            "records": {
                **{rtype: {} for rtype in RECORD_TYPES},
                **initial_items(now_stamp()),
            },
            "custom_fields": copy.deepcopy(self.package_fields),
            "script_parameters": dict(self.script_parameters),
        }

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
    def control(self, request: Request) -> Response:
        if request.path.rstrip("/") == f"{CONTROL_PREFIX}fields" and request.method == "POST":
            body = request.get_json(silent=True)
            with self.lock:
                return self.change_fields(body if isinstance(body, dict) else {})
        if request.path.rstrip("/") == f"{CONTROL_PREFIX}account" and request.method == "POST":
            body = request.get_json(silent=True)
            with self.lock:
                answer = account_control(self.state, body if isinstance(body, dict) else {})
                self.save_state()
            return json_response(answer)
        if request.path.rstrip("/") == f"{CONTROL_PREFIX}script" and request.method in (
            "GET",
            "POST",
        ):
            with self.lock:
                return self.script_control(request)
        return super().control(request)

    def seed(self, data: dict[str, Any]) -> None:
        """Records as given (a lastModifiedDate included), without notifications: 100,000
        customers take about a second."""
        for rtype in RECORD_TYPES:
            for record in data.get(rtype, []):
                record = dict(record)
                rid = str(record.pop("id", "") or "") or None
                if rid and rid.isdigit():
                    self.state["next_id"] = max(self.state["next_id"], int(rid) + 1)
                self._create(rtype, record, rid, seeding=True)

    def edit(self, data: dict[str, Any]) -> Response:
        rtype, rid = data.get("type", "customer"), str(data.get("id", ""))
        record = self.state["records"].get(rtype, {}).get(rid)
        if record is None:
            return ns_error(404, "NONEXISTENT_ID", f"No {rtype} {rid}.")
        if data.get("source") == "transaction":
            return self.transaction_change(rtype, rid, record, data.get("fields", {}))
        before = self.change_snapshot(rtype, record)
        self._change(rtype, rid, record, data.get("fields", {}))
        self.save_state()
        self._notify_change(None, rtype, rid, "update", before=before)
        return json_response({"ok": True, "id": rid})

    def transaction_change(self, rtype: str, rid: str, record: dict, fields: Any) -> Response:
        """Financials changed by transactions: set as given, no customer save, no script."""
        if rtype != "customer" or not isinstance(fields, dict) or set(fields) - {*FINANCIAL_FIELDS}:
            return ns_error(
                400,
                "INVALID_CONTENT",
                f"Transactions change only a customer's {', '.join(FINANCIAL_FIELDS)}.",
            )
        record.update(copy.deepcopy(fields))
        self.save_state()
        return json_response({"ok": True, "id": rid})
