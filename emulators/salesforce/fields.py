"""
Field names and values as the REST API takes and gives them: case-insensitive names, type and
length checks with Salesforce's error codes, required fields, and records rendered with
their attributes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from .errors import ApiError
from .ids import normalise_id
from .schema import (
    ORGANIZATION_FIELDS,
    REQUIRED_FIELDS,
    SYSTEM_FIELDS,
    WRITABLE_FIELDS,
    field_kind,
    parse_datetime,
    rest_datetime,
)


class FieldsMixin:
    """Validation and rendering; uses the emulator's state, lock and id_of_type()."""

    state: dict[str, Any]

    def known_fields(self, sobject: str) -> list[str]:
        if sobject == "Organization":
            return list(ORGANIZATION_FIELDS)
        return [
            "Id",
            *WRITABLE_FIELDS[sobject],
            "CreatedDate",
            "LastModifiedDate",
            "SystemModstamp",
            *self.state["custom_fields"][sobject],
        ]

    def canonical_field(self, sobject: str, name: str, *, strict: bool = True) -> str | None:
        """The API name for name in any case; custom fields keep the case first seen."""
        for known in self.known_fields(sobject):
            if known.lower() == name.lower():
                return known
        if name.lower().endswith("__c") and re.match(r"^[A-Za-z][A-Za-z0-9_]*__c$", name):
            return name
        if strict:
            message = f"No such column '{name}' on sobject of type {sobject}"
            raise ApiError(400, "INVALID_FIELD", message, [name])
        return None

    def requested_fields(self, sobject: str, fields: str | None) -> list[str] | None:
        if not fields:
            return None
        names = [name.strip() for name in fields.split(",") if name.strip()]
        with self.lock:
            return [self.canonical_field(sobject, name) for name in names]  # type: ignore[misc]

    def render(
        self, sobject: str, record: dict[str, Any], version: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        url = f"/services/data/{version}/sobjects/{sobject}/{record['Id']}"
        names = fields if fields is not None else self.known_fields(sobject)
        rendered: dict[str, Any] = {"attributes": {"type": sobject, "url": url}}
        for name in names:
            rendered[name] = record.get(name)
        if fields is None:
            rendered.update({k: v for k, v in record.items() if k not in rendered})
        return rendered

    def clean_fields(
        self,
        sobject: str,
        raw: dict[str, Any],
        *,
        allow_system: bool = False,
        upsert_field: str | None = None,
    ) -> dict[str, Any]:
        """Validate and normalise a request body's fields into stored values."""
        if not isinstance(raw, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if name == "attributes":
                continue
            field = self.canonical_field(sobject, name)
            assert field is not None
            if field == upsert_field:
                continue
            kind, extra = field_kind(sobject, field)
            if field in SYSTEM_FIELDS:
                if not allow_system:
                    raise ApiError(
                        400,
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to create/update fields: {field}. Please check the security "
                        "settings of this field and verify that it is read/write for your "
                        "profile or permission set.",
                        [field],
                    )
                if field == "Id":
                    if not self.id_of_type(sobject, value):
                        raise ApiError(
                            400,
                            "MALFORMED_ID",
                            f"{sobject} ID: id value of incorrect type: {value}",
                            ["Id"],
                        )
                    values["Id"] = normalise_id(value)
                    continue
            values[field] = self.clean_value(sobject, field, kind, extra, value)
        return values

    def clean_value(self, sobject: str, field: str, kind: str, extra: Any, value: Any) -> Any:
        """The stored form of one value; extra is a string's max length or a reference's target."""
        if value is None or value == "":
            return None
        if isinstance(value, dict | list):
            raise parser_error(field, kind, value)
        if kind == "any":
            return value
        if kind == "string":
            return clean_string(field, extra, value)
        if kind in ("int", "double"):
            return clean_number(field, kind, value)
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
        if kind == "reference":
            return self.clean_reference(field, extra, value)
        return value

    def clean_reference(self, field: str, target: str, value: Any) -> str | None:
        if not self.id_of_type(target, value):
            raise ApiError(
                400,
                "MALFORMED_ID",
                f"{field}: id value of incorrect type: {value}",
                [field],
            )
        reference = normalise_id(value)
        if target in self.state["records"] and reference not in self.state["records"][target]:
            raise ApiError(
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                [field],
            )
        return reference

    def check_required(self, sobject: str, values: dict[str, Any]) -> None:
        missing = [name for name in REQUIRED_FIELDS[sobject] if values.get(name) is None]
        if missing:
            raise ApiError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )


def parser_error(field: str, type_name: str, value: Any) -> ApiError:
    return ApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {type_name} from value {json.dumps(value)} "
        f"or request may be missing a required field ({field})",
        [field],
    )


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


def clean_number(field: str, kind: str, value: Any) -> int | float:
    """kind is "int" or "double"; a boolean, or a fraction for an int, is refused."""
    if isinstance(value, bool):
        raise parser_error(field, kind, value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise parser_error(field, kind, value) from None
    if kind == "int":
        if number != int(number):
            raise parser_error(field, kind, value)
        return int(number)
    return number
