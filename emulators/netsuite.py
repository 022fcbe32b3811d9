"""
A NetSuite SuiteTalk REST emulator: token-based auth (OAuth 1.0a, HMAC-SHA256) verified for
real, customer/estimate/salesOrder records, eid: upserts, a SuiteQL subset, NetSuite's error
bodies and its concurrency governance. Changes can be POSTed to a notify URL the way the
SuiteScript that SFNS ships does (see sync/suitescript/).

Control extras: POST /__emulator__/edit {"type": "customer", "id": "101", "fields": {...}}
changes a record as a NetSuite user would (read-only fields included) and notifies.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from django.conf import settings
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import EmulatorApp, json_response

RECORD_TYPES = ("customer", "estimate", "salesOrder")
CUSTOMER_FIELDS = {
    "companyName",
    "entityId",
    "email",
    "phone",
    "url",
    "externalId",
    "subsidiary",
    "entityStatus",
    "isPerson",
    "firstName",
    "lastName",
    "parent",
    "currency",
    "terms",
    "comments",
    "defaultAddress",
    "addressBook",
    "isInactive",
    "category",
    "salesRep",
}
FINANCIAL_FIELDS = (
    "balance",
    "overdueBalance",
    "creditLimit",
    "daysOverdue",
    "unbilledOrders",
    "depositBalance",
)
READ_ONLY_FIELDS = {"id", "dateCreated", "lastModifiedDate", "links", *FINANCIAL_FIELDS}
TRANSACTION_FIELDS = {
    "entity",
    "item",
    "memo",
    "tranDate",
    "externalId",
    "currency",
    "subsidiary",
    "otherRefNum",
    "title",
}
REFERENCE_FIELDS = {
    "subsidiary",
    "entityStatus",
    "parent",
    "currency",
    "terms",
    "entity",
    "category",
    "salesRep",
}
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
TIMESTAMP_TOLERANCE = 300  # seconds; NetSuite refuses stale or future timestamps


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _rfc3986(value: str) -> str:
    return quote(value, safe="~-._")


def ns_error(status: int, code: str, detail: str, path: str | None = None) -> Response:
    titles = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        429: "Too Many Requests",
        503: "Service Unavailable",
    }
    error: dict[str, Any] = {"detail": detail, "o:errorCode": code}
    if path:
        error["o:errorPath"] = path
    return json_response(
        {
            "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.{status // 100}",
            "title": titles.get(status, "Error"),
            "status": status,
            "o:errorDetails": [error],
        },
        status,
    )


class NetSuiteEmulator(EmulatorApp):
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

    def notification_accepted(self, response: Any) -> bool:
        return 200 <= response.status_code < 300

    # -- token-based authentication (RFC 5849, HMAC-SHA256) ------------------------------------
    def authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return ns_error(401, "INVALID_LOGIN", "Invalid login attempt. Missing OAuth header.")
        params: dict[str, str] = {}
        for part in header[len("OAuth ") :].split(","):
            key, sep, value = part.strip().partition("=")
            if not sep:
                continue
            params[key] = re.sub(r'^"|"$', "", value)
        params = {k: unquote(v) for k, v in params.items()}
        expected_realm = settings.NETSUITE_ACCOUNT_ID
        failure = None
        if params.get("realm") != expected_realm:
            failure = "realm"
        elif params.get("oauth_signature_method") != "HMAC-SHA256":
            failure = "signature method"
        elif not hmac.compare_digest(
            params.get("oauth_consumer_key", ""), settings.NETSUITE_CONSUMER_KEY
        ):
            failure = "consumer"
        elif not hmac.compare_digest(params.get("oauth_token", ""), settings.NETSUITE_TOKEN_ID):
            failure = "token"
        elif params.get("oauth_version", "1.0") != "1.0":
            failure = "version"
        else:
            try:
                stamp = int(params.get("oauth_timestamp", ""))
            except ValueError:
                stamp = 0
            if abs(time.time() - stamp) > TIMESTAMP_TOLERANCE:
                failure = "timestamp"
        if failure is None:
            expected = self._signature(request, params)
            if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
                failure = "signature"
        if failure is None:
            nonce_key = f"{params['oauth_timestamp']}:{params.get('oauth_nonce', '')}"
            with self.lock:
                cutoff = time.time() - TIMESTAMP_TOLERANCE * 2
                self._nonces = {k: v for k, v in self._nonces.items() if v > cutoff}
                if not params.get("oauth_nonce") or nonce_key in self._nonces:
                    failure = "nonce"
                else:
                    self._nonces[nonce_key] = time.time()
        if failure:
            with self.lock:
                self.stats["calls"][f"auth_failed_{failure.replace(' ', '_')}"] += 1
            return ns_error(
                401,
                "INVALID_LOGIN",
                "Invalid login attempt. For more details, "
                "see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles "
                "> User Management > View Login Audit Trail.",
            )
        return None

    def _signature(self, request: Request, oauth: dict[str, str]) -> str:
        url = urlsplit(request.url)
        scheme, host = url.scheme.lower(), (url.hostname or "").lower()
        port = url.port
        netloc = (
            host
            if port is None or (scheme, port) in (("http", 80), ("https", 443))
            else (f"{host}:{port}")
        )
        base_uri = f"{scheme}://{netloc}{url.path}"
        pairs = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True)]
        pairs += [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
        normalized = "&".join(
            f"{k}={v}" for k, v in sorted((_rfc3986(k), _rfc3986(v)) for k, v in pairs)
        )
        base_string = "&".join(_rfc3986(x) for x in (request.method.upper(), base_uri, normalized))
        key = (
            f"{_rfc3986(settings.NETSUITE_CONSUMER_SECRET)}&"
            f"{_rfc3986(settings.NETSUITE_TOKEN_SECRET)}"
        )
        digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def dispatch(self, request: Request) -> Response:
        refused = self.authenticate(request)
        return refused or super().dispatch(request)

    # -- records -------------------------------------------------------------------------------
    def _records(self, rtype: str) -> dict[str, dict]:
        return self.state["records"][rtype]

    def _find(self, rtype: str, ref: str) -> tuple[str | None, dict | None]:
        records = self._records(rtype)
        if ref.startswith("eid:"):
            eid = ref[4:]
            for rid, rec in records.items():
                if rec.get("externalId") == eid:
                    return rid, rec
            return None, None
        return ref, records.get(ref)

    def _link(self, request: Request, rtype: str, rid: str) -> str:
        return f"{request.host_url.rstrip('/')}/services/rest/record/v1/{rtype}/{rid}"

    def _render(self, request: Request, rtype: str, rid: str, record: dict) -> dict:
        out = copy.deepcopy(record)
        for key, value in out.items():
            if key in REFERENCE_FIELDS and isinstance(value, dict) and "id" in value:
                target = "customer" if key in ("parent", "entity") else key
                ref = self.state["records"].get(target, {}).get(value["id"], {})
                value.setdefault(
                    "refName",
                    ref.get("companyName") or ref.get("entityId") or f"{key} {value['id']}",
                )
                value["links"] = [{"rel": "self", "href": self._link(request, target, value["id"])}]
        out["links"] = [{"rel": "self", "href": self._link(request, rtype, rid)}]
        out["id"] = rid
        fields = request.args.get("fields")
        if fields:
            wanted = {f.strip() for f in fields.split(",")} | {"id", "links"}
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    def _validate(self, rtype: str, body: Any, *, creating: bool) -> Response | None:
        if not isinstance(body, dict):
            return ns_error(
                400,
                "INVALID_CONTENT",
                "The request could not be processed: the body must be a JSON object.",
            )
        allowed = CUSTOMER_FIELDS if rtype == "customer" else TRANSACTION_FIELDS
        for key, value in body.items():
            if key in READ_ONLY_FIELDS:
                return ns_error(
                    400, "INVALID_CONTENT", f"The field {key} is read-only and cannot be set.", key
                )
            if key not in allowed and not key.startswith(("custentity", "custbody")):
                return ns_error(
                    400,
                    "INVALID_CONTENT",
                    f"Invalid field name: {key}. The field does not exist on {rtype}.",
                    key,
                )
            if (
                key in REFERENCE_FIELDS
                and value is not None
                and not (isinstance(value, dict) and "id" in value)
            ):
                return ns_error(
                    400,
                    "INVALID_CONTENT",
                    f'Invalid value for the reference field {key}: expected {{"id": ...}}.',
                    key,
                )
        eid = body.get("externalId")
        if eid is not None and not (isinstance(eid, str) and EXTERNAL_ID.match(eid)):
            return ns_error(
                400,
                "INVALID_CONTENT",
                "Invalid externalId: use letters, digits, '_' and '-'.",
                "externalId",
            )
        if rtype == "customer":
            if creating and not body.get("isPerson") and not body.get("companyName"):
                return ns_error(
                    400, "USER_ERROR", "You must enter a value for Company Name.", "companyName"
                )
            if not creating and "companyName" in body and not body["companyName"]:
                return ns_error(
                    400, "USER_ERROR", "You must enter a value for Company Name.", "companyName"
                )
            parent = body.get("parent")
            if parent and parent["id"] not in self._records("customer"):
                return ns_error(
                    400, "USER_ERROR", f"Invalid parent reference key {parent['id']}.", "parent"
                )
        else:
            entity = body.get("entity")
            if creating and not entity:
                return ns_error(400, "USER_ERROR", "You must enter a value for Customer.", "entity")
            if entity and entity["id"] not in self._records("customer"):
                return ns_error(
                    400, "USER_ERROR", f"Invalid entity reference key {entity['id']}.", "entity"
                )
            items = body.get("item", {"items": []} if not creating else None)
            if creating and not (isinstance(items, dict) and items.get("items")):
                return ns_error(
                    400,
                    "USER_ERROR",
                    "You must have at least one valid line item for this transaction.",
                    "item",
                )
        return None

    def _new_id(self) -> str:
        rid = str(self.state["next_id"])
        self.state["next_id"] += 1
        return rid

    def _create(self, rtype: str, body: dict, rid: str | None = None) -> str:
        rid = rid or self._new_id()
        now = _now()
        record = {"dateCreated": now, "lastModifiedDate": now, **copy.deepcopy(body)}
        if rtype == "customer":
            record.setdefault("entityId", body.get("companyName") or f"CUST{rid}")
            for field in FINANCIAL_FIELDS:
                record.setdefault(field, 0)
        else:
            record["total"] = sum(
                float(line.get("quantity", 1)) * float(line.get("rate", 0))
                for line in body.get("item", {}).get("items", [])
            )
        self._records(rtype)[rid] = record
        return rid

    def _change(
        self, rtype: str, record: dict, body: dict, replace: set[str] | None = None
    ) -> None:
        """
        Body fields are set (null clears). Sublists ({"items": [...]}) are appended to, as
        NetSuite does for non-keyed sublists, unless the request names them in ?replace=.
        """
        for key, value in body.items():
            current = record.get(key)
            if value is None:
                record.pop(key, None)
            elif (
                _is_sublist(value)
                and _is_sublist(current)
                and (replace is not None and key not in replace)
            ):
                current["items"] = current["items"] + copy.deepcopy(value["items"])
            else:
                record[key] = copy.deepcopy(value)
        record["lastModifiedDate"] = _now()

    def _notify_change(
        self,
        request: Request | None,
        rtype: str,
        rid: str,
        event: str,
        record: dict | None = None,
    ) -> None:
        """`record`: the deleted record, as the SuiteScript's context.oldRecord would give it."""
        if not self.notifier or rtype != "customer":
            return
        record = record if record is not None else self._records(rtype).get(rid, {})
        payload = {
            "event": event,
            "recordType": rtype,
            "id": rid,
            "externalId": record.get("externalId"),
            "lastModifiedDate": record.get("lastModifiedDate"),
            "fields": copy.deepcopy(record),
        }
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(
            settings.SFNS_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        self.notify(
            body,
            {
                "Content-Type": "application/json",
                "X-SFNS-Timestamp": stamp,
                "X-SFNS-Signature": f"sha256={signature}",
            },
        )

    def _known_type(self, rtype: str) -> Response | None:
        if rtype not in RECORD_TYPES:
            return ns_error(404, "INVALID_RECORD_TYPE", f"Record type '{rtype}' does not exist.")
        return None

    def record_collection(self, request: Request, rtype: str) -> Response:
        if bad := self._known_type(rtype):
            return bad
        if request.method == "GET":
            limit = min(int(request.args.get("limit", 1000)), 1000)
            offset = int(request.args.get("offset", 0))
            with self.lock:
                ids = sorted(self._records(rtype), key=int)
            page = ids[offset : offset + limit]
            return json_response(
                {
                    "links": [],
                    "count": len(page),
                    "hasMore": offset + limit < len(ids),
                    "offset": offset,
                    "totalResults": len(ids),
                    "items": [
                        {"links": [{"rel": "self", "href": self._link(request, rtype, i)}], "id": i}
                        for i in page
                    ],
                }
            )
        body = request.get_json(silent=True)
        with self.lock:
            if bad := self._validate(rtype, body, creating=True):
                return bad
            if body.get("externalId") and self._find(rtype, f"eid:{body['externalId']}")[1]:
                return ns_error(
                    400,
                    "USER_ERROR",
                    "A record with this external ID already exists.",
                    "externalId",
                )
            rid = self._create(rtype, body)
            self.save_state()
            self._notify_change(request, rtype, rid, "create")
        return Response(status=204, headers={"Location": self._link(request, rtype, rid)})

    def record_item(self, request: Request, rtype: str, ref: str) -> Response:
        if bad := self._known_type(rtype):
            return bad
        if ref.startswith("eid:") and not EXTERNAL_ID.match(ref[4:]):
            return ns_error(400, "INVALID_CONTENT", "Invalid external ID in the URL.")
        with self.lock:
            rid, record = self._find(rtype, ref)
            if request.method == "PUT":
                if not ref.startswith("eid:"):
                    return ns_error(
                        400, "INVALID_REQUEST", "PUT is only supported with an external ID (eid:)."
                    )
                body = request.get_json(silent=True)
                if bad := self._validate(rtype, body, creating=record is None):
                    return bad
                body = {**body, "externalId": ref[4:]}
                if record is None:
                    rid = self._create(rtype, body)
                    event = "create"
                else:
                    self._change(rtype, record, body, _replace(request))
                    event = "update"
                self.save_state()
                self._notify_change(request, rtype, rid, event)
                return Response(status=204, headers={"Location": self._link(request, rtype, rid)})
            if record is None:
                return ns_error(
                    404,
                    "NONEXISTENT_ID",
                    f"The record instance does not exist. Provide a valid record "
                    f"instance ID. ({rtype} {ref})",
                )
            if request.method == "GET":
                return json_response(self._render(request, rtype, rid, record))
            if request.method == "DELETE":
                del self._records(rtype)[rid]
                self.save_state()
                self._notify_change(request, rtype, rid, "delete", record)
                return Response(status=204)
            body = request.get_json(silent=True)
            if bad := self._validate(rtype, body, creating=False):
                return bad
            self._change(rtype, record, body, _replace(request))
            self.save_state()
            self._notify_change(request, rtype, rid, "update")
        return Response(status=204)

    # -- SuiteQL subset ------------------------------------------------------------------------
    def suiteql(self, request: Request) -> Response:
        if "transient" not in request.headers.get("Prefer", ""):
            return ns_error(
                400, "INVALID_REQUEST", "SuiteQL requests need the header 'Prefer: transient'."
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("q"), str):
            return ns_error(400, "INVALID_CONTENT", 'The body must be {"q": "SELECT ..."}.')
        try:
            limit = int(request.args.get("limit", 1000))
            offset = int(request.args.get("offset", 0))
        except ValueError:
            return ns_error(400, "INVALID_PARAMETER", "limit and offset must be integers.")
        if not 1 <= limit <= 1000 or offset < 0:
            return ns_error(400, "INVALID_PARAMETER", "limit must be 1..1000, offset >= 0.")
        with self.lock:
            try:
                rows = run_suiteql(body["q"], self.state["records"])
            except SuiteQLError as exc:
                return ns_error(400, "INVALID_PARAMETER", f"Invalid search query: {exc}")
        page = rows[offset : offset + limit]
        base = f"{request.host_url.rstrip('/')}/services/rest/query/v1/suiteql"
        links = [{"rel": "self", "href": f"{base}?limit={limit}&offset={offset}"}]
        has_more = offset + limit < len(rows)
        if has_more:
            links.append({"rel": "next", "href": f"{base}?limit={limit}&offset={offset + limit}"})
        return json_response(
            {
                "links": links,
                "count": len(page),
                "hasMore": has_more,
                "items": [{"links": [], **row} for row in page],
                "offset": offset,
                "totalResults": len(rows),
            }
        )

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


def _is_sublist(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("items"), list)


def _replace(request: Request) -> set[str]:
    """The sublists named in ?replace=a,b (replaced instead of appended to)."""
    return {name.strip() for name in request.args.get("replace", "").split(",") if name.strip()}


class SuiteQLError(ValueError):
    pass


_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<cols>.+?)\s+FROM\s+(?P<table>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COND = re.compile(
    r"^\s*(?P<col>\w+)\s*(?:(?P<op>=|!=|<>|>=|<=|>|<)\s*(?P<value>'(?:[^']|'')*'|-?\d+(?:\.\d+)?)"
    r"|\s+IN\s*\((?P<values>[^)]*)\)|\s+IS\s+(?P<isnot>NOT\s+)?NULL)\s*$",
    re.IGNORECASE,
)
_TABLES = {
    "customer": "customer",
    "estimate": "estimate",
    "salesorder": "salesOrder",
    "transaction": None,
}


def _literal(token: str) -> str | float:
    token = token.strip()
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    try:
        return float(token)
    except ValueError:
        raise SuiteQLError(f"bad literal {token}") from None


def _column_value(record: dict, rid: str, column: str) -> Any:
    if column == "id":
        return rid
    for key, value in record.items():
        if key.lower() == column:
            if isinstance(value, dict) and "id" in value:
                return value["id"]
            return value
    return None


def _as_suiteql(value: Any) -> Any:
    if isinstance(value, bool):
        return "T" if value else "F"
    if value is None:
        return None
    return str(value) if not isinstance(value, str) else value


def _compare(value: Any, op: str, literal: str | float) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        value = "T" if value else "F"
    if isinstance(literal, float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
    else:
        value = str(value)
    return {
        "=": value == literal,
        "!=": value != literal,
        "<>": value != literal,
        ">": value > literal,
        "<": value < literal,
        ">=": value >= literal,
        "<=": value <= literal,
    }[op]


def run_suiteql(query: str, records: dict[str, dict[str, dict]]) -> list[dict]:
    """SELECT cols FROM customer|estimate|salesorder [WHERE c AND c ...] [ORDER BY col]."""
    match = _QUERY.match(query)
    if not match:
        raise SuiteQLError("expected SELECT <columns> FROM <table> [WHERE ...] [ORDER BY ...]")
    table = match["table"].lower()
    if table not in _TABLES or _TABLES[table] is None:
        raise SuiteQLError(f"unknown table {match['table']}")
    rows = records[_TABLES[table]]
    cols = [c.strip().lower() for c in match["cols"].split(",")]
    if not all(c == "*" or re.fullmatch(r"\w+", c) for c in cols):
        raise SuiteQLError("columns must be plain field ids")
    conditions = []
    if match["where"]:
        for part in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
            cond = _COND.match(part)
            if not cond:
                raise SuiteQLError(f"cannot read the condition '{part.strip()}'")
            conditions.append(cond)

    def keep(rid: str, record: dict) -> bool:
        for cond in conditions:
            value = _column_value(record, rid, cond["col"].lower())
            if cond["op"]:
                if not _compare(value, cond["op"], _literal(cond["value"])):
                    return False
            elif cond["values"] is not None:
                options = [_literal(v) for v in cond["values"].split(",") if v.strip()]
                if not any(_compare(value, "=", option) for option in options):
                    return False
            else:
                is_null = value in (None, "")
                if is_null == bool(cond["isnot"]):
                    return False
        return True

    selected = [(rid, rec) for rid, rec in records_sorted(rows) if keep(rid, rec)]
    if match["order"]:
        column = match["order"].lower()
        selected.sort(
            key=lambda item: _sort_key(_column_value(item[1], item[0], column)),
            reverse=(match["dir"] or "").upper() == "DESC",
        )
    out = []
    for rid, rec in selected:
        if cols == ["*"]:
            row = {k.lower(): _as_suiteql(_column_value(rec, rid, k.lower())) for k in rec}
            row["id"] = rid
        else:
            row = {c: _as_suiteql(_column_value(rec, rid, c)) for c in cols}
        out.append({k: v for k, v in row.items() if v is not None})
    return out


def records_sorted(rows: dict[str, dict]) -> list[tuple[str, dict]]:
    return sorted(rows.items(), key=lambda item: int(item[0]) if item[0].isdigit() else 0)


def _sort_key(value: Any) -> tuple:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value or ""))
