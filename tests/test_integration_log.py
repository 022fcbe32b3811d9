"""The integration log: every attempt, what was sent and received, and never a credential."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from integration_log.models import LogEntry
from integration_log.services import REDACTED, redact
from sync.models import FieldMapping

from .factories import AccountFactory


def test_redact_replaces_credentials_at_any_depth():
    data = {
        "headers": {"Authorization": "OAuth abc", "Accept": "json"},
        "body": [{"client_secret": "s", "password": "p", "name": "Acme"}],
        "access_token": "t",
    }

    assert redact(data) == {
        "headers": {"Authorization": REDACTED, "Accept": "json"},
        "body": [{"client_secret": REDACTED, "password": REDACTED, "name": "Acme"}],
        "access_token": REDACTED,
    }


@pytest.mark.django_db(transaction=True)
def test_each_attempt_is_logged_with_bodies_diff_timing_and_no_credentials(
    netsuite, field_mappings
):
    netsuite.seed(customer=[{"id": "100", "companyName": "Acme"}])
    account = AccountFactory(name="Acme", netsuite_id="100")  # a successful push
    FieldMapping.objects.filter(direction="sf_to_ns", target="companyName").update(
        source="", transform="static", argument=""
    )
    account.fields = {**account.fields, "Phone": "+1 555 0199"}
    account.save()  # NetSuite refuses an empty company name: a failed push

    success, failure = LogEntry.objects.filter(operation="account_push").order_by("id")
    assert success.outcome == "success" and failure.outcome == "error"
    for entry in (success, failure):
        assert entry.salesforce_id == account.salesforce_id and entry.netsuite_id == "100"
        assert entry.request["method"] == "PATCH" and entry.request["body"]
        assert entry.response["status"] in (204, 400)
        assert entry.duration_ms is not None and entry.attempt == 1 and entry.job_id
    assert success.diff["phone"] == [None, "+1 555 0100"]
    assert "You must enter a value for Company Name." in failure.reason
    assert failure.response["body"]["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"

    logged = json.dumps(list(LogEntry.objects.values()), default=str)
    for secret in (
        settings.NETSUITE_CONSUMER_SECRET,
        settings.NETSUITE_TOKEN_SECRET,
        settings.NETSUITE_TOKEN_ID,
        settings.SALESFORCE_CLIENT_SECRET,
        settings.SALESFORCE_PASSWORD,
        settings.SFNS_WEBHOOK_SECRET,
    ):
        assert secret not in logged
