"""
One field value as the REST API takes it: checked against the field's type, length, precision or
picklist, refused with Salesforce's error codes, and turned into the form the org stores.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .errors import ApiError
from .package import NUMBER_KINDS as DECIMAL_KINDS
from .package import TEXT_KINDS
from .schema import parse_datetime, rest_datetime

NUMBER_KINDS = DECIMAL_KINDS | {"int"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parser_error(field: str, type_name: str, value: Any) -> ApiError:
    return ApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {type_name} from value {json.dumps(value)} "
        f"or request may be missing a required field ({field})",
        [field],
    )


def clean_value(field: str, spec: dict[str, Any], value: Any) -> Any:
    """The stored form of value for a field of this spec (references are checked elsewhere)."""
    kind = spec["type"]
    if kind == "boolean":
        return clean_boolean(field, value)
    if value is None or value == "":
        return None
    if isinstance(value, dict | list):
        raise parser_error(field, kind, value)
    if kind in TEXT_KINDS:
        return clean_text(field, spec, value)
    if kind in NUMBER_KINDS:
        return clean_number(field, spec, value)
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            raise parser_error(field, "date", value) from None
    if kind == "datetime":
        try:
            return rest_datetime(parse_datetime(str(value)))
        except ValueError:
            raise parser_error(field, "datetime", value) from None
    return value


def clean_text(field: str, spec: dict[str, Any], value: Any) -> str:
    text = clean_string(field, spec["length"], value)
    if spec["type"] == "email" and not EMAIL.match(text):
        raise ApiError(
            400, "INVALID_EMAIL_ADDRESS", f"{field}: invalid email address: {text}", [field]
        )
    restricted = spec["type"] == "picklist" and spec["restrictedPicklist"]
    if restricted and text not in spec["picklistValues"]:
        raise ApiError(
            400,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{spec['label']}: bad value for restricted picklist field: {text}",
            [field],
        )
    return text


def clean_string(field: str, max_length: int, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    if len(text) > max_length:
        raise ApiError(
            400,
            "STRING_TOO_LONG",
            f"{field}: data value too large: {text[:50]} (max length={max_length})",
            [field],
        )
    return text


def clean_number(field: str, spec: dict[str, Any], value: Any) -> int | float:
    """A boolean, a fraction for an int, or more whole digits than the field holds, is refused."""
    kind = spec["type"]
    if isinstance(value, bool):
        raise parser_error(field, kind, value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise parser_error(field, kind, value) from None
    if not math.isfinite(number):
        raise parser_error(field, kind, value)
    if kind == "int":
        if number != int(number):
            raise parser_error(field, kind, value)
        return int(number)
    # Salesforce rounds to the field's scale (half up) and refuses too many whole digits.
    try:
        rounded = Decimal(str(number)).quantize(Decimal(1).scaleb(-spec["scale"]), ROUND_HALF_UP)
    except InvalidOperation:  # more digits than any field holds
        rounded = None
    whole_digits = spec["precision"] - spec["scale"]
    if rounded is None or abs(rounded) >= Decimal(10) ** whole_digits:
        raise ApiError(
            400,
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{spec['label']}: value outside of valid range on numeric field: {value}",
            [field],
        )
    return float(rounded)


def clean_boolean(field: str, value: Any) -> bool:
    """A checkbox is never null: null and "" clear it to false."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise parser_error(field, "boolean", value)
