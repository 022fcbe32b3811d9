"""SFNS's own refusal, beside the clients' errors: callers catch ClientError for both."""

from __future__ import annotations

from .clients.errors import ClientError


class SyncRefused(ClientError):
    """The operation is not allowed here (edition, setting, missing link, mapping): needs a
    person, so it is never retried. Its message is one of the refusal texts in rules.py."""
