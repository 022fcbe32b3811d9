"""
What the emulated org takes from SFNS's Salesforce DX package (deploy/salesforce): its custom
fields (and those the /__emulator__/fields control endpoint adds, one describe-like dict per
field), the fields each outbound message carries, the record-triggered flows that send them with
their entry conditions, the custom permissions the package's permission sets grant, and the
buttons (URL web links) and custom labels the emulator's pages show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as ET

from .formula import EntryFormula, FormulaError, compile_formula

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "salesforce"
METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
# The sObjects that may have custom fields (the package defines some on the first three).
CUSTOM_OBJECTS = (
    "Account",
    "Contact",
    "Opportunity",
    "Product2",
    "Pricebook2",
    "PricebookEntry",
    "OpportunityLineItem",
)
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
    """
    {"Account": {name: spec}, "Contact": {...}, ...} from the package's field files (an sObject
    without a fields/ folder: none).
    """
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


@dataclass(frozen=True)
class RecordFlow:
    """
    An active record-triggered flow that sends an outbound message after save: on which
    sObject, for creates and/or updates, and its entry condition (None: every change).
    """

    name: str
    sobject: str
    on_create: bool
    on_update: bool
    message: str  # the outbound message's fullName (workflows/<sObject>.workflow-meta.xml)
    entry: EntryFormula | None

    def starts_on(self, *, created: bool) -> bool:
        """Whether a create (or an update) starts the flow."""
        return self.on_create if created else self.on_update

    def enters(self, permissions: frozenset[str]) -> bool:
        """Whether the entry condition holds for a user holding these custom permissions."""
        return self.entry is None or self.entry(permissions)


TRIGGERS = {"Create": (True, False), "Update": (False, True), "CreateAndUpdate": (True, True)}


def load_flows(package_dir: Path | str | None = None) -> dict[str, list[RecordFlow]]:
    """
    {"Account": [flow, ...], ...}: the package's active after-save flows with an outbound
    message action (Metadata API Developer Guide, "Flow": FlowStart's object, triggerType,
    recordTriggerType, filterFormula; FlowActionCall's actionType outboundMessage). The emulator
    does not walk the flow's elements: such a flow sends its message whenever it starts. Entry
    conditions given as filters rather than a formula are refused, as is
    doesRequireRecordChangedToMeetCriteria (a permission cannot change with the record).
    """
    flows_dir = Path(package_dir or PACKAGE_DIR) / "force-app" / "main" / "default" / "flows"
    defined = load_custom_permissions(package_dir)
    flows: dict[str, list[RecordFlow]] = {}
    for path in sorted(flows_dir.glob("*.flow-meta.xml")):
        flow = record_flow(path)
        if flow is None:
            continue
        unknown = flow.entry.permissions - defined if flow.entry else set()
        if unknown:  # Salesforce refuses to save such a flow
            raise PackageError(
                f"{flow.name}: $Permission.{sorted(unknown)[0]} is not in customPermissions/"
            )
        flows.setdefault(flow.sobject, []).append(flow)
    return flows


def record_flow(path: Path) -> RecordFlow | None:
    root = ET.parse(path).getroot()
    start = root.find(f"{{{METADATA_NS}}}start")
    actions = [
        action
        for action in root.findall(f"{{{METADATA_NS}}}actionCalls")
        if action.findtext(f"{{{METADATA_NS}}}actionType") == "outboundMessage"
    ]
    status = root.findtext(f"{{{METADATA_NS}}}status")
    if start is None or not actions or status != "Active":
        return None

    def setting(tag: str) -> str:
        return (start.findtext(f"{{{METADATA_NS}}}{tag}") or "").strip()

    name = path.name.removesuffix(".flow-meta.xml")
    if setting("triggerType") != "RecordAfterSave" or setting("recordTriggerType") not in TRIGGERS:
        raise PackageError(
            f"{name}: an outbound message is sent by an after-save flow on create and/or update "
            f"(triggerType RecordAfterSave, recordTriggerType one of {', '.join(TRIGGERS)})"
        )
    if start.find(f"{{{METADATA_NS}}}filters") is not None:
        raise PackageError(f"{name}: the emulator evaluates entry conditions given as a formula")
    if setting("doesRequireRecordChangedToMeetCriteria") == "true":
        raise PackageError(f"{name}: doesRequireRecordChangedToMeetCriteria is not emulated")
    if len(actions) > 1:
        raise PackageError(f"{name}: the emulator follows one outbound message action a flow")
    sobject, _, message = (actions[0].findtext(f"{{{METADATA_NS}}}actionName") or "").partition(".")
    if sobject != setting("object") or not message:
        raise PackageError(f"{name}: its action must be {setting('object')}.<outbound message>")
    formula = setting("filterFormula")
    try:
        entry = compile_formula(formula) if formula else None
    except FormulaError as exc:
        raise PackageError(f"{name}: {exc}") from None
    on_create, on_update = TRIGGERS[setting("recordTriggerType")]
    return RecordFlow(name, sobject, on_create, on_update, message, entry)


def load_custom_permissions(package_dir: Path | str | None = None) -> frozenset[str]:
    """The names of the package's customPermissions/<Name>.customPermission-meta.xml files."""
    default = Path(package_dir or PACKAGE_DIR) / "force-app" / "main" / "default"
    return frozenset(
        path.name.removesuffix(".customPermission-meta.xml")
        for path in (default / "customPermissions").glob("*.customPermission-meta.xml")
    )


def load_permission_sets(package_dir: Path | str | None = None) -> dict[str, frozenset[str]]:
    """
    {permission set: the custom permissions it enables}, from permissionsets/, each checked
    against customPermissions/ (a deploy fails on a permission the org does not have).
    """
    default = Path(package_dir or PACKAGE_DIR) / "force-app" / "main" / "default"
    defined = load_custom_permissions(package_dir)
    sets: dict[str, frozenset[str]] = {}
    for path in sorted((default / "permissionsets").glob("*.permissionset-meta.xml")):
        root = ET.parse(path).getroot()
        enabled = {
            (grant.findtext(f"{{{METADATA_NS}}}name") or "").strip()
            for grant in root.findall(f"{{{METADATA_NS}}}customPermissions")
            if grant.findtext(f"{{{METADATA_NS}}}enabled") == "true"
        }
        name = path.name.removesuffix(".permissionset-meta.xml")
        if enabled - defined:
            raise PackageError(
                f"{name}: custom permission {', '.join(sorted(enabled - defined))} is not in "
                "customPermissions/"
            )
        sets[name] = frozenset(enabled)
    return sets


def load_buttons(package_dir: Path | str | None = None) -> dict[str, list[tuple[str, str]]]:
    """
    {"Account": [(label, url), ...], ...}: the package's URL buttons (objects/<Object>/webLinks/),
    their URLs with merge fields as written, e.g. {!$Label.SFNS_Base_URL}/.../{!Account.Id}/.
    """
    objects = Path(package_dir or PACKAGE_DIR) / "force-app" / "main" / "default" / "objects"
    buttons: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(objects.glob("*/webLinks/*.webLink-meta.xml")):
        root = ET.parse(path).getroot()
        if (root.findtext(f"{{{METADATA_NS}}}linkType") or "").strip() != "url":
            continue
        label = (root.findtext(f"{{{METADATA_NS}}}masterLabel") or path.name).strip()
        url = (root.findtext(f"{{{METADATA_NS}}}url") or "").strip()
        buttons.setdefault(path.parent.parent.name, []).append((label, url))
    return buttons


def load_labels(package_dir: Path | str | None = None) -> dict[str, str]:
    """{label name: value} from labels/CustomLabels.labels-meta.xml (none without the file)."""
    default = Path(package_dir or PACKAGE_DIR) / "force-app" / "main" / "default"
    path = default / "labels" / "CustomLabels.labels-meta.xml"
    if not path.exists():
        return {}
    return {
        (label.findtext(f"{{{METADATA_NS}}}fullName") or "").strip(): (
            label.findtext(f"{{{METADATA_NS}}}value") or ""
        ).strip()
        for label in ET.parse(path).getroot().findall(f"{{{METADATA_NS}}}labels")
    }


def field_from_control(name: str, body: Any) -> dict[str, Any]:
    """A field added through POST /__emulator__/fields: {"type": "string", "length": 80, ...}."""
    if not isinstance(body, dict):
        raise PackageError(f'{name}: give the field as an object, e.g. {{"type": "string"}}')
    extra = {key: value for key, value in body.items() if key != "type"}
    return field_spec(name, str(body.get("type", "")), **extra)
