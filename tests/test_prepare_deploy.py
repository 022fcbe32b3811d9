"""`manage.py prepare_deploy`: the packages with SFNS's address, webhook URL and user filled in."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from defusedxml.ElementTree import parse
from django.core.management import CommandError, call_command

from emulators.netsuite.package import script_parameters
from sync.models import FieldMapping, MappingDirection
from sync.webhooks import salesforce_webhook_token

ROOT = Path(__file__).resolve().parents[1]
SALESFORCE = "salesforce/force-app/main/default"
META = "{http://soap.sforce.com/2006/04/metadata}"


@pytest.mark.django_db
def test_the_copy_has_every_placeholder_filled_and_stays_valid(tmp_path):
    out = tmp_path / "ready"
    call_command(
        "prepare_deploy",
        base="https://sfns.acme.test/",
        integration_user="int@acme.test",
        out=str(out),
    )

    workflow = parse(out / SALESFORCE / "workflows/Account.workflow-meta.xml").getroot()
    message = workflow.find(f"{META}outboundMessages")
    assert message.findtext(f"{META}endpointUrl") == (
        f"https://sfns.acme.test/webhooks/salesforce/{salesforce_webhook_token()}/"
    )
    assert message.findtext(f"{META}integrationUser") == "int@acme.test"
    labels = (out / SALESFORCE / "labels/CustomLabels.labels-meta.xml").read_text()
    assert "<value>https://sfns.acme.test</value>" in labels
    script = (out / "netsuite/src/Objects/customscript_sfns_customer_ue.xml").read_text()
    assert "https://sfns.acme.test/webhooks/netsuite/customer/" in script
    for path in out.rglob("*"):
        if path.is_file():
            assert "sfns.example" not in path.read_text(), path
            if path.suffix == ".xml":
                parse(path)  # still well-formed
    # The packages in the repository keep their placeholders.
    assert (
        "SFNS_WEBHOOK_TOKEN"
        in (ROOT / "deploy" / SALESFORCE / "workflows/Account.workflow-meta.xml").read_text()
    )


def test_a_plain_http_address_is_refused(tmp_path):
    with pytest.raises(CommandError, match="must be an https:// address"):
        call_command("prepare_deploy", base="http://sfns.acme.test", out=str(tmp_path / "x"))

    assert not (tmp_path / "x").exists()


@pytest.mark.django_db
def test_the_netsuite_script_gets_the_reverse_mapped_fields_and_the_integration_user(tmp_path):
    FieldMapping.objects.create(
        direction=MappingDirection.TO_SALESFORCE,
        source="custentity_region",
        target="Region__c",
        position=6,
    )
    FieldMapping.objects.create(
        direction=MappingDirection.TO_SALESFORCE,
        source="parent.id",
        target="Parent_Customer__c",
        enabled=False,
    )
    out = tmp_path / "ready"

    call_command(
        "prepare_deploy",
        base="https://sfns.acme.test",
        netsuite_integration_user="42",
        out=str(out),
    )

    # what NetSuite's deployment will hold, read as the emulator reads a package
    deployed = script_parameters(out / "netsuite")
    assert deployed["custscript_sfns_mapped_fields"].split(",") == [
        "balance",
        "overdueBalance",
        "creditLimit",
        "daysOverdue",
        "unbilledOrders",
        "depositBalance",
        "custentity_region",
    ]
    assert deployed["custscript_sfns_integration_user"] == "42"
    # the rest as the project ships it
    assert (
        deployed["custscript_sfns_watched_fields"]
        == (script_parameters()["custscript_sfns_watched_fields"])
    )
    assert script_parameters()["custscript_sfns_integration_user"] == ""


@pytest.mark.django_db
def test_without_a_netsuite_integration_user_the_copy_says_what_that_costs(tmp_path):
    out = StringIO()

    call_command(
        "prepare_deploy", base="https://sfns.acme.test", out=str(tmp_path / "r"), stdout=out
    )

    assert script_parameters(tmp_path / "r" / "netsuite")["custscript_sfns_integration_user"] == ""
    assert "no --netsuite-integration-user" in out.getvalue()


@pytest.mark.parametrize("user", ["jane@acme.test", "4 2", "42a"])
def test_a_netsuite_integration_user_that_is_not_an_internal_id_is_refused(tmp_path, user):
    with pytest.raises(CommandError, match="the employee's internal id, a number"):
        call_command(
            "prepare_deploy",
            base="https://sfns.acme.test",
            netsuite_integration_user=user,
            out=str(tmp_path / "x"),
        )

    assert not (tmp_path / "x").exists()
