"""
Change notifications as the SuiteScript SFNS ships sends them (deploy/netsuite, its User Event
script): customer creates, updates and deletes POSTed as JSON, signed with HMAC-SHA256 over
"timestamp.body".
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings
from werkzeug.wrappers import Request


class WebhookMixin:
    """Posts customer changes to the notify URL; a 2xx answer is a delivery."""

    state: dict[str, Any]

    def notification_accepted(self, response: Any) -> bool:
        return 200 <= response.status_code < 300

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
