"""Inbound webhooks: Salesforce outbound messages (SOAP) and NetSuite customer events (JSON,
HMAC-signed). Each view authenticates, parses, and calls one service."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
import time

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.services import FINANCIAL_FIELDS, parse_salesforce_datetime
from integration_log.models import Direction, Operation, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings

from .services import inbound
from .soap import ACK, BadMessage, fault, parse_outbound_message

logger = logging.getLogger(__name__)
SUPPORTED_TYPES = ("Account", "Contact", "Opportunity")

# Body limits, checked on Content-Length before a byte is read. Generous, because a refused
# message is retried and then lost (Salesforce gives up after 24 hours):
# - Salesforce: at most 100 notifications a message. The shipped message fields (11 on
#   Account, 7 on Opportunity, none longer than 255 characters) make at most ~1.2 MB even at 4
#   UTF-8 bytes a character; 10 MB leaves room for an admin who adds a long text field.
# - NetSuite: one customer an event, ~15 short fields plus the mapped ones: 1 MB.
SALESFORCE_MAX_BODY = 10 * 1024 * 1024
NETSUITE_MAX_BODY = 1024 * 1024
MAX_REASON = 500  # characters of a refusal kept in the response and the log


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """
    The body, or None when its Content-Length is over `limit`. Read from the stream, not
    request.body: that one's DATA_UPLOAD_MAX_MEMORY_SIZE check (2.5 MB by default, meant for
    forms) raises before this view can say what is wrong, and Django answers a bare 400.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # Django reads such a body as empty; so does this
        length = 0
    if length > limit:
        return None
    return request.read()


def _short(text: str) -> str:
    return text if len(text) <= MAX_REASON else f"{text[: MAX_REASON - 3]}..."


