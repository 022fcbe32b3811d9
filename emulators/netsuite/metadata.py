"""
The metadata catalog (REST web services, "Working with Resource Metadata"): GET
record/v1/metadata-catalog lists the record types; GET record/v1/metadata-catalog/<type> with
Accept: application/schema+json answers the type's JSON Schema, its standard fields and the
account's custom fields alike. And POST /__emulator__/fields, which adds and drops custom fields
as an administrator would.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ns_error
from .package import PackageError, custom_field
from .schema import RECORD_TYPES

CATALOG = "/services/rest/record/v1/metadata-catalog"
SCHEMA_TYPE = "application/schema+json"
# The JSON Schema of each kind of field; NetSuite's are draft-06 hyper-schemas ("Working with
# JSON Schema Metadata": e.g. an integer custom field is {"type": "integer", "format": "int64"}).
KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "integer": {"type": "integer", "format": "int64"},
    "number": {"type": "number", "format": "double"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "reference": {"type": "object"},
    "sublist": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "object"}}},
    },
    "links": {"type": "array", "items": {"$ref": f"{CATALOG}/nsLink"}},
}


def property_schema(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One field's entry in the record's JSON Schema "properties"."""
    prop: dict[str, Any] = {"title": spec["title"], **KIND_SCHEMAS[spec["type"]]}
    if spec.get("maxLength"):
        prop["maxLength"] = spec["maxLength"]
    if spec.get("recordType"):
        prop["$ref"] = f"{CATALOG}/{spec['recordType']}"
    prop["nullable"] = name != "id"
    if spec.get("readOnly"):
        prop["readOnly"] = True
    if spec.get("custom"):
        prop["x-ns-custom-field"] = True
    return prop


class MetadataMixin:
    """The catalog over record_fields() (RecordsMixin) and the custom fields in the state."""

    state: dict[str, Any]

    def metadata_catalog(self, request: Request) -> Response:
        base = f"{request.host_url.rstrip('/')}{CATALOG}"
        items = [
            {"name": rtype.lower(), "links": _catalog_links(f"{base}/{rtype.lower()}")}
            for rtype in RECORD_TYPES
        ]
        return json_response({"items": items, "links": [{"rel": "self", "href": base}]})

    def metadata_record(self, request: Request, name: str) -> Response:
        # The catalog names record types in lower case (salesorder); the record URLs take both.
        rtype = {known.lower(): known for known in RECORD_TYPES}.get(name.lower())
        if rtype is None:
            return ns_error(404, "INVALID_RECORD_TYPE", f"Record type '{name}' does not exist.")
        if SCHEMA_TYPE not in request.headers.get("Accept", ""):
            return ns_error(
                406,
                "INVALID_HEADER",
                f"The emulator describes records as {SCHEMA_TYPE} only (OpenAPI 3.0, "
                "application/swagger+json, is not emulated).",
                header="Accept",
            )
        with self.lock:
            fields = self.record_fields(rtype)
        schema = {
            "type": "object",
            "properties": {name: property_schema(name, spec) for name, spec in fields.items()},
            "$schema": "https://json-schema.org/draft-06/hyper-schema#",
        }
        return Response(json.dumps(schema), content_type=SCHEMA_TYPE)

    def change_fields(self, body: dict[str, Any]) -> Response:
        """
        POST /__emulator__/fields {"record": "customer", "add": {"custentity_x": {"type":
        "string", "title"?, "maxLength"?, "recordType"?}}, "drop": ["custentity_y"]}: drops
        first (with the values records hold), then adds. Call with the lock held.
        """
        rtype = body.get("record", "customer")
        if rtype not in RECORD_TYPES:
            return _refused(f"record must be one of {', '.join(RECORD_TYPES)}")
        custom = self.state["custom_fields"][rtype]
        drop, add = body.get("drop") or [], body.get("add") or {}
        if not isinstance(drop, list) or not isinstance(add, dict):
            return _refused('"drop" is a list of field ids, "add" an object of fields')
        unknown = [str(n) for n in drop if not isinstance(n, str) or n not in custom]
        if unknown:
            return _refused(f"no custom {rtype} field {', '.join(unknown)} to drop")
        try:
            added = {name: custom_field(rtype, name, **_spec(spec)) for name, spec in add.items()}
        except PackageError as exc:
            return _refused(str(exc))
        for name in drop:
            del custom[name]
            for record in self.state["records"][rtype].values():
                record.pop(name, None)
        custom.update(added)
        self.save_state()
        return json_response({"ok": True, "record": rtype, "fields": custom})


def _spec(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise PackageError(f'a field to add is {{"type": ...}}, not {spec!r}')
    extra = {key: spec[key] for key in ("title", "maxLength", "recordType") if key in spec}
    return {"kind": spec["type"], **extra}


def _refused(message: str) -> Response:
    return json_response({"ok": False, "error": message}, 400)


def _catalog_links(href: str) -> list[dict[str, str]]:
    """Where a record type's metadata is, in each format ("Getting Metadata")."""
    return [
        {"rel": "canonical", "href": href, "mediaType": "application/json"},
        {"rel": "alternate", "href": href, "mediaType": "application/swagger+json"},
        {"rel": "alternate", "href": href, "mediaType": SCHEMA_TYPE},
    ]
