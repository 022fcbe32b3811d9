"""Inbound webhooks: Salesforce outbound messages (SOAP). Parse, authenticate, call a service."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.services import parse_salesforce_datetime
from integration_log.models import Direction, Outcome
from integration_log.services import record

from . import services
from .soap import ACK, BadMessage, fault, parse_outbound_message

logger = logging.getLogger(__name__)
SUPPORTED_TYPES = ("Account",)


def _xml(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _refuse(status: int, message: str, *, log: bool = True) -> HttpResponse:
    logger.warning("salesforce outbound message refused (%s): %s", status, message)
    if log:
        record(
            operation="salesforce_outbound_message",
            direction=Direction.INBOUND,
            outcome=Outcome.ERROR,
            reason=message,
        )
    return _xml(fault("Client", message), status)


@csrf_exempt
@require_POST
def salesforce_outbound_message(request: HttpRequest, token: str) -> HttpResponse:
    """
    The endpoint to give Salesforce as the outbound message's Endpoint URL:
    https://<sfns>/webhooks/salesforce/<SFNS_WEBHOOK_SECRET>/ (Salesforce cannot sign its
    messages, so the URL carries the secret; the org id is checked too).
    """
    if not hmac.compare_digest(token.encode(), settings.SFNS_WEBHOOK_SECRET.encode()):
        return _refuse(403, "unknown webhook token", log=False)
    try:
        message = parse_outbound_message(request.body)
        if not hmac.compare_digest(message.organization_id, settings.SALESFORCE_ORG_ID):
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
    counts = services.salesforce_notifications_apply(notifications=message.notifications)
    logger.info("salesforce outbound message %s applied: %s", message.action_id, counts)
    return _xml(ACK, 200)
