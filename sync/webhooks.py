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

from .services import inbound
from .soap import ACK, BadMessage, fault, parse_outbound_message

logger = logging.getLogger(__name__)
SUPPORTED_TYPES = ("Account", "Opportunity")


def _xml(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _refuse(status: int, message: str, *, log: bool = True) -> HttpResponse:
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
    try:
        message = parse_outbound_message(request.body)
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
    except ValueError as exc:  # BadMessage, or a date Salesforce would never send
        return _refuse(400, str(exc))
    try:
        counts = inbound.salesforce_notifications_apply(notifications=message.notifications)
    except (ValueError, DataError) as exc:  # a value the mirror cannot take: all rolled back
        return _refuse(400, f"a value cannot be stored: {exc}")
    logger.info("salesforce outbound message %s applied: %s", message.action_id, counts)
    return _xml(ACK, 200)


NETSUITE_EVENTS = ("create", "update", "delete")
MAX_AMOUNT = 10**15  # the mirror keeps 18 digits with 2 decimals
SIGNATURE_MAX_AGE = 300  # seconds: older signed requests are refused (replays)


def _json_error(status: int, message: str) -> JsonResponse:
    logger.warning("netsuite webhook refused (%s): %s", status, message)
    return JsonResponse({"error": message}, status=status)


def _verify_netsuite_signature(request: HttpRequest) -> str:
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
        stamp.encode() + b"." + request.body,
        hashlib.sha256,
    ).hexdigest()
    if not hmac.compare_digest(f"sha256={expected}".encode(), signature.encode()):
        return "bad signature"
    return ""


def parse_netsuite_event(body: bytes) -> dict:
    """Validate the JSON the SFNS SuiteScript sends (deploy/netsuite/); ValueError says why."""
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"body is not JSON ({exc})") from exc
    if not isinstance(event, dict):
        raise ValueError("body must be a JSON object")
    if event.get("recordType") != "customer":
        raise ValueError("recordType must be 'customer'")
    if event.get("event") not in NETSUITE_EVENTS:
        raise ValueError(f"event must be one of {', '.join(NETSUITE_EVENTS)}")
    # str.isdigit() also takes "²" and other Unicode digits; internal ids are ASCII.
    if not isinstance(event.get("id"), str) or not re.fullmatch(r"[0-9]{1,32}", event["id"]):
        raise ValueError("id must be the customer's internal id, as a string of digits")
    if not isinstance(event.get("fields", {}), dict):
        raise ValueError("fields must be an object")
    event.setdefault("fields", {})
    for name in FINANCIAL_FIELDS:
        value = event["fields"].get(name)
        if value is not None and not _is_number(value):
            raise ValueError(f"fields.{name} must be a number, not {value!r}")
        if value is not None and abs(float(value)) >= MAX_AMOUNT:
            raise ValueError(f"fields.{name} is out of range: {value!r}")
    stamp = event.get("lastModifiedDate")
    if stamp is not None and not isinstance(stamp, str):
        raise ValueError("lastModifiedDate must be an ISO 8601 date-time text")
    if stamp is not None:
        parse_salesforce_datetime(stamp)
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
        return isinstance(value, str) and math.isfinite(float(value))
    except (ValueError, OverflowError):
        return False


@csrf_exempt
@require_POST
def netsuite_customer_webhook(request: HttpRequest) -> JsonResponse:
    """Customer changes POSTed by the SFNS SuiteScript (afterSubmit), HMAC-signed."""
    problem = _verify_netsuite_signature(request)
    if problem:
        return _json_error(401, problem)
    try:
        event = parse_netsuite_event(request.body)
    except ValueError as exc:
        record(
            operation=Operation.NETSUITE_CUSTOMER_EVENT,
            direction=Direction.FROM_NETSUITE,
            outcome=Outcome.ERROR,
            reason=str(exc),
        )
        return _json_error(400, str(exc))
    try:
        result = inbound.netsuite_customer_event_apply(event=event)
    except DataError as exc:  # a value the mirror cannot take; nothing was written
        return _json_error(400, f"a value cannot be stored: {exc}")
    return JsonResponse({"ok": True, "result": result})
