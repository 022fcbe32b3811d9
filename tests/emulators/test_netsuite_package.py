"""
The SuiteCloud project an admin deploys (deploy/netsuite): well-formed XML, each object where and
what SDF expects, and a script record that declares every parameter its SuiteScript reads.
"""

from __future__ import annotations

import re
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest

from accounts.services import FINANCIAL_FIELDS

PROJECT = Path(__file__).resolve().parents[2] / "deploy" / "netsuite"
SRC = PROJECT / "src"
SCRIPT_OBJECT = SRC / "Objects" / "customscript_sfns_customer_ue.xml"
XML_FILES = sorted(PROJECT.rglob("*.xml"))


def parse(path: Path):
    return ET.parse(path).getroot()


def script_deployment():
    deployments = parse(SCRIPT_OBJECT).findall("scriptdeployments/scriptdeployment")
    assert len(deployments) == 1
    return deployments[0]


def test_the_project_holds_what_an_admin_deploys():
    files = {str(p.relative_to(PROJECT)) for p in PROJECT.rglob("*") if p.is_file()}

    assert files >= {
        "suitecloud.config.js",
        "src/manifest.xml",
        "src/deploy.xml",
        "src/Objects/custentity_sfns_lock_record.xml",
        "src/Objects/custentity_sfns_salesforce_id.xml",
        "src/Objects/customscript_sfns_customer_ue.xml",
        "src/FileCabinet/SuiteScripts/sfns/sfns_customer_ue.js",
    }


def test_the_cli_finds_the_project_in_src():
    config = (PROJECT / "suitecloud.config.js").read_text()

    assert re.search(r"defaultProjectFolder:\s*['\"]src['\"]", config)


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_every_xml_file_is_well_formed_with_the_root_its_place_calls_for(path):
    root = parse(path)

    relative = path.relative_to(SRC)
    if relative == Path("manifest.xml"):
        assert root.tag == "manifest"
    elif relative == Path("deploy.xml"):
        assert root.tag == "deploy"
    else:
        assert relative.parent == Path("Objects")
        # SDF: the object's script id is its file name; the prefix says the object type.
        assert root.get("scriptid") == path.stem
        expected = {"custentity": "entitycustomfield", "customscript": "usereventscript"}
        assert root.tag == expected[path.stem.split("_")[0]]


def test_the_manifest_is_an_account_customization_needing_server_scripts():
    manifest = parse(SRC / "manifest.xml")

    assert manifest.get("projecttype") == "ACCOUNTCUSTOMIZATION"
    assert manifest.findtext("projectname")
    assert manifest.findtext("frameworkversion") == "1.0"
    features = {f.text: f.get("required") for f in manifest.findall("dependencies/features/*")}
    assert features == {"SERVERSIDESCRIPTING": "true"}


def test_deploy_sends_the_script_file_before_the_objects():
    deploy = parse(SRC / "deploy.xml")

    assert [child.tag for child in deploy] == ["files", "objects"]
    assert deploy.findtext("files/path") == "~/FileCabinet/SuiteScripts/sfns/*"
    assert deploy.findtext("objects/path") == "~/Objects/*"


@pytest.mark.parametrize(
    ("scriptid", "fieldtype", "label"),
    [
        ("custentity_sfns_lock_record", "CHECKBOX", "Salesforce Lock Record"),
        ("custentity_sfns_salesforce_id", "TEXT", "Salesforce ID"),
    ],
)
def test_the_customer_fields_sfns_needs(scriptid, fieldtype, label):
    field = parse(SRC / "Objects" / f"{scriptid}.xml")

    assert (field.findtext("fieldtype"), field.findtext("label")) == (fieldtype, label)
    assert field.findtext("appliestocustomer") == "T"
    assert field.findtext("description")


