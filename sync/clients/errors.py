"""Typed errors both clients raise, so callers can tell "retry later" from "needs a person"."""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base class. Messages never contain credentials."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        field_errors: list[dict[str, Any]] | None = None,
        response: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.field_errors = field_errors or []
        self.response = response


class AuthError(ClientError):
    """Credentials refused or not allowed: a configuration problem."""


class NotFound(ClientError):
    """The record does not exist (or was deleted)."""


class Rejected(ClientError):
    """The far side refused the data (validation); field_errors says which fields and why."""


class Transient(ClientError):
    """Timeouts, 5xx, lock contention: worth retrying with backoff."""

    retryable = True


class RateLimited(Transient):
    """Over a rate or concurrency limit: wait, then retry."""


TRANSIENT_ERRORS = (Transient,)
