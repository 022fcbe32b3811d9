"""
The org's schema as the REST API shows it (GET sobjects/{sObject}/describe and GET sobjects/, as in
the REST API Developer Guide's "sObject Describe" and "Describe Global") and as tests change it
(POST /__emulator__/fields).
"""

from __future__ import annotations

import copy
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import not_found
from .ids import KEY_PREFIXES
from .indexes import FieldIndexes
from .limits import api_call
from .package import CUSTOM_OBJECTS, PackageError, field_from_control
from .schema import (
    CREATE_ONLY_FIELDS,
    NOT_NILLABLE_FIELDS,
    NULLABLE_SYSTEM_FIELDS,
    QUERYABLE,
    READ_ONLY_FIELDS,
    REQUIRED_FIELDS,
    SOBJECT_LABELS,
    SYSTEM_FIELDS,
    WRITABLE_FIELDS,
)

MERGEABLE = frozenset({"Account", "Contact"})
# Records found through their parent, not by a search.
UNSEARCHABLE = frozenset({"PricebookEntry", "OpportunityLineItem"})
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


def describe_field(sobject: str, spec: dict[str, Any], *, custom: bool) -> dict[str, Any]:
    """One entry of describe's "fields": every key on every field, as Salesforce gives them."""
    name, kind = spec["name"], spec["type"]
    system = sobject == "Organization" or name in SYSTEM_FIELDS
    createable = not system and name not in READ_ONLY_FIELDS.get(sobject, ())
    # MasterRecordId: set by a merge only, so null until then (nillable, no default).
    nullable_system = name in NULLABLE_SYSTEM_FIELDS
    defaulted = (system and not nullable_system) or name == "OwnerId" or kind == "boolean"
    required = name in (*REQUIRED_FIELDS.get(sobject, ()), *NOT_NILLABLE_FIELDS.get(sobject, ()))
    reference = kind == "reference"
    return {
        "name": name,
        "label": spec["label"],
        "type": kind,
        "soapType": SOAP_TYPES.get(kind, "xsd:string"),
        "length": spec["length"],
        "byteLength": spec["length"] * 3,
        "precision": spec["precision"],
        "scale": spec["scale"],
        "digits": spec.get("digits", 0),
        "custom": custom,
        "calculated": False,
        "createable": createable,
        "updateable": createable and name not in CREATE_ONLY_FIELDS.get(sobject, ()),
        "nillable": nullable_system or (not system and not required and not defaulted),
        "defaultedOnCreate": defaulted,
        "externalId": spec["externalId"],
        "unique": spec["unique"],
        "caseSensitive": spec["caseSensitive"],
        "idLookup": spec.get("idLookup", False) or spec["externalId"],
        "nameField": name == "Name",
        "referenceTo": spec.get("referenceTo", []),
        "relationshipName": name.removesuffix("Id") if reference else None,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": False,
                "label": value,
                "validFor": None,
                "value": value,
            }
            for value in spec["picklistValues"]
        ],
        "restrictedPicklist": spec["restrictedPicklist"],
        "inlineHelpText": spec["inlineHelpText"],
    }


def sobject_summary(sobject: str, version: str) -> dict[str, Any]:
    """What describe and the global list both say of an sObject."""
    writable = sobject in WRITABLE_FIELDS
    label, plural = SOBJECT_LABELS[sobject]
    url = f"/services/data/{version}/sobjects/{sobject}"
    return {
        "name": sobject,
        "label": label,
        "labelPlural": plural,
        "keyPrefix": KEY_PREFIXES[sobject],
        "custom": False,
        "createable": writable,
        "updateable": writable,
        "deletable": writable,
        "queryable": True,
        "retrieveable": True,
        "searchable": writable and sobject not in UNSEARCHABLE,
        "urls": {
            "sobject": url,
            "describe": f"{url}/describe",
            "rowTemplate": f"{url}/{{ID}}",
        },
    }


class DescribeMixin:
    """Uses the emulator's state, lock, known_fields() and field_spec()."""

    state: dict[str, Any]
    package_fields: dict[str, dict[str, Any]]
    indexes: FieldIndexes
    field_names: dict[str, dict[str, str]]

    @api_call
    def sobject_describe(self, request: Request, version: str, sobject: str) -> Response:
        if sobject not in QUERYABLE:
            raise not_found()
        with self.lock:
            custom = self.state["custom_fields"].get(sobject, {})
            fields = [
                describe_field(sobject, self.field_spec(sobject, name), custom=name in custom)
                for name in self.known_fields(sobject)
            ]
        return json_response({**sobject_summary(sobject, version), "fields": fields})

    @api_call
    def describe_global(self, request: Request, version: str) -> Response:
        """GET sobjects/: every sObject the org has, without fields."""
        sobjects = [
            {
                **sobject_summary(sobject, version),
                "activateable": False,
                "customSetting": False,
                "deprecatedAndHidden": False,
                "layoutable": sobject in WRITABLE_FIELDS,
                "mergeable": sobject in MERGEABLE,
                "mruEnabled": sobject in WRITABLE_FIELDS,
                "replicateable": True,
                "triggerable": sobject in WRITABLE_FIELDS,
                "undeletable": sobject in WRITABLE_FIELDS,
            }
            for sobject in sorted(QUERYABLE)
        ]
        return json_response({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def change_custom_fields(self, body: dict[str, Any]) -> dict[str, Any]:
        """
        POST /__emulator__/fields {"sobject", "add": {name: {"type", ...}}, "drop": [name]}:
        all or nothing; a dropped field's values go with it. Call with the lock held.
        """
        sobject = body.get("sobject")
        if sobject not in CUSTOM_OBJECTS:
            raise PackageError(f"sobject must be one of {', '.join(CUSTOM_OBJECTS)}")
        add, drop = body.get("add") or {}, body.get("drop") or []
        if not isinstance(add, dict) or not isinstance(drop, list):
            raise PackageError('"add" is an object of fields, "drop" a list of field names')
        custom = self.state["custom_fields"][sobject]
        missing = [name for name in drop if name not in custom]
        if missing:
            raise PackageError(f"{sobject} has no custom field {', '.join(map(str, missing))}")
        added = {name: field_from_control(name, spec) for name, spec in add.items()}
        taken = {known.lower(): known for known in self.known_fields(sobject) if known not in drop}
        clashes = [name for name in added if taken.get(name.lower(), name) != name]
        if clashes:
            raise PackageError(f"{', '.join(clashes)}: the org has a field of that name")
        for name in drop:
            del custom[name]
        custom.update(added)  # an existing field of the same name is redefined
        checkboxes = [name for name, spec in added.items() if spec["type"] == "boolean"]
        for store in ("records", "deleted"):
            rows = self.state[store][sobject]
            for record_id, record in rows.items():
                # New dicts, not changes in place: cursors and snapshots share the old ones.
                kept = {k: v for k, v in record.items() if k not in drop}
                rows[record_id] = {**dict.fromkeys(checkboxes, False), **kept}
        self.indexes.clear()
        self.field_names.clear()
        return {"ok": True, "sobject": sobject, "custom_fields": sorted(custom)}

    def package_state(self) -> dict[str, dict[str, Any]]:
        """The custom fields a fresh org has: the package's (reset restores them)."""
        return copy.deepcopy(self.package_fields)