def test_the_lock_is_unchecked_by_default_and_the_salesforce_id_holds_18_characters():
    lock = parse(SRC / "Objects" / "custentity_sfns_lock_record.xml")
    salesforce_id = parse(SRC / "Objects" / "custentity_sfns_salesforce_id.xml")

    assert lock.findtext("defaultchecked") == "F"
    assert salesforce_id.findtext("maxlength") == "18"


def test_the_script_record_names_a_file_the_project_holds():
    scriptfile = parse(SCRIPT_OBJECT).findtext("scriptfile")

    match = re.fullmatch(r"\[(/SuiteScripts/.+\.js)\]", scriptfile)
    assert match, scriptfile
    assert (SRC / "FileCabinet" / match.group(1).lstrip("/")).is_file()


def test_every_parameter_the_script_reads_is_declared_and_nothing_else():
    script = parse(SCRIPT_OBJECT)
    source_path = SRC / "FileCabinet" / script.findtext("scriptfile").strip("[]/")

    read = set(re.findall(r"getParameter\(\{\s*name:\s*'([^']+)'", source_path.read_text()))
    declared = {f.get("scriptid") for f in script.findall("scriptcustomfields/scriptcustomfield")}
    assert read == {
        "custscript_sfns_url",
        "custscript_sfns_secret",
        "custscript_sfns_lock_field",
        "custscript_sfns_sfid_field",
        "custscript_sfns_watched_fields",
        "custscript_sfns_mapped_fields",
        "custscript_sfns_integration_user",
    }
    assert declared == read


def test_the_watched_fields_default_to_what_sfns_reads_from_every_customer():
    fields = {f.get("scriptid"): f for f in parse(SCRIPT_OBJECT).findall("scriptcustomfields/*")}

    watched = fields["custscript_sfns_watched_fields"]
    # SuiteScript's field ids of the external id and the financials the mirror keeps
    assert watched.findtext("defaultvalue").split(",") == [
        "externalid",
        *(name.lower() for name in FINANCIAL_FIELDS),
    ]
    for optional in ("custscript_sfns_mapped_fields", "custscript_sfns_integration_user"):
        assert fields[optional].findtext("ismandatory") == "F"
        assert not fields[optional].findtext("defaultvalue")


def test_the_deployment_is_released_on_customer_for_all_roles():
    deployment = script_deployment()

    assert deployment.get("scriptid").startswith("customdeploy_")
    assert deployment.findtext("recordtype") == "CUSTOMER"
    assert deployment.findtext("status") == "RELEASED"
    assert deployment.findtext("isdeployed") == "T"
    assert deployment.findtext("allroles") == "T"
    # One event type at most fits here; empty, the script picks create, edit, xedit and delete.
    assert not (deployment.findtext("eventtype") or "").strip()


def test_the_deployment_sets_the_url_and_the_secret_and_leaves_room_for_the_rest():
    declared = {f.get("scriptid") for f in parse(SCRIPT_OBJECT).findall("scriptcustomfields/*")}
    deployment = script_deployment()

    values = {child.tag: child.text for child in deployment if child.tag.startswith("custscript")}
    # manage.py prepare_deploy fills in the empty ones
    assert values == {
        "custscript_sfns_url": "https://sfns.example.com/webhooks/netsuite/customer/",
        "custscript_sfns_secret": "custsecret_sfns_webhook",
        "custscript_sfns_mapped_fields": None,
        "custscript_sfns_integration_user": None,
    }
    assert set(values) <= declared


def test_the_script_picks_create_edit_xedit_and_delete_itself():
    source = (SRC / "FileCabinet" / "SuiteScripts" / "sfns" / "sfns_customer_ue.js").read_text()

    handled = re.search(r"const handled = \[(.*?)\];", source, re.DOTALL).group(1)
    assert re.findall(r"UserEventType\.(\w+)", handled) == ["CREATE", "EDIT", "XEDIT", "DELETE"]
    assert "@NScriptType UserEventScript" in source
    assert "custsecret_sfns_webhook" in source
