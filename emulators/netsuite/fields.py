"""
What a record body may hold: its record type's standard fields (schema.py) and the account's
custom fields (package.py, or added at run time), each value of the field's kind, with the 400
NetSuite answers otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from werkzeug.wrappers import Response

from .errors import ns_error
from .schema import EXTERNAL_ID


def body_error(rtype: str, fields: dict[str, dict], body: dict) -> Response | None:
    """The 400 for the first field of body that rtype (with fields) does not take, or None."""
    for key, value in body.items():
        spec = fields.get(key)
        if spec is None:
            # A field the account does not have: a typo, or a custom field never deployed.
            return ns_error(
                400,
                "INVALID_CONTENT",
                f"Invalid field name: {key}. The field does not exist on {rtype}.",
                key,
            )
        if spec.get("readOnly"):
            return ns_error(
                400, "INVALID_CONTENT", f"The field {key} is read-only and cannot be set.", key
            )
        if value is not None and (refused := value_error(key, spec, value)):
            return refused
    eid = body.get("externalId")
    if eid is not None and not EXTERNAL_ID.match(eid):
        return ns_error(
            400,
            "INVALID_CONTENT",
            "Invalid externalId: use letters, digits, '_' and '-'.",
            "externalId",
        )
    return None


def value_error(key: str, spec: dict, value: Any, path: str | None = None) -> Response | None:
    """The 400 for a (non-null) value field key does not take; path: where it is in the body
    (o:errorPath), key itself unless said."""
    kind, path = spec["type"], path or key
    if kind == "reference" and not (isinstance(value, dict) and "id" in value):
        return ns_error(
            400,
            "INVALID_CONTENT",
            f'Invalid value for the reference field {key}: expected {{"id": ...}}.',
            path,
        )
    if not value_fits(kind, value):
        shown = value if isinstance(value, str) else json.dumps(value)
        # The wording of NetSuite's own invalid-value error (REST "Error Handling" page).
        return ns_error(
            400,
            "INVALID_CONTENT",
            "Error while accessing resource: You have entered an Invalid Field Value "
            f"{shown} for the following field: {key}",
            path,
        )
    limit = spec.get("maxLength")
    if kind == "string" and limit and len(value) > limit:
        return ns_error(
            400,
            "USER_ERROR",
            f"The field {key} contained more than the maximum number ( {limit} ) of "
            "characters allowed.",
            path,
        )
    return None


def value_fits(kind: str, value: Any) -> bool:
    """Whether a (non-null) JSON value is one the kind takes; a checkbox takes true or false."""
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("date", "datetime"):
        return isinstance(value, str) and _parses(kind, value)
    if kind == "sublist":
        return isinstance(value, dict) and isinstance(value.get("items", []), list)
    return isinstance(value, dict)


def _parses(kind: str, value: str) -> bool:
    try:
        if kind == "date":
            dt.date.fromisoformat(value)
        else:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return kind == "datetime" or len(value) == 10
