"""Salesforce REST errors, raised anywhere in the emulator and rendered as the API renders them."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ..base import json_response


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


def malformed(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)