def _stored_error(exc: Exception) -> str:
    """A database's refusal in one line: the rest of PostgreSQL's text quotes the SQL."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"a value cannot be stored: {first}"


def _xml(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _refuse(status: int, message: str, *, log: bool = True) -> HttpResponse:
    message = _short(message)
    logger.warning("salesforce outbound message refused (%s): %s", status, message)
    if log:
        record(
            operation=Operation.SALESFORCE_OUTBOUND_MESSAGE,
            direction=Direction.FROM_SALESFORCE,
            outcome=Outcome.ERROR,
            reason=message,
        )
    return _xml(fault("Client", message), status)


def salesforce_webhook_token() -> str:
    """
    The token in the Salesforce outbound message URL. Salesforce cannot sign its messages, so
    the URL must carry a secret; it is derived from SFNS_WEBHOOK_SECRET rather than being it,
    so a URL seen in an access log cannot sign NetSuite events.
    """
    key = settings.SFNS_WEBHOOK_SECRET.encode()
    return hmac.new(key, b"salesforce-outbound-message", hashlib.sha256).hexdigest()[:40]


def _same_org(org_id: str) -> bool:
    """18-character ids extend the 15-character form (the one Salesforce's setup page shows)."""
    return org_id[:15].encode() == settings.SALESFORCE_ORG_ID[:15].encode()


@csrf_exempt
@require_POST
def salesforce_outbound_message(request: HttpRequest, token: str) -> HttpResponse:
    """
    The endpoint to give Salesforce as the outbound message's Endpoint URL:
    https://<sfns>/webhooks/salesforce/<salesforce_webhook_token()>/ (`manage.py webhook_urls`
    prints it). The org id is checked too.
    """
    if not hmac.compare_digest(token.encode(), salesforce_webhook_token().encode()):
        return _refuse(403, "unknown webhook token", log=False)
    body = _read_body(request, SALESFORCE_MAX_BODY)
    if body is None:
        return _refuse(
            413,
            f"the message is over {SALESFORCE_MAX_BODY} bytes "
            f"(Content-Length {request.META.get('CONTENT_LENGTH')})",
        )
    try:
        message = parse_outbound_message(body)
        if not _same_org(message.organization_id):
            raise BadMessage(f"OrganizationId {message.organization_id} is not this org")
        for note in message.notifications:
            if note["type"] not in SUPPORTED_TYPES:
                raise BadMessage(
                    f"notification {note['id']}: sObject type {note['type']} is "
                    f"not synced (expected {', '.join(SUPPORTED_TYPES)})"
                )
            for stamp in ("LastModifiedDate", "SystemModstamp"):
                parse_salesforce_datetime(note["fields"].get(stamp))
            problem = inbound.salesforce_notification_problem(note)
            if problem:
                raise BadMessage(f"a value cannot be stored: {problem}")
    except ValueError as exc:  # BadMessage, or a date Salesforce would never send
        return _refuse(400, str(exc))
    try:
        inbound.salesforce_notifications_receive(notifications=message.notifications)
    except DataError as exc:  # the database's own check (PostgreSQL's are stricter than SQLite's)
        return _refuse(400, _stored_error(exc))
    logger.info(
        "salesforce outbound message %s: %d notification(s) received",
        message.action_id,
        len(message.notifications),
    )
    return _xml(ACK, 200)


NETSUITE_EVENTS = ("create", "update", "delete")
MAX_AMOUNT = 10**15  # the mirror keeps 18 digits with 2 decimals
MAX_DAYS = 2**31  # daysOverdue goes to an integer column (PostgreSQL's integer is 32 bits)
SIGNATURE_MAX_AGE = 300  # seconds: older signed requests are refused (replays)
# NetSuite's deepest values (an address book entry's country reference) are ~6 levels down.
MAX_JSON_DEPTH = 32
# A number as text: ASCII only (float() and Decimal() also take "1_000" and Arabic digits).
NUMBER_TEXT = re.compile(
    r"[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\r\n]*"
)
# NetSuite's REST API and SuiteScript give a checkbox as true/false, SuiteQL as "T"/"F".
CHECKBOX = {True: True, False: False, "T": True, "F": False}


def _json_error(status: int, message: str) -> JsonResponse:
    message = _short(message)
    logger.warning("netsuite webhook refused (%s): %s", status, message)
    return JsonResponse({"error": message}, status=status)


def _refuse_event(message: str) -> JsonResponse:
    """A signed event SFNS will not apply: logged, answered 400, nothing changed."""
    message = _short(message)
    record(
        operation=Operation.NETSUITE_CUSTOMER_EVENT,
        direction=Direction.FROM_NETSUITE,
        outcome=Outcome.ERROR,
        reason=message,
    )
    return _json_error(400, message)


def _verify_netsuite_signature(request: HttpRequest, body: bytes) -> str:
    """The reason the request's HMAC signature is not valid, or "" when it is."""
    stamp = request.headers.get("X-SFNS-Timestamp", "")
    signature = request.headers.get("X-SFNS-Signature", "")
    if not stamp or not signature:
        return "missing X-SFNS-Timestamp or X-SFNS-Signature header"
    if not re.fullmatch(r"[0-9]{1,12}", stamp):
        return "X-SFNS-Timestamp is not a Unix time"
    age = abs(time.time() - int(stamp))
    if age > SIGNATURE_MAX_AGE:
        return f"X-SFNS-Timestamp is more than {SIGNATURE_MAX_AGE} seconds off"
    expected = hmac.new(
        settings.SFNS_WEBHOOK_SECRET.encode(),
        stamp.encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    if not hmac.compare_digest(f"sha256={expected}".encode(), signature.encode()):
        return "bad signature"
    return ""


def _show(value: object) -> str:
    """A value for a message: repr (escapes NUL and surrogates), cut short."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _join(path: str, key: str | int) -> str:
    """fields.tags[2], fields['odd key']: where in the body a value is."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", key):
        return f"{path}.{key}" if path else key
    return f"{path or 'body'}[{_show(key)}]"


def _check_text(text: str, path: str) -> None:
    if "\x00" in text:
        raise ValueError(f"{path} contains a NUL character (\\u0000), which cannot be stored")
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValueError(
            f"{path} contains an unpaired surrogate ({_show(text)}): not Unicode text"
        ) from None


def _check_json(body: object) -> None:
    """
    Refuse what Python's json accepts but JSON and the database do not: NaN and Infinity
    (also 1e999, which parses as Infinity; PostgreSQL's jsonb and SQLite's JSON check reject
    them), NUL characters and unpaired surrogates (no database text can hold them), and nesting
    deeper than MAX_JSON_DEPTH. The message says where.
    """
    stack: list[tuple[object, str, int]] = [(body, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            name = "NaN" if math.isnan(value) else ("-" if value < 0 else "") + "Infinity"
            raise ValueError(
                f"{path or 'body'} is {name}: numbers must be finite "
                "(NaN and Infinity are not JSON; 1e999 is read as Infinity)"
            )
        if isinstance(value, str):
            _check_text(value, path or "body")
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise ValueError(f"{path or 'body'} is nested deeper than {MAX_JSON_DEPTH} levels")
            items = list(value.items() if isinstance(value, dict) else enumerate(value))
            for key, item in reversed(items):  # reported in document order
                if isinstance(key, str):
                    _check_text(key, f"a key in {path or 'body'}")
                stack.append((item, _join(path, key), depth + 1))


def _text_or_null(value: object, path: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{path} must be a text or null, not {_show(value)}")


def parse_netsuite_event(body: bytes, *, conf: IntegrationSettings | None = None) -> dict:
    """
    Validate the JSON the SFNS SuiteScript sends (deploy/netsuite/); ValueError says what is
    wrong and where. Signed input is still input: every value SFNS reads from the event is
    checked here (sync.services.inbound, accounts.services.customer_upsert_from_netsuite), and
    the lock checkbox comes out as a boolean.
    """
    conf = conf or IntegrationSettings.load()
    try:
        event = json.loads(body)
    except RecursionError:
        raise ValueError(f"body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise ValueError(f"body is not JSON ({exc})") from exc
    if not isinstance(event, dict):
        raise ValueError("body must be a JSON object")
    _check_json(event)
    if event.get("recordType") != "customer":
        raise ValueError("recordType must be 'customer'")
    if event.get("event") not in NETSUITE_EVENTS:
        raise ValueError(f"event must be one of {', '.join(NETSUITE_EVENTS)}")
    # str.isdigit() also takes "²" and other Unicode digits; internal ids are ASCII.
    if not isinstance(event.get("id"), str) or not re.fullmatch(r"[0-9]{1,32}", event["id"]):
        raise ValueError("id must be the customer's internal id, as a string of digits")
    if not isinstance(event.get("fields", {}), dict):
        raise ValueError("fields must be an object")
    fields = event.setdefault("fields", {})
    _text_or_null(event.get("externalId"), "externalId")
    for name in ("externalId", conf.netsuite_salesforce_id_field, "companyName"):
        _text_or_null(fields.get(name), _join("fields", name))
    lock = conf.netsuite_lock_field
    if fields.get(lock) is not None:
        if not isinstance(fields[lock], bool | str) or fields[lock] not in CHECKBOX:
            raise ValueError(
                f'{_join("fields", lock)} is a checkbox: true or false ("T" or "F"), '
                f"not {_show(fields[lock])}"
            )
        fields[lock] = CHECKBOX[fields[lock]]
    for name in FINANCIAL_FIELDS:
        value = fields.get(name)
        if value is not None and not _is_number(value):
            raise ValueError(f"fields.{name} must be a number, not {_show(value)}")
        limit = MAX_DAYS if name == "daysOverdue" else MAX_AMOUNT
        if value is not None and abs(float(value)) >= limit:
            raise ValueError(f"fields.{name} is out of range: {_show(value)}")
    for where, stamp in (
        ("lastModifiedDate", event.get("lastModifiedDate")),
        ("fields.lastModifiedDate", fields.get("lastModifiedDate")),
    ):
        if stamp is not None and not isinstance(stamp, str):
            raise ValueError(f"{where} must be an ISO 8601 date-time text")
        try:
            parse_salesforce_datetime(stamp)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return event


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        try:
            return math.isfinite(value)
        except OverflowError:  # an int too big for a float
            return False
    try:
        return (
            isinstance(value, str)
            and NUMBER_TEXT.fullmatch(value) is not None
            and math.isfinite(float(value))
        )
    except (ValueError, OverflowError):
        return False


@csrf_exempt
@require_POST
def netsuite_customer_webhook(request: HttpRequest) -> JsonResponse:
    """Customer changes POSTed by the SFNS SuiteScript (afterSubmit), HMAC-signed."""
    body = _read_body(request, NETSUITE_MAX_BODY)
    if body is None:  # not logged: the signature is not checked yet, anyone can send this
        return _json_error(
            413,
            f"the event is over {NETSUITE_MAX_BODY} bytes "
            f"(Content-Length {request.META.get('CONTENT_LENGTH')})",
        )
    problem = _verify_netsuite_signature(request, body)
    if problem:
        return _json_error(401, problem)
    try:
        event = parse_netsuite_event(body)
    except ValueError as exc:
        return _refuse_event(str(exc))
    try:
        result = inbound.netsuite_customer_event_apply(event=event)
    except DataError as exc:  # a value the mirror cannot take; nothing was written
        return _refuse_event(_stored_error(exc))
    return JsonResponse({"ok": True, "result": result})
