"""Every admin page an admin opens renders, and the log cannot be edited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sync.models import JobStatus

from .factories import (
    AccountFactory,
    CustomerFactory,
    LogEntryFactory,
    OpportunityFactory,
    SyncJobFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(field_mappings):
    account = AccountFactory(netsuite_id="", last_sync_error="")
    return {
        "accounts.account": account,
        "accounts.customer": CustomerFactory(),
        "accounts.opportunity": OpportunityFactory(account=account),
        "integration_log.logentry": LogEntryFactory(
            outcome="error",
            reason="boom",
            request={"Authorization": "OAuth secret", "body": {"a": 1}},
        ),
        "sync.syncjob": SyncJobFactory(record_id=account.salesforce_id, status=JobStatus.FAILED),
    }


@pytest.mark.parametrize(
    "model",
    [
        "accounts.account",
        "accounts.customer",
        "accounts.opportunity",
        "integration_log.logentry",
        "sync.syncjob",
        "sync.fieldmapping",
        "sync.inboundevent",
    ],
)
def test_changelist_renders(admin_client, objects, model):
    app, name = model.split(".")
    response = admin_client.get(reverse(f"admin:{app}_{name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "accounts.account",
        "accounts.customer",
        "accounts.opportunity",
        "integration_log.logentry",
        "sync.syncjob",
    ],
)
def test_change_page_renders(admin_client, objects, model):
    app, name = model.split(".")
    obj = objects[model]
    # Records of Salesforce are at their Salesforce ids (tests/admin/test_salesforce_id_urls.py).
    key = obj.salesforce_id if model in ("accounts.account", "accounts.opportunity") else obj.pk
    response = admin_client.get(reverse(f"admin:{app}_{name}_change", args=[key]))
    assert response.status_code == 200


def test_log_entry_shows_redacted_request(admin_client, objects):
    entry = objects["integration_log.logentry"]
    response = admin_client.get(reverse("admin:integration_log_logentry_change", args=[entry.pk]))
    assert b"OAuth secret" not in response.content
    assert b"[redacted]" in response.content


def test_settings_list_goes_to_the_single_record(admin_client):
    response = admin_client.get(reverse("admin:settings_integrationsettings_changelist"))
    assert response.status_code == 302
    assert response["Location"].endswith("/settings/integrationsettings/1/change/")


def test_sync_status_filter_shows_the_right_accounts(admin_client, field_mappings):
    from django.utils import timezone

    earlier = timezone.now()
    AccountFactory(name="Unlinked Co", netsuite_id="")
    AccountFactory(
        name="Failing Co", netsuite_id="1", last_synced_at=earlier, last_sync_error="boom"
    )
    AccountFactory(name="Synced Co", netsuite_id="2", last_synced_at=earlier)
    AccountFactory(name="Waiting Co", netsuite_id="3")
    url = reverse("admin:accounts_account_changelist")
    expected = {
        "unlinked": "Unlinked Co",
        "error": "Failing Co",
        "synced": "Synced Co",
        "never": "Waiting Co",
    }
    names = set(expected.values())
    for value, name in expected.items():
        content = admin_client.get(url, {"sync_status": value}).content.decode()
        assert name in content, value
        assert not any(other in content for other in names - {name}), value


def test_the_log_says_who_wrote_to_whom(admin_client, db):
    LogEntryFactory(direction="to_netsuite", operation="account_push")
    LogEntryFactory(direction="from_salesforce", operation="salesforce_outbound_message")

    page = admin_client.get(reverse("admin:integration_log_logentry_changelist")).content.decode()

    assert "SFNS wrote to NetSuite" in page and "Salesforce wrote to SFNS" in page
    assert "Push (Account to its customer)" in page  # the operation, in the glossary's words
