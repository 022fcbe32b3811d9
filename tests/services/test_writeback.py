"""
Write-back: NetSuite Id and NetSuite Sync reach Salesforce in batches of 200, and do not come
back to SFNS as outbound messages. Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from accounts.models import Account
from integration_log.models import LogEntry
from settings.models import IntegrationSettings
from sync.clients.salesforce import COLLECTION_LIMIT, SalesforceClient
from sync.models import FieldMapping, JobKind, SyncJob
from sync.services import (
    attempts,
    opportunities,
    writeback,
)

from ..emulators.salesforce.receiver import Receiver, messages, wait_for
from ..factories import AccountFactory, OpportunityFactory
from .helpers import (
    COMPANY_NAME_REQUIRED,
    bulk_pending_accounts,
    make_statuses_due,
    only_log,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_netsuite_id_reaches_salesforce_through_the_status_writeback(
    netsuite, salesforce, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Enterprise Edition")
    [salesforce_id] = salesforce.seed_accounts({"Name": "Initech"})
    account = AccountFactory(salesforce_id=salesforce_id, name="Initech")
    opportunities.opportunity_request_quote(
        opportunity=OpportunityFactory(account=account, amount=1)
    )

    account.refresh_from_db()
    assert account.status_pending_since is not None
    make_statuses_due()
    assert writeback.status_writeback() == 1

    account.refresh_from_db()
    record = salesforce.account(salesforce_id)
    assert record["NetSuite_Id__c"] == account.netsuite_id
    assert record["NetSuite_Sync__c"] == account.last_synced_at.isoformat(timespec="seconds")
    assert account.status_pending_since is None


def test_successful_push_marks_the_account_for_a_batched_status_writeback(linked, netsuite):
    Account.objects.filter(pk=linked.pk).update(status_pending_since=None)

    linked.name = "Acme Renamed"
    linked.save()

    linked.refresh_from_db()
    assert linked.status_pending_since is not None and linked.last_synced_at is not None
    job = SyncJob.objects.get(kind=JobKind.STATUS_WRITEBACK)
    assert job.status == "pending" and job.not_before > timezone.now()


def test_status_writeback_writes_sync_time_and_netsuite_id_on_enterprise(synced, salesforce):
    assert writeback.status_writeback() == 0  # a lone status waits for company
    assert "NetSuite_Sync__c" not in salesforce.account(synced.salesforce_id)
    assert salesforce.data_calls() == {}

    make_statuses_due()
    assert writeback.status_writeback() == 1

    synced.refresh_from_db()
    record = salesforce.account(synced.salesforce_id)
    assert record["NetSuite_Sync__c"] == synced.last_synced_at.isoformat(timespec="seconds")
    assert record["NetSuite_Id__c"] == "200"
    assert salesforce.data_calls() == {"composite_sobjects": 1}
    assert synced.status_pending_since is None
    entry = only_log("status_writeback")
    assert (entry.outcome, entry.reason) == ("success", "1 of 1 Account(s) updated")
    # The entry names the records it wrote (the admin's log shows them by name).
    assert (entry.request["sobject"], entry.request["ids"]) == ("Account", [synced.salesforce_id])


def test_a_status_that_changes_while_its_batch_is_written_stays_pending(synced, salesforce):
    conf = IntegrationSettings.load()
    rows = list(Account.objects.filter(pk=synced.pk).values(*writeback.ROW_FIELDS))
    attempts.account_record_attempt(account=synced, error="newer failure")  # meanwhile

    writeback._write_batch(
        rows, conf=conf, client=SalesforceClient(), reverse=[], with_status=True, job=None
    )

    synced.refresh_from_db()
    assert synced.status_pending_since is not None  # the newer error still goes to Salesforce
    make_statuses_due()
    writeback.status_writeback()
    assert salesforce.account(synced.salesforce_id)["NetSuite_Sync__c"] == "Error: newer failure"


def test_status_writeback_after_a_failed_sync_shows_the_error(synced, netsuite, salesforce):
    FieldMapping.objects.filter(target="companyName").update(transform="static", argument="")
    synced.name = "Acme Renamed"
    synced.save()

    make_statuses_due()
    assert writeback.status_writeback() == 1

    synced.refresh_from_db()
    assert COMPANY_NAME_REQUIRED in synced.last_sync_error
    status = salesforce.account(synced.salesforce_id)["NetSuite_Sync__c"]
    assert status == f"Error: {synced.last_sync_error}"[:255]
    assert status.startswith("Error: NetSuite PATCH record/v1/customer/200: ")


def test_status_writeback_on_professional_writes_only_the_netsuite_id(
    synced, salesforce, integration_settings
):
    integration_settings(salesforce_edition="Professional Edition")
    make_statuses_due()

    assert writeback.status_writeback() == 1

    record = salesforce.account(synced.salesforce_id)
    assert record["NetSuite_Id__c"] == "200"
    assert "NetSuite_Sync__c" not in record
    synced.refresh_from_db()
    assert synced.last_synced_at is not None  # the status stays here


def test_450_due_statuses_are_written_with_three_collection_calls(
    salesforce, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Enterprise Edition")
    ids = bulk_pending_accounts(salesforce, 450, due=True)

    assert writeback.status_writeback() == 450

    assert salesforce.data_calls() == {"composite_sobjects": 3}
    records = salesforce.state()["records"]["Account"]
    assert all(records[i]["NetSuite_Id__c"] for i in ids)
    assert all(records[i]["NetSuite_Sync__c"] for i in ids)
    assert not Account.objects.filter(status_pending_since__isnull=False).exists()


def test_full_batches_go_at_once_and_the_rest_waits_for_company(
    salesforce, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Enterprise Edition")
    ids = bulk_pending_accounts(salesforce, 450, due=False)

    assert writeback.status_writeback() == 400

    assert salesforce.data_calls() == {"composite_sobjects": 2}
    assert Account.objects.filter(status_pending_since__isnull=False).count() == 50
    records = salesforce.state()["records"]["Account"]
    written = [i for i in ids if "NetSuite_Id__c" in records[i]]
    assert len(written) == 400
    assert SyncJob.objects.get(kind=JobKind.STATUS_WRITEBACK).status == "pending"


def test_fewer_than_a_batch_and_none_due_writes_nothing_yet(
    salesforce, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Enterprise Edition")
    bulk_pending_accounts(salesforce, 150, due=False)

    assert writeback.status_writeback() == 0

    assert salesforce.data_calls() == {}
    assert Account.objects.filter(status_pending_since__isnull=False).count() == 150


def test_the_sync_that_fills_a_batch_writes_it_at_once(synced, salesforce):
    bulk_pending_accounts(salesforce, COLLECTION_LIMIT - 1, due=False)

    synced.name = "Acme Renamed"  # its push makes the 200th pending status
    synced.save()

    assert salesforce.data_calls() == {"composite_sobjects": 1}
    assert not Account.objects.filter(status_pending_since__isnull=False).exists()
    assert salesforce.account(synced.salesforce_id)["NetSuite_Id__c"] == "200"


def test_account_deleted_in_salesforce_gets_an_error_entry_and_is_not_retried(
    salesforce, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Enterprise Edition")
    kept, gone = bulk_pending_accounts(salesforce, 2, due=True)
    salesforce.edit(type="Account", id=gone, delete=True)

    assert writeback.status_writeback() == 1

    error = LogEntry.objects.get(operation="status_writeback", outcome="error")
    assert error.salesforce_id == gone and "ENTITY_IS_DELETED" in error.reason
    assert salesforce.account(kept)["NetSuite_Id__c"] == "1000"
    assert not Account.objects.filter(status_pending_since__isnull=False).exists()
    salesforce.reset_stats()
    assert writeback.status_writeback() == 0
    assert salesforce.data_calls() == {}


@pytest.fixture
def org_notifying_sfns(tmp_path, settings, monkeypatch):
    """
    A Salesforce org with the package's flows, whose outbound messages go to a listener in
    SFNS's place, pointed at by SFNS's settings: (the org's controls, the listener).
    """
    from emulators.base import start_emulator
    from emulators.salesforce import SalesforceEmulator

    from ..conftest import SalesforceControl

    sfns_webhook = Receiver([])
    ca = str(tmp_path / "ca.pem")
    running = start_emulator(SalesforceEmulator(notify_url=sfns_webhook.url), ca_out=ca)
    settings.SALESFORCE_LOGIN_URL = running.url
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    yield SalesforceControl(running.url, verify=ca), sfns_webhook
    running.stop()
    sfns_webhook.close()


def test_the_write_back_sends_no_outbound_message_back_to_sfns(
    org_notifying_sfns, field_mappings, integration_settings
):
    salesforce, sfns_webhook = org_notifying_sfns
    integration_settings(salesforce_edition="Enterprise Edition")
    ids = bulk_pending_accounts(salesforce, 300, due=True)

    assert writeback.status_writeback() == 300
    # Then a person edits one: the org sends in order, so this is the first message SFNS gets.
    salesforce.edit(type="Account", id=ids[0], fields={"Phone": "+1 555 0100"})
    wait_for(sfns_webhook, 1)
    time.sleep(0.3)

    assert messages(sfns_webhook) == [[("sf:Account", ids[0])]]
    assert salesforce.stats()["outbound"]["skipped_by_entry"] == 300  # the flow ran, and kept quiet
    assert all(salesforce.account(i)["NetSuite_Id__c"] for i in ids)
