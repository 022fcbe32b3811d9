"""
SFNS's Salesforce DX package (deploy/salesforce): well-formed Metadata API files, and parts that
fit together (outbound messages, the flows that send them and skip SFNS's own changes, the
permission set and its custom permission, the buttons) and fit SFNS (its webhook and action URLs,
the fields the Salesforce emulator knows).
"""

from __future__ import annotations

import json
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest
from django.urls import resolve

from emulators.salesforce.schema import SYSTEM_FIELDS, WRITABLE_FIELDS
from sync.actions import ACTIONS

PROJECT = Path(__file__).resolve().parents[2] / "deploy" / "salesforce"
SOURCE = PROJECT / "force-app" / "main" / "default"
NS = "http://soap.sforce.com/2006/04/metadata"
ROOTS = {
    ".field-meta.xml": "CustomField",
    ".workflow-meta.xml": "Workflow",
    ".flow-meta.xml": "Flow",
    ".permissionset-meta.xml": "PermissionSet",
    ".customPermission-meta.xml": "CustomPermission",
    ".webLink-meta.xml": "WebLink",
    ".labels-meta.xml": "CustomLabels",
}
# field -> (Metadata API type, length, precision, scale)
ACCOUNT_FIELDS = {
    "NetSuite_Id__c": ("Text", "32", None, None),
    "NetSuite_Sync__c": ("Text", "255", None, None),
    "NetSuite_Balance__c": ("Currency", None, "18", "2"),
    "NetSuite_Overdue_Balance__c": ("Currency", None, "18", "2"),
    "NetSuite_Credit_Limit__c": ("Currency", None, "18", "2"),
    "NetSuite_Unbilled_Orders__c": ("Currency", None, "18", "2"),
    "NetSuite_Deposit_Balance__c": ("Currency", None, "18", "2"),
    "NetSuite_Days_Overdue__c": ("Number", None, "18", "0"),
}
BUTTONS = {
    "Account/webLinks/Update_from_NetSuite": ("accounts", "Account", "update-from-netsuite"),
    "Opportunity/webLinks/Create_Quote": ("opportunities", "Opportunity", "quote"),
    "Opportunity/webLinks/Sync_as_Sales_Order": ("opportunities", "Opportunity", "sales-order"),
}


def parse(path: Path):
    return ET.parse(path).getroot()


def text(element, tag: str) -> str | None:
    return element.findtext(f"{{{NS}}}{tag}")


def texts(element, tag: str) -> list[str]:
    return [child.text or "" for child in element.findall(f"{{{NS}}}{tag}")]


def metadata_files() -> list[Path]:
    return sorted(SOURCE.rglob("*-meta.xml"))


def suffix_of(path: Path) -> str:
    return next(suffix for suffix in ROOTS if path.name.endswith(suffix))


def custom_fields(sobject: str) -> set[str]:
    return {
        p.name.removesuffix(".field-meta.xml") for p in SOURCE.glob(f"objects/{sobject}/fields/*")
    }


def outbound_messages(sobject: str) -> dict[str, object]:
    workflow = parse(SOURCE / "workflows" / f"{sobject}.workflow-meta.xml")
    messages = workflow.findall(f"{{{NS}}}outboundMessages")
    return {text(message, "fullName"): message for message in messages}


def test_the_package_has_every_part_sfns_ships():
    names = {str(path.relative_to(SOURCE)) for path in metadata_files()}

    assert {f"objects/Account/fields/{name}.field-meta.xml" for name in ACCOUNT_FIELDS} <= names
    assert {f"objects/{button}.webLink-meta.xml" for button in BUTTONS} <= names
    assert {
        "workflows/Account.workflow-meta.xml",
        "workflows/Opportunity.workflow-meta.xml",
        "flows/SFNS_Account_Changed.flow-meta.xml",
        "flows/SFNS_Opportunity_Changed.flow-meta.xml",
        "permissionsets/SFNS_Integration.permissionset-meta.xml",
        "customPermissions/SFNS_Integration.customPermission-meta.xml",
        "labels/CustomLabels.labels-meta.xml",
    } <= names
    assert (PROJECT / ".forceignore").is_file()


