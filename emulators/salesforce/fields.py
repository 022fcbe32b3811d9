"""
Field names and values as the REST API takes and gives them: case-insensitive names of the
org's standard and custom fields, values checked by values.py, required and unique fields, and
records rendered with their attributes.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .ids import normalise_id
from .schema import (
    LEADING_SYSTEM_FIELDS,
    ORGANIZATION_FIELDS,
    READ_ONLY_FIELDS,
    REQUIRED_FIELDS,
    SYSTEM_FIELDS,
    TRAILING_SYSTEM_FIELDS,
    WRITABLE_FIELDS,
    standard_field,
)
from .values import clean_value, parser_error


def not_writable(field: str) -> ApiError:
    """A field the org sets, or one fixed at create, named in a create or update."""
    return ApiError(
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to create/update fields: {field}. Please check the security settings of this "
        "field and verify that it is read/write for your profile or permission set.",
        [field],
    )


class FieldsMixin:
    """Validation and rendering; uses the emulator's state, lock and id_of_type()."""

    state: dict[str, Any]
    field_names: dict[str, dict[str, str]]  # sObject -> {lower-case name: API name}

    def known_fields(self, sobject: str) -> list[str]:
        if sobject == "Organization":
            return list(ORGANIZATION_FIELDS)
        return [
            *LEADING_SYSTEM_FIELDS[sobject],
            *WRITABLE_FIELDS[sobject],
            *TRAILING_SYSTEM_FIELDS,
            *self.state["custom_fields"][sobject],
        ]

    def field_spec(self, sobject: str, name: str) -> dict[str, Any]:
        """The field's type and limits (see package.field_spec); KeyError when there is none."""
        custom = self.state["custom_fields"].get(sobject, {})
        return custom[name] if name in custom else standard_field(sobject, name)

    def field_kind(self, sobject: str, name: str) -> str:
        return self.field_spec(sobject, name)["type"]

    def canonical_field(self, sobject: str, name: str, *, strict: bool = True) -> str | None:
        """The API name for name in any case; a field the org lacks is INVALID_FIELD."""
        names = self.field_names.get(sobject)
        if names is None:  # forgotten whenever the state or the org's fields change
            names = {known.lower(): known for known in self.known_fields(sobject)}
            self.field_names[sobject] = names
        if name.lower() in names:
            return names[name.lower()]
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
            if field in SYSTEM_FIELDS or field in READ_ONLY_FIELDS.get(sobject, ()):
                if not allow_system:
                    raise not_writable(field)
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
            spec = self.field_spec(sobject, field)
            if spec["type"] == "reference":
                values[field] = self.clean_reference(field, spec["referenceTo"][0], value)
            else:
                values[field] = clean_value(field, spec, value)
        return values

    def clean_reference(self, field: str, target: str, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, dict | list):
            raise parser_error(field, "reference", value)
        if not self.id_of_type(target, value):
            raise ApiError(
                400,
                "MALFORMED_ID",
                f"{field}: id value of incorrect type: {value}",
                [field],
            )
        reference = normalise_id(value)
        if target in self.state["deleted"] and reference in self.state["deleted"][target]:
            raise ApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [field])
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

    def check_unique(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        """A unique custom field refuses a value another record holds (DUPLICATE_VALUE)."""
        custom = self.state["custom_fields"][sobject]
        for field, value in values.items():
            spec = custom.get(field)
            if value is None or not spec or not spec["unique"]:
                continue
            for other_id in self.ids_holding(sobject, field, value):
                held = self.record(sobject, other_id)[field]
                if other_id == record_id or (spec["caseSensitive"] and str(held) != str(value)):
                    continue
                raise ApiError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {field} duplicates value on record with "
                    f"id: {other_id}",
                    [field],
                )
