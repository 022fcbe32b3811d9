"""
The org's custom fields, as SFNS's Salesforce DX package (deploy/salesforce) defines them, and as
the /__emulator__/fields control endpoint adds them: one describe-like dict per field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as ET

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "salesforce"
METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
CUSTOM_OBJECTS = ("Account", "Opportunity")
# API name of a custom field: a letter, letters/digits/single underscores, then __c.
CUSTOM_FIELD_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*__c$")

# Metadata API field type -> describe type (Metadata API Developer Guide, "CustomField";
# REST API Developer Guide, "sObject Describe": Number is "double" even with scale 0).
METADATA_TYPES = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "Checkbox": "boolean",
    "Date": "date",
    "DateTime": "datetime",
    "Url": "url",
    "Phone": "phone",
    "Email": "email",
    "Picklist": "picklist",
}
# Lengths Salesforce gives the types whose length is not set in the metadata.
FIXED_LENGTHS = {"textarea": 255, "url": 255, "phone": 40, "email": 80, "picklist": 255}
TEXT_KINDS = frozenset({"string", "textarea", "url", "phone", "email", "picklist"})
NUMBER_KINDS = frozenset({"double", "currency", "percent"})
DESCRIBE_TYPES = TEXT_KINDS | NUMBER_KINDS | {"boolean", "date", "datetime"}


class PackageError(ValueError):
    """A field definition the emulator cannot use (bad metadata, or a bad control request)."""


def field_spec(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """A custom field as the emulator keeps it; the keys mirror describe's."""
    if not CUSTOM_FIELD_NAME.match(name):
        raise PackageError(f"{name!r} is not a custom field API name (Letters_And_Digits__c)")
    if kind not in DESCRIBE_TYPES:
        raise PackageError(
            f"{name}: type {kind!r} is not one of {', '.join(sorted(DESCRIBE_TYPES))}"
        )
    try:
        length = int(extra.get("length") or FIXED_LENGTHS.get(kind, 0))
        precision, scale = int(extra.get("precision") or 0), int(extra.get("scale") or 0)
    except (TypeError, ValueError):
        raise PackageError(f"{name}: length, precision and scale are whole numbers") from None
    if kind == "string" and not 1 <= length <= 255:
        raise PackageError(f"{name}: a string field needs a length from 1 to 255")
    if kind in NUMBER_KINDS:
        precision = precision or 18
        if not 0 <= scale <= precision <= 18:
            raise PackageError(f"{name}: precision 1-18 and scale 0-precision")
    values = [str(value) for value in extra.get("picklistValues") or []]
    return {
        "name": name,
        "label": str(extra.get("label") or name[:-3].replace("_", " ")),
        "type": kind,
        "length": length if kind in TEXT_KINDS else 0,
        "precision": precision if kind in NUMBER_KINDS else 0,
        "scale": scale if kind in NUMBER_KINDS else 0,
        "externalId": bool(extra.get("externalId", False)),
        "unique": bool(extra.get("unique", False)),
        "caseSensitive": bool(extra.get("caseSensitive", False)),
        "picklistValues": values,
        "restrictedPicklist": bool(extra.get("restrictedPicklist", False)),
        "inlineHelpText": extra.get("inlineHelpText"),
    }


def field_from_metadata(path: Path) -> dict[str, Any]:
    """One objects/<Object>/fields/<Name>.field-meta.xml file."""
    root = ET.parse(path).getroot()
    if root.tag != f"{{{METADATA_NS}}}CustomField":
        raise PackageError(f"{path.name}: the root element is {root.tag}, not CustomField")

    def text(tag: str) -> str | None:
        element = root.find(f"{{{METADATA_NS}}}{tag}")
        return element.text.strip() if element is not None and element.text else None

    name = text("fullName") or path.name.removesuffix(".field-meta.xml")
    metadata_type = text("type") or ""
    if metadata_type not in METADATA_TYPES:
        raise PackageError(f"{path.name}: field type {metadata_type!r} is not emulated")
    value_set = f"{{{METADATA_NS}}}valueSet"
    values = root.findall(f"{value_set}/{{{METADATA_NS}}}valueSetDefinition/{{{METADATA_NS}}}value")
    return field_spec(
        name,
        METADATA_TYPES[metadata_type],
        label=text("label"),
        length=text("length"),
        precision=text("precision"),
        scale=text("scale"),
        externalId=text("externalId") == "true",
        unique=text("unique") == "true",
        caseSensitive=text("caseSensitive") == "true",
        picklistValues=[v.findtext(f"{{{METADATA_NS}}}fullName") for v in values],
        restrictedPicklist=root.findtext(f"{value_set}/{{{METADATA_NS}}}restricted") == "true",
        inlineHelpText=text("inlineHelpText"),
    )


def load_custom_fields(package_dir: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """{"Account": {name: spec}, "Opportunity": {...}} from the package's field files."""
    objects = Path(package_dir or PACKAGE_DIR) / "force-app" / "main" / "default" / "objects"
    if not objects.is_dir():
        raise PackageError(f"no Salesforce DX package objects at {objects}")
    fields: dict[str, dict[str, Any]] = {}
    for sobject in CUSTOM_OBJECTS:
        paths = sorted((objects / sobject / "fields").glob("*.field-meta.xml"))
        specs = (field_from_metadata(path) for path in paths)
        fields[sobject] = {spec["name"]: spec for spec in specs}
    return fields


def load_outbound_fields(package_dir: Path | str | None = None) -> dict[str, list[str]]:
    """
    {"Account": [field, ...], ...}: the fields each sObject's outbound message carries, from
    the package's workflows/<Object>.workflow-meta.xml (an sObject without one: none).
    """
    workflows = Path(package_dir or PACKAGE_DIR) / "force-app" / "main" / "default" / "workflows"
    fields: dict[str, list[str]] = {}
    for path in sorted(workflows.glob("*.workflow-meta.xml")):
        message = ET.parse(path).getroot().find(f"{{{METADATA_NS}}}outboundMessages")
        if message is not None:
            names = [f.text.strip() for f in message.findall(f"{{{METADATA_NS}}}fields")]
            fields[path.name.removesuffix(".workflow-meta.xml")] = names
    return fields


def field_from_control(name: str, body: Any) -> dict[str, Any]:
    """A field added through POST /__emulator__/fields: {"type": "string", "length": 80, ...}."""
    if not isinstance(body, dict):
        raise PackageError(f'{name}: give the field as an object, e.g. {{"type": "string"}}')
    extra = {key: value for key, value in body.items() if key != "type"}
    return field_spec(name, str(body.get("type", "")), **extra)
