"""
A local Salesforce: OAuth token endpoint, REST sObjects/collections/SOQL with the API limit header,
and SOAP outbound messages, as described in ../shared/WIRE.md (Salesforce sections).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

import jwt
import requests
from django.conf import settings
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import CONTROL_PREFIX, EmulatorApp, json_response

# -- identifiers ------------------------------------------------------------------------------

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
VERSION_RE = re.compile(r"^v\d+\.\d$")
KEY_PREFIXES = {"Account": "001", "Opportunity": "006", "Organization": "00D", "User": "005"}
# Characters 4-6 of a real id are the pod and a reserved character; any fixed value will do.
POD = "5g0"


def id18(id15: str) -> str:
    """Salesforce's case-safe suffix: one character per 5-char chunk, bit i set if char i is A-Z."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def normalise_id(value: Any) -> str | None:
    """The 18-char form of a 15- or 18-char id, or None when value is not shaped like an id."""
    if not isinstance(value, str) or not ID_RE.match(value):
        return None
    return id18(value[:15])


def base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rem = divmod(number, 62)
        digits = BASE62[rem] + digits
    return digits.rjust(width, "0")[-width:]


def random_id(prefix: str) -> str:
    return id18(prefix + POD + "".join(secrets.choice(BASE62) for _ in range(9)))


# -- time -------------------------------------------------------------------------------------