@pytest.mark.parametrize("path", metadata_files(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_every_file_is_well_formed_with_its_types_root_in_the_metadata_namespace(path):
    assert any(path.name.endswith(suffix) for suffix in ROOTS), f"unexpected file {path.name}"

    root = parse(path)

    assert root.tag == f"{{{NS}}}{ROOTS[suffix_of(path)]}"
    assert path.read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n')


def test_the_project_file_names_force_app_and_api_62():
    project = json.loads((PROJECT / "sfdx-project.json").read_text())

    assert [d["path"] for d in project["packageDirectories"]] == ["force-app"]
    assert project["packageDirectories"][0]["default"] is True
    assert project["sourceApiVersion"] == "62.0"
    assert (PROJECT / "force-app").is_dir()


@pytest.mark.parametrize("name", ACCOUNT_FIELDS)
def test_each_account_field_has_its_type_size_and_words_for_the_admin(name):
    field = parse(SOURCE / "objects" / "Account" / "fields" / f"{name}.field-meta.xml")

    kind, length, precision, scale = ACCOUNT_FIELDS[name]
    shape = tuple(text(field, tag) for tag in ("type", "length", "precision", "scale"))
    assert shape == (kind, length, precision, scale)
    assert text(field, "fullName") == name
    assert "SFNS" in (text(field, "description") or "")
    assert text(field, "inlineHelpText") and text(field, "label")
    unique_key = name == "NetSuite_Id__c"
    assert (text(field, "externalId"), text(field, "unique") == "true") == (
        "true" if unique_key else "false",
        unique_key,
    )


@pytest.mark.parametrize("sobject", ["Account", "Opportunity"])
def test_outbound_messages_send_fields_the_object_has_to_the_sfns_webhook(sobject):
    known = {*SYSTEM_FIELDS, *WRITABLE_FIELDS[sobject], *custom_fields(sobject)}

    messages = outbound_messages(sobject)

    assert list(messages) == [f"SFNS_{sobject}_Changed"]
    for message in messages.values():
        fields = texts(message, "fields")
        assert {"Id", "LastModifiedDate"} <= set(fields)
        assert set(fields) <= known, set(fields) - known
        assert text(message, "apiVersion") == "62.0"
        assert text(message, "includeSessionId") == "false"
        assert text(message, "integrationUser") == "integration@sfns.example"
        url = text(message, "endpointUrl") or ""
        assert url == "https://sfns.example.com/webhooks/salesforce/SFNS_WEBHOOK_TOKEN/"
        view = resolve(url.removeprefix("https://sfns.example.com"))
        assert view.func.__name__ == "salesforce_outbound_message"


@pytest.mark.parametrize("sobject", ["Account", "Opportunity"])
def test_a_record_triggered_flow_sends_each_outbound_message(sobject):
    flow = parse(SOURCE / "flows" / f"SFNS_{sobject}_Changed.flow-meta.xml")
    start = flow.find(f"{{{NS}}}start")

    trigger = [text(start, tag) for tag in ("object", "triggerType", "recordTriggerType")]
    assert trigger == [sobject, "RecordAfterSave", "CreateAndUpdate"]
    assert (text(flow, "processType"), text(flow, "status")) == ("AutoLaunchedFlow", "Active")
    [action] = flow.findall(f"{{{NS}}}actionCalls")
    assert text(action, "actionType") == "outboundMessage"
    target, _, message = (text(action, "actionName") or "").partition(".")
    assert target == sobject and message in outbound_messages(sobject)
    assert start.findtext(f"{{{NS}}}connector/{{{NS}}}targetReference") == text(action, "name")


# FlowStart's elements in the Metadata API's order (its FlowNode fields first), as a retrieve
# writes them: Metadata API Developer Guide, "Flow" (FlowStart), and the metadata WSDL.
FLOW_START_ORDER = [
    "locationX",
    "locationY",
    "connector",
    "doesRequireRecordChangedToMeetCriteria",
    "filterFormula",
    "object",
    "recordTriggerType",
    "triggerType",
]


@pytest.mark.parametrize("sobject", ["Account", "Opportunity"])
def test_each_flow_skips_changes_by_a_user_with_the_sfns_integration_permission(sobject):
    flow = parse(SOURCE / "flows" / f"SFNS_{sobject}_Changed.flow-meta.xml")
    start = flow.find(f"{{{NS}}}start")

    assert text(start, "filterFormula") == "NOT({!$Permission.SFNS_Integration})"
    # Every save that meets it, not only one that newly meets it (the permission is the
    # user's, not the record's); filterFormula needs API 55.0 or later (Salesforce Help 000394500).
    assert text(start, "doesRequireRecordChangedToMeetCriteria") == "false"
    assert start.find(f"{{{NS}}}filters") is None and text(start, "filterLogic") is None
    assert float(text(flow, "apiVersion") or 0) >= 55
    assert [child.tag.removeprefix(f"{{{NS}}}") for child in start] == FLOW_START_ORDER
    permission = SOURCE / "customPermissions" / "SFNS_Integration.customPermission-meta.xml"
    assert permission.is_file()


def test_the_sfns_integration_custom_permission_says_what_it_is_for():
    permission = parse(SOURCE / "customPermissions" / "SFNS_Integration.customPermission-meta.xml")

    assert text(permission, "label") == "SFNS Integration"
    assert text(permission, "isLicensed") == "false"
    assert "outbound message" in (text(permission, "description") or "")


def test_the_integration_permission_set_covers_every_custom_field_and_the_permission():
    permissions = parse(SOURCE / "permissionsets" / "SFNS_Integration.permissionset-meta.xml")

    editable = {
        text(grant, "field")
        for grant in permissions.findall(f"{{{NS}}}fieldPermissions")
        if (text(grant, "readable"), text(grant, "editable")) == ("true", "true")
    }
    assert editable == {
        f"{sobject}.{name}" for sobject in ("Account", "Contact") for name in custom_fields(sobject)
    }
    objects = {
        text(grant, "object"): (text(grant, "allowRead"), text(grant, "allowEdit"))
        for grant in permissions.findall(f"{{{NS}}}objectPermissions")
    }
    assert objects == {
        "Account": ("true", "true"),
        "Contact": ("true", "true"),
        "Opportunity": ("true", "true"),
        "Product2": ("true", "false"),  # read: a product's key finds its NetSuite item
    }
    assert len(text(permissions, "description")) <= 255  # the Metadata API's limit
    users = {
        text(grant, "name"): text(grant, "enabled")
        for grant in permissions.findall(f"{{{NS}}}userPermissions")
    }
    assert users == {"ApiEnabled": "true"}
    custom = {
        text(grant, "name"): text(grant, "enabled")
        for grant in permissions.findall(f"{{{NS}}}customPermissions")
    }
    assert custom == {"SFNS_Integration": "true"}  # what the flows' entry formula checks
    # The Metadata API's element order (alphabetical, as a retrieve writes it).
    tags = [child.tag.removeprefix(f"{{{NS}}}") for child in permissions]
    assert tags == sorted(tags)


@pytest.mark.parametrize("button", BUTTONS)
def test_each_button_opens_its_sfns_action_in_a_new_window(button):
    link = parse(SOURCE / "objects" / f"{button}.webLink-meta.xml")
    objects, sobject, action = BUTTONS[button]

    assert text(link, "fullName") == button.rpartition("/")[2]
    shape = [text(link, tag) for tag in ("availability", "displayType", "linkType", "openType")]
    assert shape == ["online", "button", "url", "newWindow"]
    # A new window needs its size and position (Metadata API Developer Guide, "WebLink").
    assert all(text(link, tag) for tag in ("height", "width", "position", "encodingKey"))
    url = text(link, "url") or ""
    base = "{!$Label.SFNS_Base_URL}"
    assert url == f"{base}/actions/{objects}/{{!{sobject}.Id}}/{action}/"
    match = resolve(url.removeprefix(base).replace(f"{{!{sobject}.Id}}", "001000000000001AAA"))
    assert (match.kwargs["objects"], match.kwargs["name"]) in ACTIONS


def test_the_base_url_label_the_buttons_use_is_defined():
    labels = parse(SOURCE / "labels" / "CustomLabels.labels-meta.xml")

    values = {
        text(label, "fullName"): text(label, "value") for label in labels.findall(f"{{{NS}}}labels")
    }
    assert values == {"SFNS_Base_URL": "https://sfns.example.com"}
