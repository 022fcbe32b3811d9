"""`manage.py prepare_deploy`: the packages with SFNS's address, webhook URL and user filled in."""

from __future__ import annotations

from pathlib import Path

import pytest
from defusedxml.ElementTree import parse
from django.core.management import CommandError, call_command

from sync.webhooks import salesforce_webhook_token

ROOT = Path(__file__).resolve().parents[1]
SALESFORCE = "salesforce/force-app/main/default"
META = "{http://soap.sforce.com/2006/04/metadata}"


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