def rest_datetime(moment: dt.datetime) -> str:
    """REST JSON form: 2026-09-01T10:00:00.000+0000."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def soap_datetime(value: str) -> str:
    """SOAP (outbound message) form: 2026-09-01T10:00:00.000Z."""
    moment = parse_datetime(value).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


# -- schema -----------------------------------------------------------------------------------

SYSTEM_FIELDS = {
    "Id": ("id", None),
    "CreatedDate": ("datetime", None),
    "LastModifiedDate": ("datetime", None),
    "SystemModstamp": ("datetime", None),
}
_ADDRESS = {
    f"{kind}{part}": ("string", length)
    for kind in ("Billing", "Shipping")
    for part, length in (
        ("Street", 255),
        ("City", 40),
        ("State", 80),
        ("PostalCode", 20),
        ("Country", 80),
    )
}
# field -> (kind, max length for strings / target sObject for references)
WRITABLE_FIELDS: dict[str, dict[str, tuple[str, Any]]] = {
    "Account": {
        "Name": ("string", 255),
        "Phone": ("string", 40),
        "Website": ("string", 255),
        "Industry": ("string", 255),
        "Type": ("string", 255),
        "Description": ("string", 32000),
        "AccountNumber": ("string", 40),
        "ParentId": ("reference", "Account"),
        "OwnerId": ("reference", "User"),
        "NumberOfEmployees": ("int", None),
        "AnnualRevenue": ("double", None),
        **_ADDRESS,
    },
    "Opportunity": {
        "Name": ("string", 120),
        "AccountId": ("reference", "Account"),
        "StageName": ("string", 255),
        "Amount": ("double", None),
        "CloseDate": ("date", None),
        "Probability": ("double", None),
        "Description": ("string", 32000),
    },
}
REQUIRED_FIELDS = {"Account": ["Name"], "Opportunity": ["Name", "StageName", "CloseDate"]}
ORGANIZATION_FIELDS = {
    "Id": ("id", None),
    "Name": ("string", 80),
    "OrganizationType": ("string", 40),
    "IsSandbox": ("boolean", None),
}
ORGANIZATION_NAME = "SFNS Emulator Org"
QUERYABLE = ("Account", "Opportunity", "Organization")

DEFAULT_BATCH_SIZE = 2000
MAX_COLLECTION_RECORDS = 200
MAX_OPEN_CURSORS = 200
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
JWT_MAX_LIFETIME = 180 + 30  # "within 3 minutes", plus some clock skew
ROLLED_BACK = (
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header"
)


class ApiError(Exception):
    """A Salesforce REST error: rendered as [{"message","errorCode","fields"}]."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or []

    def response(self, headers: dict | None = None) -> Response:
        body = [{"message": self.message, "errorCode": self.code, "fields": self.fields}]
        return json_response(body, self.status, headers)

    def save_error(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def oauth_error(error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, 400)


def field_kind(sobject: str, name: str) -> tuple[str, Any]:
    if sobject == "Organization":
        return ORGANIZATION_FIELDS[name]
    if name in SYSTEM_FIELDS:
        return SYSTEM_FIELDS[name]
    if name.endswith("__c"):
        return ("any", None)
    return WRITABLE_FIELDS[sobject][name]


def api_call(method: Callable[..., Response]) -> Callable[..., Response]:
    """Version check, bearer session, daily API allocation and Sforce-Limit-Info header."""

    @functools.wraps(method)
    def wrapper(
        self: SalesforceEmulator, request: Request, version: str, **values: Any
    ) -> Response:
        self.remember_url(request)
        if self.session_for(request) is None:
            return self.invalid_session()
        with self.lock:
            # The allocation is a rolling 24 hours; a calendar day (UTC) is close enough here.
            today = dt.datetime.now(dt.UTC).date().isoformat()
            if self.state.get("api_usage_day") != today:
                self.state["api_usage_day"], self.state["api_usage"] = today, 0
            if self.state["api_usage"] >= self.state["api_limit"]:
                headers = self.limit_headers()
                error = ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                return error.response(headers)
            self.state["api_usage"] += 1
            self.save_state()
            headers = self.limit_headers()
        if not VERSION_RE.match(version):
            response = not_found().response()
        else:
            try:
                response = method(self, request, version, **values)
            except ApiError as exc:
                response = exc.response()
        response.headers.update(headers)
        return response

    return wrapper


# -- SOQL -------------------------------------------------------------------------------------

SOQL_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\dT])
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[,()])
    """,
    re.VERBOSE,
)
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "TRUE",
    "FALSE",
    "NULL",
}
STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def malformed(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


class SoqlParser:
    """Recursive descent over the SOQL subset SFNS uses (see SalesforceEmulator's docstring)."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos = 0
        while pos < len(text):
            match = SOQL_TOKEN.match(text, pos)
            if not match:
                raise malformed(f"unexpected token: '{text[pos:].split()[0]}'")
            pos = match.end()
            kind = match.lastgroup
            raw = match.group()
            if kind == "ws":
                continue
            if kind == "string":
                value = re.sub(
                    r"\\(.)", lambda m: STRING_ESCAPES.get(m.group(1), m.group(1)), raw[1:-1]
                )
                self.tokens.append(("string", value))
            elif kind == "number":
                self.tokens.append(("number", float(raw) if "." in raw else int(raw)))
            elif kind == "datetime":
                self.tokens.append(("datetime", parse_datetime(raw)))
            elif kind == "date":
                try:
                    self.tokens.append(("date", dt.date.fromisoformat(raw)))
                except ValueError:
                    raise malformed(f"unexpected token: '{raw}'") from None
            elif kind == "name" and raw.upper() in KEYWORDS:
                self.tokens.append(("kw", raw.upper()))
            else:
                self.tokens.append((kind or "", raw))
        self.pos = 0

    # token helpers
    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", None)

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        self.pos += 1
        return token

    def accept(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        if token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, value: Any = None) -> Any:
        token = self.take()
        if token[0] != kind or (value is not None and token[1] != value):
            shown = "<EOF>" if token[0] == "end" else token[1]
            raise malformed(f"unexpected token: '{shown}'")
        return token[1]

    # grammar
    def parse(self) -> dict[str, Any]:
        query: dict[str, Any] = {"fields": [], "where": None, "order": [], "limit": None}
        self.expect("kw", "SELECT")
        query["fields"].append(self.expect("name"))
        while self.accept("punct", ","):
            query["fields"].append(self.expect("name"))
        self.expect("kw", "FROM")
        query["sobject"] = self.expect("name")
        if self.accept("kw", "WHERE"):
            query["where"] = self.parse_expression()
        if self.accept("kw", "ORDER"):
            self.expect("kw", "BY")
            while True:
                item = {"field": self.expect("name"), "desc": False, "nulls_last": None}
                if self.accept("kw", "DESC"):
                    item["desc"] = True
                else:
                    self.accept("kw", "ASC")
                if self.accept("kw", "NULLS"):
                    item["nulls_last"] = self.expect("kw") == "LAST"
                query["order"].append(item)
                if not self.accept("punct", ","):
                    break
        if self.accept("kw", "LIMIT"):
            query["limit"] = self.expect_count()
        query["offset"] = self.expect_count() if self.accept("kw", "OFFSET") else 0
        if self.peek()[0] != "end":
            raise malformed(f"unexpected token: '{self.peek()[1]}'")
        return query

    def expect_count(self) -> int:
        value = self.expect("number")
        if not isinstance(value, int) or value < 0:
            raise malformed(f"unexpected token: '{value}'")
        return value

    def parse_expression(self) -> tuple:
        # SOQL refuses AND and OR side by side without parentheses.
        parts, joiner = [self.parse_condition()], None
        while self.peek() in (("kw", "AND"), ("kw", "OR")):
            word = self.take()[1]
            if joiner and word != joiner:
                raise malformed(f"unexpected token: '{word}'")
            joiner = word
            parts.append(self.parse_condition())
        return (joiner.lower(), parts) if joiner else parts[0]

    def parse_condition(self) -> tuple:
        if self.accept("kw", "NOT"):
            return ("not", self.parse_condition())
        if self.accept("punct", "("):
            inner = self.parse_expression()
            self.expect("punct", ")")
            return inner
        field = self.expect("name")
        if self.accept("kw", "NOT"):
            self.expect("kw", "IN")
            return ("cmp", field, "not in", self.parse_value_list())
        if self.accept("kw", "IN"):
            return ("cmp", field, "in", self.parse_value_list())
        if self.accept("kw", "LIKE"):
            return ("cmp", field, "like", self.parse_value())
        operator = self.expect("op")
        return ("cmp", field, "!=" if operator == "<>" else operator, self.parse_value())

    def parse_value_list(self) -> list[tuple[str, Any]]:
        self.expect("punct", "(")
        values = [self.parse_value()]
        while self.accept("punct", ","):
            values.append(self.parse_value())
        self.expect("punct", ")")
        return values

    def parse_value(self) -> tuple[str, Any]:
        kind, value = self.take()
        if kind in ("string", "number", "datetime", "date"):
            return (kind, value)
        if kind == "kw" and value in ("TRUE", "FALSE"):
            return ("boolean", value == "TRUE")
        if kind == "kw" and value == "NULL":
            return ("null", None)
        raise malformed(f"unexpected token: '{'<EOF>' if kind == 'end' else value}'")


def like_to_regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


# -- the emulator -----------------------------------------------------------------------------


class SalesforceEmulator(EmulatorApp):
    """
    Salesforce as SFNS sees it: OAuth (password, client credentials, JWT bearer), REST sObjects
    Account/Opportunity (CRUD, upsert by external id, composite collections), SOQL, the daily
    API allocation, and SOAP outbound messages to notify_url on every create/update.

    Credentials come from django.conf.settings on each request (SALESFORCE_CLIENT_ID, ...).

    SOQL subset: SELECT f[, f...] FROM Account|Opportunity|Organization [WHERE cond] [ORDER BY
    f [ASC|DESC] [NULLS FIRST|LAST][, ...]] [LIMIT n] [OFFSET n]; cond is `field op value`
    (op = != <> < <= > >= LIKE), `field [NOT] IN (v, ...)`, NOT, and AND or OR (not mixed
    without parentheses, as in SOQL). Values: 'quoted' strings, numbers, true/false, null,
    date 2026-09-01 and dateTime 2026-09-01T10:00:00Z literals; dates and numbers must not be
    quoted and strings must be. Text compares case-insensitively; ids match 15- or 18-char.

    Control endpoints beyond the base ones:
    - POST /__emulator__/expire-sessions: every access token becomes invalid (401).
    - POST /__emulator__/faults also takes "api_limit", "api_usage" (jump the 24 h counter)
      and "edition" (Organization.OrganizationType); these live in the state, so reset
      restores the constructor's values.
    - POST /__emulator__/seed {"Account": [...], "Opportunity": [...], "edition": "..."}:
      records (Id and system dates optional) stored without outbound messages; answers
      {"ok": true, "ids": {"Account": [...], ...}}; 400 with a Salesforce error list on a bad
      field.
    - POST /__emulator__/edit {"type", "id"?, "fields"} or {"type", "id", "delete": true}: a user
      editing in the Salesforce UI; validated like the API, notifies like the API. Answers
      {"ok": true, "id", "created"}.
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
    ) -> None:
        self.default_api_limit = api_limit
        self.default_edition = edition
        # Sessions are the org's, not the data's: reset keeps them, expire-sessions drops them.
        self.sessions: dict[str, dict[str, Any]] = {}
        self.cursors: dict[str, dict[str, Any]] = {}
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

    # -- base hooks -------------------------------------------------------------------------
    def rules(self) -> list[Rule]:
        data = "/services/data/<version>"
        return [
            Rule("/services/oauth2/token", methods=["POST"], endpoint="oauth_token"),
            Rule("/services/data", methods=["GET"], endpoint="versions"),
            Rule("/services/data/", methods=["GET"], endpoint="versions"),
            Rule(f"{data}/limits", methods=["GET"], endpoint="limits"),
            Rule(f"{data}/limits/", methods=["GET"], endpoint="limits"),
            Rule(f"{data}/sobjects/<sobject>", methods=["POST"], endpoint="sobject_create"),
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
            Rule(f"{data}/query", methods=["GET"], endpoint="query"),
            Rule(f"{data}/query/", methods=["GET"], endpoint="query"),
            Rule(f"{data}/query/<locator>", methods=["GET"], endpoint="query_more"),
        ]

    def initial_state(self) -> dict[str, Any]:
        return {
            "records": {"Account": {}, "Opportunity": {}},
            "deleted": {"Account": {}, "Opportunity": {}},
            "custom_fields": {"Account": [], "Opportunity": []},
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

    def notification_accepted(self, response: requests.Response) -> bool:
        return response.status_code == 200 and bool(
            re.search(rb"<(?:\w+:)?Ack>\s*true\s*</(?:\w+:)?Ack>", response.content)
        )

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
        if request.method == "POST" and action == "seed":
            with self.lock:
                snapshot = copy.deepcopy(self.state)
                try:
                    ids = self.seed(body)
                except ApiError as exc:
                    self.state = snapshot
                    return exc.response()
                self.save_state()
            return json_response({"ok": True, "ids": ids})
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

    def seed(self, data: dict[str, Any]) -> dict[str, list[str]]:
        if "edition" in data:
            self.state["edition"] = str(data["edition"])
        ids: dict[str, list[str]] = {}
        for sobject in WRITABLE_FIELDS:
            for raw in data.get(sobject, []):
                values = self.clean_fields(sobject, raw, allow_system=True)
                self.check_required(sobject, values)
                ids.setdefault(sobject, []).append(self.insert(sobject, values, notify=False))
        return ids

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

    # -- sessions and limits ----------------------------------------------------------------
    def remember_url(self, request: Request) -> None:
        """Outbound messages name the instance URL, which only a request can tell us."""
        with self.lock:
            self.public_url = request.host_url.rstrip("/")

    def user_id(self) -> str:
        return id18(KEY_PREFIXES["User"] + POD + "000000001")

    def org_id(self) -> str:
        # Verbatim when 18 chars, even with a wrong case-safe suffix: SFNS compares it as a string.
        configured = settings.SALESFORCE_ORG_ID
        return id18(configured) if len(configured) == 15 else configured

    def session_for(self, request: Request) -> dict[str, Any] | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token.strip():
            return None
        with self.lock:
            return self.sessions.get(token.strip())

    def invalid_session(self) -> Response:
        return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid").response()

    def limit_headers(self) -> dict[str, str]:
        usage = f"api-usage={self.state['api_usage']}/{self.state['api_limit']}"
        return {"Sforce-Limit-Info": usage}

    # -- OAuth ------------------------------------------------------------------------------
    def oauth_token(self, request: Request) -> Response:
        """https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm"""
        self.remember_url(request)
        form = request.form
        grant_type = form.get("grant_type", "")
        if grant_type == "password":
            error = self.check_client(form.get("client_id"), form.get("client_secret"))
            if error:
                return error
            if not (
                same_secret(form.get("username", ""), settings.SALESFORCE_USERNAME)
                and same_secret(form.get("password", ""), settings.SALESFORCE_PASSWORD)
            ):
                return oauth_error("invalid_grant", "authentication failure")
        elif grant_type == "client_credentials":
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            if request.authorization and request.authorization.type == "basic":
                client_id = request.authorization.username
                client_secret = request.authorization.password
            error = self.check_client(client_id, client_secret)
            if error:
                return error
        elif grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            error = self.check_jwt(form.get("assertion", ""), request)
            if error:
                return error
        else:
            return oauth_error("unsupported_grant_type", "grant type not supported")
        return self.issue_token(request)

    def check_client(self, client_id: str | None, client_secret: str | None) -> Response | None:
        if not same_secret(client_id, settings.SALESFORCE_CLIENT_ID):
            return oauth_error("invalid_client_id", "client identifier invalid")
        if not same_secret(client_secret, settings.SALESFORCE_CLIENT_SECRET):
            return oauth_error("invalid_client", "invalid client credentials")
        return None

    def check_jwt(self, assertion: str, request: Request) -> Response | None:
        """https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm"""
        key_file = getattr(settings, "SALESFORCE_PRIVATE_KEY_FILE", "")
        if not key_file:
            return oauth_error("invalid_grant", "invalid assertion")
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            with open(key_file, "rb") as handle:
                private_key = load_pem_private_key(handle.read(), password=None)
            claims = jwt.decode(
                assertion,
                private_key.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "require": ["exp"]},
            )
        except (OSError, ValueError, TypeError, jwt.PyJWTError):
            return oauth_error("invalid_grant", "invalid assertion")
        if claims.get("iss") != settings.SALESFORCE_CLIENT_ID:
            return oauth_error("invalid_client_id", "client identifier invalid")
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        accepted = {self.public_url, *JWT_AUDIENCES}
        if not any(isinstance(a, str) and a.rstrip("/") in accepted for a in audiences):
            return oauth_error("invalid_grant", "audience is invalid")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp < now:
            return oauth_error("invalid_grant", "expired authorization code")
        if exp > now + JWT_MAX_LIFETIME:
            return oauth_error("invalid_grant", "invalid assertion")
        if claims.get("sub") != settings.SALESFORCE_USERNAME:
            return oauth_error("invalid_grant", "user hasn't approved this consumer")
        return None

    def issue_token(self, request: Request) -> Response:
        org_id = self.org_id()
        token = f"{org_id[:15]}!{secrets.token_urlsafe(48)}"
        instance_url = request.host_url.rstrip("/")
        identity = f"{instance_url}/id/{org_id}/{self.user_id()}"
        issued_at = str(int(time.time() * 1000))
        signature = base64.b64encode(
            hmac.new(
                settings.SALESFORCE_CLIENT_SECRET.encode(),
                (identity + issued_at).encode(),
                hashlib.sha256,
            ).digest()
        ).decode()
        with self.lock:
            self.sessions[token] = {"user_id": self.user_id(), "issued_at": issued_at}
        return json_response(
            {
                "access_token": token,
                "instance_url": instance_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": signature,
            }
        )

    # -- REST endpoints ---------------------------------------------------------------------
    def versions(self, request: Request) -> Response:
        return json_response(
            [{"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}]
        )

    @api_call
    def limits(self, request: Request, version: str) -> Response:
        with self.lock:
            used, limit = self.state["api_usage"], self.state["api_limit"]
        return json_response({"DailyApiRequests": {"Max": limit, "Remaining": limit - used}})

    @api_call
    def sobject_create(self, request: Request, version: str, sobject: str) -> Response:
        if sobject not in WRITABLE_FIELDS:
            raise not_found()
        body = self.json_body(request)
        with self.lock:
            values = self.clean_fields(sobject, body)
            self.check_required(sobject, values)
            record_id = self.insert(sobject, values)
            self.save_state()
            self.flush_notifications()
        return json_response({"id": record_id, "success": True, "errors": []}, 201)

    @api_call
    def sobject_record(
        self, request: Request, version: str, sobject: str, record_id: str
    ) -> Response:
        if sobject == "Organization" and request.method == "GET":
            if normalise_id(record_id) != normalise_id(self.org_id()):
                raise not_found()
            fields = self.requested_fields(sobject, request.args.get("fields"))
            return json_response(self.render(sobject, self.organization(), version, fields))
        if sobject not in WRITABLE_FIELDS:
            raise not_found()
        if request.method == "GET":
            fields = self.requested_fields(sobject, request.args.get("fields"))
            with self.lock:
                record = self.record(sobject, self.existing_id(sobject, record_id))
                return json_response(self.render(sobject, record, version, fields))
        if request.method == "DELETE":
            with self.lock:
                self.delete(sobject, self.existing_id(sobject, record_id))
                self.save_state()
            return Response(status=204)
        body = self.json_body(request)
        with self.lock:
            record_id = self.existing_id(sobject, record_id)
            values = self.clean_fields(sobject, body)
            self.update(sobject, record_id, values)
            self.save_state()
            self.flush_notifications()
        return Response(status=204)

    @api_call
    def sobject_upsert(
        self, request: Request, version: str, sobject: str, field: str, value: str
    ) -> Response:
        if sobject not in WRITABLE_FIELDS:
            raise not_found()
        field = self.canonical_field(sobject, field, strict=False)
        if field is None or (field != "Id" and not field.endswith("__c")):
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {value}",
            )
        with self.lock:
            matches = self.match_external(sobject, field, value)
            if request.method == "GET":
                if not matches:
                    raise not_found()
                if len(matches) > 1:
                    return self.multiple_choices(sobject, matches, version)
                record = self.record(sobject, matches[0])
                return json_response(self.render(sobject, record, version))
            body = self.json_body(request)
            values = self.clean_fields(sobject, body, upsert_field=field)
            if len(matches) > 1:
                return self.multiple_choices(sobject, matches, version)
            if matches:
                self.update(sobject, matches[0], values)
                record_id, created = matches[0], False
            else:
                if field != "Id":
                    values[field] = value
                self.check_required(sobject, values)
                record_id, created = self.insert(sobject, values), True
            self.save_state()
            self.flush_notifications()
        if not created and float(version[1:]) < 46:
            return Response(status=204)
        result = {"id": record_id, "success": True, "errors": [], "created": created}
        return json_response(result, 201 if created else 200)

    @api_call
    def composite_sobjects(self, request: Request, version: str) -> Response:
        body = self.json_body(request)
        records = body.get("records")
        if not isinstance(records, list):
            raise ApiError(400, "JSON_PARSER_ERROR", "records is required")
        if len(records) > MAX_COLLECTION_RECORDS:
            raise ApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        all_or_none = bool(body.get("allOrNone", False))
        creating = request.method == "POST"
        results: list[dict[str, Any]] = []
        with self.lock:
            snapshot = copy.deepcopy(self.state) if all_or_none else None
            for raw in records:
                results.append(self.save_one(raw, creating=creating))
            failed = any(not result["success"] for result in results)
            if all_or_none and failed:
                self.state = snapshot  # type: ignore[assignment]
                self.pending_notifications.clear()
                rolled_back = {
                    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "message": ROLLED_BACK,
                    "fields": [],
                }
                for result in results:
                    if result["success"]:
                        result["success"] = False
                        result["errors"] = [rolled_back]
                        if creating:
                            result.pop("id", None)
            self.save_state()
            self.flush_notifications()
        return json_response(results)

    def save_one(self, raw: Any, *, creating: bool) -> dict[str, Any]:
        """One record of a collection: a SaveResult, never an exception."""
        record_id = None
        try:
            if not isinstance(raw, dict):
                raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
            sobject = (raw.get("attributes") or {}).get("type")
            if not sobject:
                raise ApiError(
                    400, "INVALID_TYPE", "sObject type is required in the record's attributes"
                )
            if sobject not in WRITABLE_FIELDS:
                raise ApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
            fields = {k: v for k, v in raw.items() if k.lower() != "id"}
            given_id = next((v for k, v in raw.items() if k.lower() == "id"), None)
            if creating:
                if given_id:
                    raise ApiError(
                        400,
                        "INVALID_FIELD",
                        "cannot specify Id in an insert call",
                        ["Id"],
                    )
                values = self.clean_fields(sobject, fields)
                self.check_required(sobject, values)
                record_id = self.insert(sobject, values)
            else:
                if not given_id:
                    raise ApiError(
                        400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"]
                    )
                if not self.id_of_type(sobject, given_id):
                    raise ApiError(
                        400,
                        "MALFORMED_ID",
                        f"{sobject} ID: id value of incorrect type: {given_id}",
                        ["Id"],
                    )
                record_id = normalise_id(given_id)
                record_id = self.existing_id(sobject, record_id or "", in_collection=True)
                values = self.clean_fields(sobject, fields)
                self.update(sobject, record_id, values)
        except ApiError as exc:
            result: dict[str, Any] = {"success": False, "errors": [exc.save_error()]}
            if record_id:
                result = {"id": record_id, **result}
            return result
        return {"id": record_id, "success": True, "errors": []}

    @api_call
    def query(self, request: Request, version: str) -> Response:
        text = request.args.get("q")
        if not text:
            raise malformed("A query string has to be specified")
        query = SoqlParser(text).parse()
        with self.lock:
            rows = self.run_query(query, version)
            cursor_id = random_id("01g")
            cursor = {"rows": rows, "batch": self.batch_size(request, DEFAULT_BATCH_SIZE)}
            self.cursors[cursor_id] = cursor
            while len(self.cursors) > MAX_OPEN_CURSORS:
                self.cursors.pop(next(iter(self.cursors)))
            return self.query_page(cursor_id, cursor, 0, version)

    @api_call
    def query_more(self, request: Request, version: str, locator: str) -> Response:
        cursor_id, _, offset = locator.partition("-")
        with self.lock:
            cursor = self.cursors.get(cursor_id)
            if cursor is None or not offset.isdigit() or int(offset) > len(cursor["rows"]):
                raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            cursor["batch"] = self.batch_size(request, cursor["batch"])
            return self.query_page(cursor_id, cursor, int(offset), version)

    # -- REST helpers -----------------------------------------------------------------------
    def json_body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
        if not isinstance(body, dict):
            raise ApiError(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of SObject from a non-object value",
            )
        return body

    def multiple_choices(self, sobject: str, ids: list[str], version: str) -> Response:
        return json_response(
            [f"/services/data/{version}/sobjects/{sobject}/{rid}" for rid in ids], 300
        )

    def batch_size(self, request: Request, default: int) -> int:
        options = request.headers.get("Sforce-Query-Options", "")
        match = re.search(r"batchSize\s*=\s*(\d+)", options, re.IGNORECASE)
        if not match:
            return default
        return max(200, min(2000, int(match.group(1))))

    def query_page(
        self, cursor_id: str, cursor: dict[str, Any], offset: int, version: str
    ) -> Response:
        rows, batch = cursor["rows"], cursor["batch"]
        end = offset + batch
        page: dict[str, Any] = {
            "totalSize": len(rows),
            "done": end >= len(rows),
            "records": rows[offset:end],
        }
        if page["done"]:
            self.cursors.pop(cursor_id, None)
        else:
            page["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor_id}-{end}"
        return json_response(page)

    # -- records ----------------------------------------------------------------------------
    def organization(self) -> dict[str, Any]:
        return {
            "Id": self.org_id(),
            "Name": ORGANIZATION_NAME,
            "OrganizationType": self.state["edition"],
            "IsSandbox": False,
        }

    def record(self, sobject: str, record_id: str) -> dict[str, Any]:
        return self.state["records"][sobject][record_id]

    def id_of_type(self, sobject: str, value: Any) -> bool:
        record_id = normalise_id(value)
        return bool(record_id) and record_id.startswith(KEY_PREFIXES[sobject])  # type: ignore[union-attr]

    def existing_id(self, sobject: str, value: str, *, in_collection: bool = False) -> str:
        """The stored 18-char id for value; 404 NOT_FOUND / ENTITY_IS_DELETED otherwise."""
        record_id = normalise_id(value)
        if record_id and record_id in self.state["records"][sobject]:
            return record_id
        if record_id and record_id in self.state["deleted"][sobject]:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        if in_collection:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        raise not_found()

    def known_fields(self, sobject: str) -> list[str]:
        if sobject == "Organization":
            return list(ORGANIZATION_FIELDS)
        return [
            "Id",
            *WRITABLE_FIELDS[sobject],
            "CreatedDate",
            "LastModifiedDate",
            "SystemModstamp",
            *self.state["custom_fields"][sobject],
        ]

    def canonical_field(self, sobject: str, name: str, *, strict: bool = True) -> str | None:
        """The API name for name in any case; custom fields keep the case first seen."""
        for known in self.known_fields(sobject):
            if known.lower() == name.lower():
                return known
        if name.lower().endswith("__c") and re.match(r"^[A-Za-z][A-Za-z0-9_]*__c$", name):
            return name
        if strict:
            message = f"No such column '{name}' on sobject of type {sobject}"
            raise ApiError(400, "INVALID_FIELD", message, [name])
        return None

    def requested_fields(self, sobject: str, fields: str | None) -> list[str] | None:
        if not fields:
            return None
        names = [name.strip() for name in fields.split(",") if name.strip()]
        with self.lock:
            return [self.canonical_field(sobject, name) for name in names]  # type: ignore[misc]

    def render(
        self, sobject: str, record: dict[str, Any], version: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        url = f"/services/data/{version}/sobjects/{sobject}/{record['Id']}"
        names = fields if fields is not None else self.known_fields(sobject)
        rendered: dict[str, Any] = {"attributes": {"type": sobject, "url": url}}
        for name in names:
            rendered[name] = record.get(name)
        if fields is None:
            rendered.update({k: v for k, v in record.items() if k not in rendered})
        return rendered

    def clean_fields(
        self,
        sobject: str,
        raw: dict[str, Any],
        *,
        allow_system: bool = False,
        upsert_field: str | None = None,
    ) -> dict[str, Any]:
        """Validate and normalise a request body's fields into stored values."""
        if not isinstance(raw, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if name == "attributes":
                continue
            field = self.canonical_field(sobject, name)
            assert field is not None
            if field == upsert_field:
                continue
            kind, extra = field_kind(sobject, field)
            if field in SYSTEM_FIELDS:
                if not allow_system:
                    raise ApiError(
                        400,
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to create/update fields: {field}. Please check the security "
                        "settings of this field and verify that it is read/write for your "
                        "profile or permission set.",
                        [field],
                    )
                if field == "Id":
                    if not self.id_of_type(sobject, value):
                        raise ApiError(
                            400,
                            "MALFORMED_ID",
                            f"{sobject} ID: id value of incorrect type: {value}",
                            ["Id"],
                        )
                    values["Id"] = normalise_id(value)
                    continue
            values[field] = self.clean_value(sobject, field, kind, extra, value)
        return values

    def clean_value(self, sobject: str, field: str, kind: str, extra: Any, value: Any) -> Any:
        def parser_error(type_name: str) -> ApiError:
            return ApiError(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {type_name} from value {json.dumps(value)} "
                f"or request may be missing a required field ({field})",
                [field],
            )

        if value is None or value == "":
            return None
        if isinstance(value, dict | list):
            raise parser_error(kind)
        if kind == "any":
            return value
        if kind == "string":
            text = value if isinstance(value, str) else json.dumps(value)
            if len(text) > extra:
                raise ApiError(
                    400,
                    "STRING_TOO_LONG",
                    f"{field}: data value too large: {text[:50]} (max length={extra})",
                    [field],
                )
            return text
        if kind in ("int", "double"):
            if isinstance(value, bool):
                raise parser_error(kind)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise parser_error(kind) from None
            if kind == "int":
                if number != int(number):
                    raise parser_error(kind)
                return int(number)
            return number
        if kind == "date":
            try:
                return dt.date.fromisoformat(str(value)[:10]).isoformat()
            except ValueError:
                raise parser_error("date") from None
        if kind == "datetime":
            try:
                return rest_datetime(parse_datetime(str(value)))
            except ValueError:
                raise parser_error("datetime") from None
        if kind == "reference":
            if not self.id_of_type(extra, value):
                raise ApiError(
                    400,
                    "MALFORMED_ID",
                    f"{field}: id value of incorrect type: {value}",
                    [field],
                )
            reference = normalise_id(value)
            if extra in self.state["records"] and reference not in self.state["records"][extra]:
                raise ApiError(
                    400,
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                    [field],
                )
            return reference
        return value

    def check_required(self, sobject: str, values: dict[str, Any]) -> None:
        missing = [name for name in REQUIRED_FIELDS[sobject] if values.get(name) is None]
        if missing:
            raise ApiError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )

    def next_id(self, sobject: str) -> str:
        self.state["id_seq"] += 1
        return id18(KEY_PREFIXES[sobject] + POD + base62(self.state["id_seq"], 9))

    def modstamp(self) -> str:
        # Strictly increasing, so "newer wins" logic in SFNS never sees two equal timestamps.
        now_ms = max(int(time.time() * 1000), self.state["last_modstamp_ms"] + 1)
        self.state["last_modstamp_ms"] = now_ms
        return rest_datetime(dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC))

    def register_custom(self, sobject: str, values: dict[str, Any]) -> None:
        custom = self.state["custom_fields"][sobject]
        for name in values:
            if name.endswith("__c") and name not in custom:
                custom.append(name)

    def insert(self, sobject: str, values: dict[str, Any], *, notify: bool = True) -> str:
        record_id = values.pop("Id", None) or self.next_id(sobject)
        if record_id in self.state["records"][sobject]:
            raise ApiError(400, "DUPLICATE_VALUE", f"duplicate value found: Id {record_id}", ["Id"])
        stamp = self.modstamp()
        record = {"Id": record_id}
        if sobject == "Account":
            record["OwnerId"] = self.user_id()
        record.update({k: v for k, v in values.items() if k not in SYSTEM_FIELDS})
        record["CreatedDate"] = values.get("CreatedDate") or stamp
        record["LastModifiedDate"] = values.get("LastModifiedDate") or stamp
        record["SystemModstamp"] = values.get("SystemModstamp") or record["LastModifiedDate"]
        self.register_custom(sobject, record)
        self.state["records"][sobject][record_id] = record
        if notify:
            self.queue_notification(sobject, record)
        return record_id

    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        record = self.record(sobject, record_id)
        self.check_required(sobject, {**record, **values})
        record.update(values)
        record["LastModifiedDate"] = record["SystemModstamp"] = self.modstamp()
        self.register_custom(sobject, record)
        self.queue_notification(sobject, record)

    def delete(self, sobject: str, record_id: str) -> None:
        record = self.state["records"][sobject].pop(record_id)
        record["SystemModstamp"] = self.modstamp()
        self.state["deleted"][sobject][record_id] = record

    def match_external(self, sobject: str, field: str, value: str) -> list[str]:
        if field == "Id":
            record_id = normalise_id(value)
            return [record_id] if record_id in self.state["records"][sobject] else []
        wanted = value.casefold()
        return [
            rid
            for rid, record in self.state["records"][sobject].items()
            if record.get(field) is not None and str(record[field]).casefold() == wanted
        ]

    # -- SOQL execution ---------------------------------------------------------------------
    def run_query(self, query: dict[str, Any], version: str) -> list[dict[str, Any]]:
        sobject = next((s for s in QUERYABLE if s.lower() == query["sobject"].lower()), None)
        if sobject is None:
            raise ApiError(
                400,
                "INVALID_TYPE",
                f"sObject type '{query['sobject']}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )

        def column(name: str) -> str:
            field = self.canonical_field(sobject, name, strict=False)
            if field is None or (sobject == "Organization" and field.endswith("__c")):
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name}' on entity '{sobject}'. If you are attempting to "
                    "use a custom field, be sure to append the '__c' after the custom field "
                    "name. Please reference your WSDL or the describe call for the appropriate "
                    "names.",
                )
            return field

        fields = [column(name) for name in query["fields"]]
        if len({f.lower() for f in fields}) != len(fields):
            duplicate = next(f for f in fields if [g.lower() for g in fields].count(f.lower()) > 1)
            raise malformed(f"duplicate field selected: {duplicate}")
        where = self.compile_condition(sobject, query["where"], column) if query["where"] else None
        if sobject == "Organization":
            records = [self.organization()]
        else:
            records = list(self.state["records"][sobject].values())
        if where:
            records = [record for record in records if where(record)]
        records.sort(key=lambda record: record["Id"])
        for item in reversed(query["order"]):
            field = column(item["field"])
            kind = field_kind(sobject, field)[0]
            nulls_last = item["nulls_last"] if item["nulls_last"] is not None else item["desc"]
            present = [r for r in records if r.get(field) is not None]
            absent = [r for r in records if r.get(field) is None]
            present.sort(
                key=lambda r, f=field, k=kind: self.sort_key(k, r[f]), reverse=item["desc"]
            )
            records = present + absent if nulls_last else absent + present
        records = records[query["offset"] :]
        if query["limit"] is not None:
            records = records[: query["limit"]]
        return [self.render(sobject, record, version, fields) for record in records]

    @staticmethod
    def sort_key(kind: str, value: Any) -> tuple[int, Any]:
        # Custom fields have no declared type: rank by JSON type so mixed values still sort.
        if kind == "datetime":
            return (0, parse_datetime(value))
        if isinstance(value, int | float):
            return (1, value)
        return (2, str(value).casefold())

    def compile_condition(
        self, sobject: str, node: tuple, column: Callable[[str], str]
    ) -> Callable[[dict[str, Any]], bool]:
        if node[0] in ("and", "or"):
            parts = [self.compile_condition(sobject, part, column) for part in node[1]]
            combine = all if node[0] == "and" else any
            return lambda record: combine(part(record) for part in parts)
        if node[0] == "not":
            inner = self.compile_condition(sobject, node[1], column)
            return lambda record: not inner(record)
        _, name, operator, literal = node
        field = column(name)
        kind = field_kind(sobject, field)[0]
        literals = literal if isinstance(literal, list) else [literal]
        converted = [self.filter_value(field, kind, operator, lit) for lit in literals]

        def matches(record: dict[str, Any]) -> bool:
            actual = self.comparable(kind, record.get(field))
            if operator == "in":
                return actual is not None and actual in converted
            if operator == "not in":
                return actual not in converted
            wanted = converted[0]
            if operator == "=":
                return actual == wanted
            if operator == "!=":
                return actual != wanted
            if actual is None or wanted is None:
                return False
            if operator == "like":
                return bool(wanted.match(str(record.get(field))))
            try:
                return {
                    "<": actual < wanted,
                    "<=": actual <= wanted,
                    ">": actual > wanted,
                    ">=": actual >= wanted,
                }[operator]
            except TypeError:
                return False

        return matches

    @staticmethod
    def comparable(kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind in ("id", "reference"):
            return normalise_id(value)
        if kind == "datetime":
            return parse_datetime(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if isinstance(value, str):
            return value.casefold()
        return value

    def filter_value(self, field: str, kind: str, operator: str, literal: tuple[str, Any]) -> Any:
        literal_kind, value = literal
        if literal_kind == "null":
            return None
        if operator == "like":
            if literal_kind != "string":
                raise malformed(f"invalid LIKE pattern for field '{field}'")
            return like_to_regex(value)
        expected = {
            "id": "string",
            "reference": "string",
            "string": "string",
            "int": "number",
            "double": "number",
            "datetime": "datetime",
            "date": "date",
            "boolean": "boolean",
        }.get(kind)
        if expected and literal_kind != expected:
            type_name = {"number": "double", "datetime": "dateTime"}.get(expected, expected)
            quoting = "should be enclosed" if expected == "string" else "should not be enclosed"
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"value of filter criterion for field '{field}' must be of type {type_name} "
                f"and {quoting} in quotes",
            )
        if kind in ("id", "reference"):
            record_id = normalise_id(value)
            if record_id is None:
                raise ApiError(400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value}")
            return record_id
        if isinstance(value, str):
            return value.casefold()
        return value

    # -- outbound messages ------------------------------------------------------------------
    def queue_notification(self, sobject: str, record: dict[str, Any]) -> None:
        if self.notifier:
            self.pending_notifications.append({"type": sobject, "record": dict(record)})

    def flush_notifications(self) -> None:
        """Hand queued messages to the notifier; call with the lock held, after the change."""
        pending, self.pending_notifications = self.pending_notifications, []
        for item in pending:
            self.notify(
                self.outbound_message(item["type"], item["record"]),
                {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "notifications"},
            )

    def outbound_message(self, sobject: str, record: dict[str, Any]) -> bytes:
        """Salesforce SOAP API guide, "Understanding the Outbound Messaging WSDL"."""
        org_id = self.org_id()
        action_id = id18("04k" + POD + ("000000001" if sobject == "Account" else "000000002"))
        api_version = getattr(settings, "SALESFORCE_API_VERSION", "62.0")
        fields = []
        for name, value in record.items():
            if value is None:
                continue
            kind = field_kind(sobject, name)[0]
            if kind == "datetime":
                text = soap_datetime(value)
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            fields.append(f"<sf:{name}>{escape(text)}</sf:{name}>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body>"
            '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
            f"<OrganizationId>{org_id}</OrganizationId>"
            f"<ActionId>{action_id}</ActionId>"
            '<SessionId xsi:nil="true"/>'
            f"<EnterpriseUrl>{escape(self.public_url)}/services/Soap/c/{api_version}/"
            f"{org_id[:15]}</EnterpriseUrl>"
            f"<PartnerUrl>{escape(self.public_url)}/services/Soap/u/{api_version}/"
            f"{org_id[:15]}</PartnerUrl>"
            "<Notification>"
            f"<Id>{random_id('04l')}</Id>"
            f'<sObject xsi:type="sf:{sobject}" '
            'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{''.join(fields)}"
            "</sObject>"
            "</Notification>"
            "</notifications>"
            "</soapenv:Body>"
            "</soapenv:Envelope>"
        ).encode()
