"""
The account's custom fields, as SFNS's SuiteCloud project (deploy/netsuite) creates them and as
the /__emulator__/fields control endpoint adds them: one field dict (schema.field) per field. And
the parameters of the project's User Event script, as its deployment holds them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as ET

from .schema import CUSTOM_PREFIXES, KINDS, RECORD_TYPES, STANDARD_FIELDS, field

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "netsuite"
# SDF's generic_customfield_fieldtype values -> what the field takes. TEXT is the UI's
# "Free-Form Text"; INTEGER is "Integer Number" (the REST metadata's "integer", format int64).
FIELD_TYPES = {
    "CHECKBOX": "boolean",
    "TEXT": "string",
    "TEXTAREA": "string",
    "CLOBTEXT": "string",
    "RICHTEXT": "string",
    "EMAIL": "string",
    "PHONE": "string",
    "URL": "string",
    "INTEGER": "integer",
    "FLOAT": "number",
    "CURRENCY": "number",
    "PERCENT": "number",
    "DATE": "date",
    "DATETIMETZ": "datetime",
    "SELECT": "reference",
}
SCRIPT_ID = re.compile(r"^[a-z0-9_]+$")
# The User Event script whose webhook the emulator sends (webhook.py).
SCRIPT_OBJECT = "customscript_sfns_customer_ue.xml"


class PackageError(ValueError):
    """A field definition the emulator cannot use (a bad object file, or a bad control request)."""


def custom_field(rtype: str, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """A custom field of rtype, checked as NetSuite would: its prefix, an id, a known kind."""
    prefix = CUSTOM_PREFIXES[rtype]
    if not (name.startswith(f"{prefix}_") and SCRIPT_ID.match(name)) or len(name) > 40:
        raise PackageError(f"{name!r} is not a {rtype} custom field id ({prefix}_ and a-z0-9_)")
    if name in STANDARD_FIELDS[rtype]:
        raise PackageError(f"{name} is a standard {rtype} field")
    if kind not in KINDS or kind == "sublist":
        kinds = ", ".join(k for k in KINDS if k != "sublist")
        raise PackageError(f"{name}: type {kind!r} is not one of {kinds}")
    spec = field(kind, str(extra.get("title") or name), custom=True)
    if kind == "string" and extra.get("maxLength"):
        if not str(extra["maxLength"]).isdigit() or int(extra["maxLength"]) < 1:
            raise PackageError(f"{name}: maxLength is a whole number of characters")
        spec["maxLength"] = int(extra["maxLength"])
    if kind == "reference":
        spec["recordType"] = str(extra.get("recordType") or "")
    return spec


def field_from_object(path: Path) -> tuple[str, dict[str, Any]] | None:
    """One Objects/custentity_*.xml file: (its script id, the field), or None when the entity
    field does not apply to customers."""
    root = ET.parse(path).getroot()
    scriptid = root.get("scriptid", "")
    if root.tag != "entitycustomfield" or scriptid != path.stem:
        raise PackageError(f"{path.name}: not an entitycustomfield with scriptid {path.stem!r}")
    if _text(root, "appliestocustomer") != "T":
        return None
    fieldtype = _text(root, "fieldtype")
    if fieldtype not in FIELD_TYPES:
        raise PackageError(f"{path.name}: field type {fieldtype!r} is not emulated")
    spec = custom_field(
        "customer",
        scriptid,
        FIELD_TYPES[fieldtype],
        title=_text(root, "label"),
        maxLength=_text(root, "maxlength"),
        recordType=_text(root, "selectrecordtype"),
    )
    return scriptid, spec


def package_fields(package_dir: Path | str | None = None) -> dict[str, dict[str, dict]]:
    """Every record type's custom fields as the project creates them (customer's only, today)."""
    root = Path(package_dir) if package_dir else PACKAGE_DIR
    objects = root / "src" / "Objects"
    if not objects.is_dir():
        raise PackageError(f"{root} is not a SuiteCloud project: no src/Objects folder")
    fields: dict[str, dict[str, dict]] = {rtype: {} for rtype in RECORD_TYPES}
    for path in sorted(objects.glob("custentity_*.xml")):
        found = field_from_object(path)
        if found:
            fields["customer"][found[0]] = found[1]
    return fields


def script_parameters(package_dir: Path | str | None = None) -> dict[str, str]:
    """
    The webhook script's parameters as its deployment has them: the value the deployment sets,
    else the parameter's default value (what NetSuite gives a deployment that sets none). Empty
    when the project has no such script.
    """
    path = (Path(package_dir) if package_dir else PACKAGE_DIR) / "src" / "Objects" / SCRIPT_OBJECT
    if not path.is_file():
        return {}
    root = ET.parse(path).getroot()
    values = {
        spec.get("scriptid", ""): _text(spec, "defaultvalue")
        for spec in root.findall("scriptcustomfields/scriptcustomfield")
    }
    deployment = root.find("scriptdeployments/scriptdeployment")
    if deployment is not None:
        for child in deployment:
            if child.tag in values:
                values[child.tag] = (child.text or "").strip()
    return values


def _text(element: Any, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""
