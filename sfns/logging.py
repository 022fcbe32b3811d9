"""Logging: to stderr, and nothing that authenticates a request reaches a log line."""

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


def logging_config(*, level: str) -> dict:
    """The LOGGING setting: every line to stderr through the token filter, at level."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_tokens": {"()": "sfns.logging.RedactWebhookTokens"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["redact_tokens"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own DEBUG console handler would print request paths unfiltered.
            "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "django.db.backends": {"level": "WARNING"},
            # django-axes' start-up banner, in every process; its login failures are warnings.
            "axes.apps": {"level": "WARNING"},
            # runserver's request lines, through the filtered handler (Django gives them theirs)
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
