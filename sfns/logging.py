"""Logging filters: nothing that authenticates a request reaches a log line."""

from __future__ import annotations

import logging
import re

# The Salesforce outbound message URL carries a token (Salesforce cannot sign its messages).
_WEBHOOK_TOKEN = re.compile(r"(/webhooks/salesforce/)[^/\s?\"']+")


class RedactWebhookTokens(logging.Filter):
    """Replace the token in webhook URLs (Django's request and runserver logs print paths)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _WEBHOOK_TOKEN.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
