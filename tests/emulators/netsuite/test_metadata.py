"""The metadata catalog (emulators/netsuite/metadata.py), its custom fields from deploy/netsuite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator
from emulators.netsuite.package import PackageError

from .helpers import REST, Api, error_of

PROJECT = Path(__file__).resolve().parents[3] / "deploy" / "netsuite"
SCHEMA = {"Accept": "application/schema+json"}
LOCK, SALESFORCE_ID = "custentity_sfns_lock_record", "custentity_sfns_salesforce_id"


def customer_schema(api) -> dict:
    response = api("GET", "record/v1/metadata-catalog/customer", headers=SCHEMA)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/schema+json")
    return response.json()


def custom_properties(schema: dict) -> dict:
    return {k: v for k, v in schema["properties"].items() if v.get("x-ns-custom-field")}


def test_the_catalog_lists_the_record_types_with_links_to_their_schemas(api):
    response = api("GET", "record/v1/metadata-catalog/")

    assert response.status_code == 200
    items = {item["name"]: item["links"] for item in response.json()["items"]}
    assert set(items) == {
        "customer",
        "contact",
        "estimate",
        "salesorder",
        "inventoryitem",
        "noninventorysaleitem",
        "servicesaleitem",
    }
    schema_link = next(
        link for link in items["customer"] if link["mediaType"] == "application/schema+json"
    )
    assert schema_link["href"] == f"{api.url}{REST}/record/v1/metadata-catalog/customer"


def test_the_customer_schema_has_exactly_the_projects_custom_fields_with_their_types(api):
    schema = customer_schema(api)

    assert schema["type"] == "object"
    custom = custom_properties(schema)
    assert set(custom) == {p.stem for p in (PROJECT / "src" / "Objects").glob("custentity_*")}
    assert custom[LOCK] == {
        "title": "Salesforce Lock Record",
        "type": "boolean",
        "nullable": True,
        "x-ns-custom-field": True,
    }
    assert custom[SALESFORCE_ID]["title"] == "Salesforce ID"
    assert custom[SALESFORCE_ID]["type"] == "string"
    assert custom[SALESFORCE_ID]["maxLength"] == 18


def test_the_customer_schema_has_the_standard_fields_read_only_financials_included(api):
    properties = customer_schema(api)["properties"]

    assert properties["companyName"]["title"] == "Company Name"
    assert properties["companyName"]["type"] == "string"
    assert "x-ns-custom-field" not in properties["companyName"]
    assert properties["subsidiary"]["$ref"].endswith("/metadata-catalog/subsidiary")
    assert properties["addressBook"]["type"] == "object"
    for name in ("balance", "overdueBalance", "creditLimit", "unbilledOrders", "depositBalance"):
        assert (properties[name]["type"], properties[name]["readOnly"]) == ("number", True)
    assert properties["daysOverdue"]["type"] == "integer"


def test_record_type_names_are_not_case_sensitive_in_the_catalog(api):
    response = api("GET", "record/v1/metadata-catalog/salesorder", headers=SCHEMA)

    assert response.status_code == 200
    assert response.json()["properties"]["entity"]["title"] == "Customer"


def test_an_unknown_record_type_is_404(api):
    response = api("GET", "record/v1/metadata-catalog/spaceship", headers=SCHEMA)

    assert response.status_code == 404
    assert error_of(response)["o:errorCode"] == "INVALID_RECORD_TYPE"


def test_only_the_json_schema_format_is_served(api):
    response = api(
        "GET", "record/v1/metadata-catalog/customer", headers={"Accept": "application/swagger+json"}
    )

    assert response.status_code == 406
    assert error_of(response)["o:errorHeader"] == "Accept"


def test_an_unsigned_metadata_request_is_refused(netsuite, netsuite_emulator):
    response = requests.get(
        f"{netsuite_emulator.url}{REST}/record/v1/metadata-catalog/customer",
        headers=SCHEMA,
        timeout=10,
    )

    assert response.status_code == 401
    assert error_of(response)["o:errorCode"] == "INVALID_LOGIN"


@pytest.fixture
def modified_project(tmp_path):
    """A copy of deploy/netsuite without the Salesforce ID field."""
    copy = tmp_path / "netsuite"
    shutil.copytree(PROJECT, copy)
    (copy / "src" / "Objects" / f"{SALESFORCE_ID}.xml").unlink()
    return copy


def test_an_emulator_built_from_another_copy_of_the_project_has_its_fields(
    modified_project, settings
):
    running = start_emulator(NetSuiteEmulator(package_dir=modified_project))
    try:
        api = Api(running.url, settings)
        custom = custom_properties(customer_schema(api))
        refused = api("POST", "record/v1/customer", json={"companyName": "A", SALESFORCE_ID: "001"})
    finally:
        running.stop()

    assert set(custom) == {LOCK}
    assert refused.status_code == 400
    assert error_of(refused)["o:errorPath"] == SALESFORCE_ID


def test_a_folder_that_is_not_a_suitecloud_project_is_refused(tmp_path):
    with pytest.raises(PackageError, match="not a SuiteCloud project"):
        NetSuiteEmulator(package_dir=tmp_path)
