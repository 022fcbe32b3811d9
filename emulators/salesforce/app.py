"""
A local Salesforce: OAuth token endpoint, REST sObjects/collections/SOQL with the API limit header,
and SOAP outbound messages, as described in docs/wire.md (Salesforce sections). This module
wires the routes and the control endpoints; each concern lives in its own module.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..base import CONTROL_PREFIX, EmulatorApp, json_response
from .bulk import BulkQueryMixin
from .composite import CompositeMixin
from .describe import DescribeMixin
from .errors import ApiError, not_found
from .fields import FieldsMixin
from .ids import normalise_id
from .indexes import FieldIndexes
from .limits import LimitsMixin, api_call, api_versions
from .oauth import OAuthMixin
from .outbound import OutboundMixin
from .package import (
    PackageError,
    load_custom_fields,
    load_flows,
    load_outbound_fields,
    load_permission_sets,
)
from .products import ProductsMixin
from .query import QueryMixin
from .records import RecordsMixin
from .recycle import RecycleMixin
from .schema import WRITABLE_FIELDS
from .selection import SoqlMixin
from .store import StoreMixin
from .ui import SalesforcePages
from .users import INTEGRATION_USER_ID, PERSON_ID, acting_as


class SalesforceEmulator(
    OAuthMixin,
    LimitsMixin,
    RecordsMixin,
    DescribeMixin,
    FieldsMixin,
    RecycleMixin,
    ProductsMixin,
    StoreMixin,
    QueryMixin,
    CompositeMixin,
    BulkQueryMixin,
    SoqlMixin,
    OutboundMixin,
    EmulatorApp,
):
    """
    Salesforce as SFNS sees it: OAuth (password, client credentials, JWT bearer), REST sObjects
    Account/Contact/Opportunity and the product objects, Product2/Pricebook2/PricebookEntry/
    OpportunityLineItem with their rules (products.py) (CRUD, upsert by external id, composite
    collections, describe and the global sObject list), SOQL
    through query and queryAll, the Composite resource (subrequests as one API call), Bulk API
    2.0 query jobs, the recycle bin (IsDeleted, MasterRecordId), the daily API allocation, and
    SOAP outbound messages to notify_url, sent by the package's record-triggered flows.

    Credentials come from django.conf.settings on each request (SALESFORCE_CLIENT_ID, ...).

    Custom fields: those of SFNS's Salesforce DX package (deploy/salesforce, or package_dir),
    read once at start; any other __c field is INVALID_FIELD, as in an org without it.

    Outbound messages: the package's flows decide (outbound.py). The API's user (every OAuth
    session) is SFNS's integration user and holds the package's permission sets, so the flows'
    entry condition NOT({!$Permission.SFNS_Integration}) keeps its changes quiet; a person's
    changes (the UI control endpoints, or a person's API session) send messages of up to 100
    notifications per save (users.py).

    SOQL: the subset described in soql.py.

    Pages (ui.py): the records at /, each record's page (and form) at /<id>, as in the org.

    Control endpoints beyond the base ones:
    - POST /__emulator__/expire-sessions: every access token becomes invalid (401).
    - POST /__emulator__/faults also takes "api_limit", "api_usage" (jump the 24 h counter)
      and "edition" (Organization.OrganizationType); these live in the state, so reset
      restores the constructor's values.
    - POST /__emulator__/seed {"Account": [...], "Contact": [...], "Opportunity": [...],
      "Product2": [...], "Pricebook2": [...], "PricebookEntry": [...], "OpportunityLineItem":
      [...], "edition": "..."}: records, stored in that order (a reference may name a record
      given with its "Id" earlier in the same seed; the standard price book's Id is
      products.STANDARD_PRICEBOOK_ID; read-only fields such as a line item's SortOrder may be
      seeded; Id and system dates optional; "IsDeleted": true and "MasterRecordId" put one in
      the recycle bin) stored without outbound messages, all with the same modstamp unless
      given; answers {"ok": true, "ids": {"Account": [...], ...}}; 400
      with a Salesforce error list on a bad field, and nothing stored.
    - POST /__emulator__/edit {"type", "id"?, "fields"} or {"type", "id", "delete": true}: a
      person editing in the Salesforce UI; validated like the API, and the flows run for the
      person (a delete, like Salesforce, sends nothing and takes an Account's Opportunities
      and Contacts with it). Answers {"ok": true, "id", "created"} or {"ok": true, "id",
      "deleted": true}.
      {"type", "records": [{"id"?, "fields"}, ...]}: a person's mass update or import, one
      save: all of it (answers {"ok": true, "ids": [...]}) or a Salesforce error list and none.
    - POST /__emulator__/person-token: an access token for the person (the OAuth token answer),
      as when someone uses Data Loader: their API changes send outbound messages.
    - POST /__emulator__/merge {"type": "Account", "master": id, "losers": [id, id?], "fields"?:
      {...}}: a user merging Accounts in the UI (see recycle.py). Answers {"ok": true, "id",
      "mergedRecordIds", "updatedRelatedIds"}; a Salesforce error list and no change otherwise.
    - POST /__emulator__/fields {"sobject": "Account", "add": {"Legacy_Key__c": {"type":
      "string", "length": 80, "externalId": true}}, "drop": ["NetSuite_Sync__c"]}: change the
      org's custom fields (describe types; optional "label", "precision", "scale", "unique",
      "caseSensitive", "picklistValues", "restrictedPicklist"). Answers {"ok": true, "sobject",
      "custom_fields": [...]}; 400 {"ok": false, "error"} and no change on a bad request. Reset
      restores the package's fields.
    """

    name = "salesforce"

    def __init__(
        self,
        *,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        concurrency_limit: int = 0,
        api_limit: int = 15000,
        edition: str = "Enterprise Edition",
        notify_url: str = "",
        state_file: str | None = None,
        notify_verify: bool | str = True,
        package_dir: str | Path | None = None,
    ) -> None:
        self.package_fields = load_custom_fields(package_dir)
        self.outbound_fields = load_outbound_fields(package_dir)
        self.flows = load_flows(package_dir)
        for flow in (flow for flows in self.flows.values() for flow in flows):
            if flow.sobject not in self.outbound_fields:
                raise PackageError(f"{flow.name}: no outbound message on {flow.sobject}")
        # SFNS's integration user holds the package's permission sets; the person, none.
        granted = frozenset().union(*load_permission_sets(package_dir).values())
        self.user_permissions = {INTEGRATION_USER_ID: granted, PERSON_ID: frozenset()}
        self.default_api_limit = api_limit
        self.default_edition = edition
        # Sessions are the org's, not the data's: reset keeps them, expire-sessions drops them.
        self.sessions: dict[str, dict[str, Any]] = {}
        self.cursors: dict[str, dict[str, Any]] = {}
        self.bulk_jobs: dict[str, dict[str, Any]] = {}
        # Derived from the state, rebuilt after it is replaced (see StoreMixin.state).
        self.indexes = FieldIndexes()
        self.field_names: dict[str, dict[str, str]] = {}
        self.public_url = "https://127.0.0.1"
        self.pending_notifications: list[dict[str, Any]] = []
        super().__init__(
            latency_ms=latency_ms,
            fail_rate=fail_rate,
            concurrency_limit=concurrency_limit,
            notify_url=notify_url,
            state_file=state_file,
            notify_verify=notify_verify,
        )
        self.upgrade_state()
        self.pages = SalesforcePages(self, package_dir)

    # -- base hooks -------------------------------------------------------------------------
    def rules(self) -> list[Rule]:
        data = "/services/data/<version>"
        return [
            Rule("/services/oauth2/token", methods=["POST"], endpoint="oauth_token"),
            Rule("/services/data", methods=["GET"], endpoint="versions"),
            Rule("/services/data/", methods=["GET"], endpoint="versions"),
            Rule(f"{data}/limits", methods=["GET"], endpoint="limits"),
            Rule(f"{data}/limits/", methods=["GET"], endpoint="limits"),
            Rule(f"{data}/sobjects", methods=["GET"], endpoint="describe_global"),
            Rule(f"{data}/sobjects/", methods=["GET"], endpoint="describe_global"),
            Rule(f"{data}/sobjects/<sobject>", methods=["POST"], endpoint="sobject_create"),
            Rule(
                f"{data}/sobjects/<sobject>/describe", methods=["GET"], endpoint="sobject_describe"
            ),
            Rule(
                f"{data}/sobjects/<sobject>/describe/", methods=["GET"], endpoint="sobject_describe"
            ),
            Rule(f"{data}/sobjects/<sobject>/", methods=["POST"], endpoint="sobject_create"),
            Rule(
                f"{data}/sobjects/<sobject>/<record_id>",
                methods=["GET", "PATCH", "DELETE"],
                endpoint="sobject_record",
            ),
            Rule(
                f"{data}/sobjects/<sobject>/<field>/<path:value>",
                methods=["GET", "PATCH"],
                endpoint="sobject_upsert",
            ),
            Rule(
                f"{data}/composite/sobjects",
                methods=["PATCH", "POST"],
                endpoint="composite_sobjects",
            ),
            Rule(f"{data}/composite/sobjects", methods=["DELETE"], endpoint="composite_delete"),
            Rule(f"{data}/composite", methods=["POST"], endpoint="composite"),
            Rule(f"{data}/composite/", methods=["POST"], endpoint="composite"),
            Rule(f"{data}/query", methods=["GET"], endpoint="query"),
            Rule(f"{data}/query/", methods=["GET"], endpoint="query"),
            Rule(f"{data}/query/<locator>", methods=["GET"], endpoint="query_more"),
            Rule(f"{data}/queryAll", methods=["GET"], endpoint="query_all"),
            Rule(f"{data}/queryAll/", methods=["GET"], endpoint="query_all"),
            Rule(f"{data}/queryAll/<locator>", methods=["GET"], endpoint="query_more"),
            Rule(f"{data}/jobs/query", methods=["POST"], endpoint="bulk_query_create"),
            Rule(
                f"{data}/jobs/query/<job_id>",
                methods=["GET", "PATCH", "DELETE"],
                endpoint="bulk_query_job",
            ),
            Rule(
                f"{data}/jobs/query/<job_id>/results",
                methods=["GET"],
                endpoint="bulk_query_results",
            ),
        ]

    def initial_state(self) -> dict[str, Any]:
        return {
            "records": self.fresh_records(),
            "deleted": {sobject: {} for sobject in WRITABLE_FIELDS},
            "custom_fields": self.package_state(),
            # A random start keeps ids from repeating after a reset (SFNS may remember old ones).
            "id_seq": secrets.randbelow(62**8),
            "last_modstamp_ms": 0,
            "api_usage": 0,
            "api_usage_day": dt.datetime.now(dt.UTC).date().isoformat(),
            "api_limit": self.default_api_limit,
            "edition": self.default_edition,
        }

    def too_many_requests(self) -> Response:
        return ApiError(
            403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."
        ).response()

    def unavailable(self) -> Response:
        return ApiError(503, "SERVER_UNAVAILABLE", "Service Unavailable").response()

    def not_routed(self, request: Request, exc: HTTPException) -> Response:
        if not request.path.startswith("/services/data/"):
            return exc.get_response()
        version = request.path.split("/")[3]
        if isinstance(exc, MethodNotAllowed):
            allowed = ",".join(m for m in exc.valid_methods or [] if m != "HEAD")
            error = ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
            )
        else:
            error = not_found()

        def answer(self: SalesforceEmulator, request: Request, version: str) -> Response:
            raise error

        return api_call(answer)(self, request, version)

    def control(self, request: Request) -> Response:
        self.remember_url(request)
        action = request.path[len(CONTROL_PREFIX) :].strip("/")
        body = request.get_json(silent=True) or {}
        if request.method == "POST" and action == "expire-sessions":
            with self.lock:
                self.sessions.clear()
            return json_response({"ok": True})
        if request.method == "POST" and action == "person-token":
            return self.issue_token(request, PERSON_ID)
        if request.method == "POST" and action == "edit":
            if not isinstance(body, dict):
                return ApiError(400, "JSON_PARSER_ERROR", "give the change as an object").response()
            if "records" not in body:
                return self.person_edit(body)
            with self.lock, acting_as(PERSON_ID):
                return self.change_all_or_nothing(action, body)
        if request.method == "POST" and action in ("seed", "merge"):
            with acting_as(PERSON_ID):
                return self.change_all_or_nothing(action, body)
        if request.method == "POST" and action == "fields":
            with self.lock:
                try:
                    answer = self.change_custom_fields(body)
                except PackageError as exc:
                    return json_response({"ok": False, "error": str(exc)}, 400)
                self.save_state()
            return json_response(answer)
        if request.method == "POST" and action == "faults":
            with self.lock:
                if "api_limit" in body:
                    self.state["api_limit"] = int(body["api_limit"])
                if "api_usage" in body:
                    self.state["api_usage"] = int(body["api_usage"])
                    self.state["api_usage_day"] = dt.datetime.now(dt.UTC).date().isoformat()
                if "edition" in body:
                    self.state["edition"] = str(body["edition"])
                self.save_state()
        return super().control(request)

    def change_all_or_nothing(self, action: str, body: dict[str, Any]) -> Response:
        """
        /__emulator__/seed, /merge and a mass /edit: the whole change, or a Salesforce error and
        none of it.
        """
        with self.lock:
            snapshot = self.snapshot()
            try:
                if action == "seed":
                    answer = {"ok": True, "ids": self.seed(body)}
                elif action == "edit":
                    answer = {"ok": True, "ids": self.edit_many(body)}
                else:
                    answer = self.merge(body)
            except ApiError as exc:
                self.state = snapshot
                self.pending_notifications.clear()
                return exc.response()
            self.save_state()
            self.flush_notifications()
        return json_response(answer)

    def seed(self, data: dict[str, Any]) -> dict[str, list[str]]:
        if "edition" in data:
            self.state["edition"] = str(data["edition"])
        ids: dict[str, list[str]] = {}
        stamp = self.modstamp()  # one load, one time: as when a data loader inserts a batch
        for sobject in WRITABLE_FIELDS:
            for raw in data.get(sobject, []):
                values = self.clean_fields(sobject, raw, allow_system=True)
                self.check_required(sobject, values)
                record_id = self.insert(sobject, values, notify=False, stamp=stamp)
                ids.setdefault(sobject, []).append(record_id)
        return ids

    def person_edit(self, data: dict[str, Any]) -> Response:
        """A person saving one record in the UI: POST /__emulator__/edit, and the pages' forms."""
        with self.lock, acting_as(PERSON_ID):
            return self.edit(data)

    def edit(self, data: dict[str, Any]) -> Response:
        sobject = data.get("type")
        if sobject not in WRITABLE_FIELDS:
            return not_found().response()
        try:
            record_id = data.get("id")
            if record_id and data.get("delete"):
                self.delete(sobject, self.existing_id(sobject, record_id))
                self.save_state()
                return json_response({"ok": True, "id": normalise_id(record_id), "deleted": True})
            values = self.clean_fields(sobject, data.get("fields") or {})
            if record_id:
                record_id = self.existing_id(sobject, record_id)
                self.update(sobject, record_id, values)
                created = False
            else:
                self.check_required(sobject, values)
                record_id = self.insert(sobject, values)
                created = True
        except ApiError as exc:
            self.pending_notifications.clear()
            return exc.response()
        self.save_state()
        self.flush_notifications()
        return json_response({"ok": True, "id": record_id, "created": created})

    def edit_many(self, data: dict[str, Any]) -> list[str]:
        """A person's mass update or import: {"type", "records": [{"id"?, "fields"}, ...]}."""
        sobject, records = data.get("type"), data.get("records")
        if sobject not in WRITABLE_FIELDS:
            raise not_found()
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ApiError(400, "JSON_PARSER_ERROR", "records is a list of {id?, fields} objects")
        ids = []
        for item in records:
            values = self.clean_fields(sobject, item.get("fields") or {})
            if item.get("id"):
                record_id = self.existing_id(sobject, str(item["id"]))
                self.update(sobject, record_id, values)
            else:
                self.check_required(sobject, values)
                record_id = self.insert(sobject, values)
            ids.append(record_id)
        return ids

    def remember_url(self, request: Request) -> None:
        """Outbound messages name the instance URL, which only a request can tell us."""
        with self.lock:
            self.public_url = request.host_url.rstrip("/")

    def versions(self, request: Request) -> Response:
        return json_response(api_versions())
