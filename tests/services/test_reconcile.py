"""
The reconcile, against both emulators over real HTTP: changes the webhooks never delivered,
Salesforce deletions and merges, a customer deleted in NetSuite, and the cost of a quiet pass.
The test emulators send no outbound messages, like an org that gave up on them.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from decimal import Decimal

import pytest
import requests
from django.utils import timezone

from accounts.models import Account, Customer
from integration_log.models import LogEntry
from sync.models import ReconcileRun
from sync.services import inbound, writeback
from sync.services.reconcile import reconcile_due, reconcile_run

from .helpers import make_statuses_due

pytestmark = pytest.mark.django_db(transaction=True)


def control(emulator, action: str, body: dict) -> dict:
    response = requests.post(
        f"{emulator.url}/__emulator__/{action}", json=body, timeout=10, verify=emulator.verify
    )
    response.raise_for_status()
    return response.json()


@pytest.fixture
def linked_pair(salesforce, netsuite, field_mappings, integration_settings):
    """Acme in Salesforce and SFNS, linked to NetSuite customer 900; Globex, not linked."""
    integration_settings(salesforce_edition="Enterprise Edition")
    acme, globex = salesforce.seed_accounts(
        {"Name": "Acme", "Phone": "+1 555 0100", "NetSuite_Id__c": "900"}, {"Name": "Globex"}
    )
    netsuite.seed(customer=[{"id": "900", "companyName": "Acme", "externalId": acme}])
    for salesforce_id in (acme, globex):
        fields = salesforce.account(salesforce_id)
        inbound.salesforce_record_fetch(sobject="Account", salesforce_id=salesforce_id)
        assert fields
    Account.objects.filter(salesforce_id=acme).update(netsuite_id="900")
    ReconcileRun.objects.all().delete()
    reconcile_run()  # the first pass sets the watermarks
    salesforce.reset_stats()
    netsuite.reset_stats()
    return acme, globex


def test_a_change_the_webhook_never_delivered_is_applied_and_pushed(
    linked_pair, salesforce, netsuite
):
    acme, _ = linked_pair
    salesforce.edit(type="Account", id=acme, fields={"Phone": "+1 555 0199"})

    run = reconcile_run()

    # (The NetSuite side may also see the customer the push just changed: that is news too.)
    assert run.found["accounts"] == 1
    assert Account.objects.get(salesforce_id=acme).fields["Phone"] == "+1 555 0199"
    assert netsuite.record("customer", "900")["phone"] == "+1 555 0199"


def test_a_quiet_pass_costs_one_call_to_each_system(linked_pair, salesforce, netsuite):
    before = salesforce.api_usage()

    run = reconcile_run()

    assert run.found == {} and run.error == ""
    assert salesforce.api_usage() - before == 1  # one Composite request: both queries
    assert sum(netsuite.stats()["calls"].values()) == 1
    assert LogEntry.objects.filter(operation="reconcile").latest("id").reason == "nothing changed"


def test_an_account_deleted_in_salesforce_is_unlinked_and_its_customer_kept(
    linked_pair, salesforce, netsuite
):
    acme, _ = linked_pair
    salesforce.edit(type="Account", id=acme, delete=True)

    run = reconcile_run()

    assert run.found == {"deleted": 1}
    account = Account.objects.get(salesforce_id=acme)
    assert account.deleted_at is not None and account.netsuite_id == ""
    entry = LogEntry.objects.get(operation="account_deleted")
    assert entry.reason == "deleted in Salesforce; unlinked from customer 900 (kept)"
    assert not netsuite.record("customer", "900").get("isInactive")


def test_a_setting_makes_the_customer_of_a_deleted_account_inactive(
    linked_pair, salesforce, netsuite, integration_settings
):
    acme, _ = linked_pair
    integration_settings(deactivate_customer_of_deleted_account=True)
    salesforce.edit(type="Account", id=acme, delete=True)

    reconcile_run()

    assert netsuite.record("customer", "900")["isInactive"] is True
    assert LogEntry.objects.get(operation="account_deleted").reason.endswith("(made inactive)")


def test_a_merged_account_passes_its_link_to_the_survivor(linked_pair, salesforce, netsuite):
    acme, globex = linked_pair
    control(salesforce, "merge", {"type": "Account", "master": globex, "losers": [acme]})

    run = reconcile_run()

    assert run.found.get("merged") == 1
    assert Account.objects.get(salesforce_id=globex).netsuite_id == "900"
    assert Account.objects.get(salesforce_id=acme).netsuite_id == ""
    customer = netsuite.record("customer", "900")
    assert customer["externalId"] == globex
    assert customer["custentity_sfns_salesforce_id"] == globex
    make_statuses_due()
    writeback.status_writeback()
    assert salesforce.account(globex)["NetSuite_Id__c"] == "900"


def test_a_merge_into_a_linked_account_reports_both_customers(linked_pair, salesforce, netsuite):
    acme, globex = linked_pair
    netsuite.seed(customer=[{"id": "901", "companyName": "Globex", "externalId": globex}])
    Account.objects.filter(salesforce_id=globex).update(netsuite_id="901")
    control(salesforce, "merge", {"type": "Account", "master": globex, "losers": [acme]})

    run = reconcile_run()

    assert run.found.get("merge conflict") == 1
    assert Account.objects.get(salesforce_id=globex).netsuite_id == "901"
    entry = LogEntry.objects.get(operation="account_merged")
    assert entry.outcome == "error"
    assert f"merged into Account {globex}, which is linked to customer 901: customer 900" in (
        entry.reason
    )


def test_a_customer_deleted_in_netsuite_clears_the_netsuite_id_in_salesforce(
    linked_pair, salesforce
):
    acme, _ = linked_pair
    inbound.netsuite_customer_event_apply(
        event={"event": "delete", "recordType": "customer", "id": "900", "fields": {}}
    )

    make_statuses_due()
    writeback.status_writeback()

    assert Account.objects.get(salesforce_id=acme).netsuite_id == ""
    assert salesforce.account(acme).get("NetSuite_Id__c") is None


def test_a_lock_and_financials_changed_in_netsuite_without_a_webhook_reach_the_mirror(
    linked_pair, netsuite
):
    Customer.objects.update_or_create(netsuite_id="900", defaults={"locked": False})
    netsuite.seed(customer=[{"id": "900", "companyName": "Acme", "balance": 1250.5}])
    netsuite.edit(type="customer", id="900", fields={"custentity_sfns_lock_record": True})

    run = reconcile_run()

    assert run.found == {"customers": 1}
    customer = Customer.objects.get(netsuite_id="900")
    assert customer.locked is True
    assert customer.balance == Decimal("1250.50")


def test_financials_the_reconcile_finds_reach_the_salesforce_account_on_their_own(
    linked_pair, salesforce, netsuite
):
    acme, _ = linked_pair
    LogEntry.objects.all().delete()  # the first pass brought the customer's zeros
    netsuite.seed(customer=[{"id": "900", "companyName": "Acme", "balance": 1250.5}])
    netsuite.edit(type="customer", id="900", fields={"overdueBalance": 75})

    reconcile_run()
    make_statuses_due()
    writeback.status_writeback()

    record = salesforce.account(acme)
    # SuiteQL gives the numbers as text; they reach Salesforce as numbers.
    assert (record["NetSuite_Balance__c"], record["NetSuite_Overdue_Balance__c"]) == (1250.5, 75)
    (entry,) = LogEntry.objects.filter(operation="account_update_from_netsuite")
    assert entry.diff["NetSuite_Balance__c"] == [0, 1250.5]


def test_a_pass_is_due_after_the_interval_in_the_settings(db, integration_settings):
    now = timezone.now()
    integration_settings(reconcile_minutes=15)
    assert reconcile_due(now=now)  # never ran
    ReconcileRun.objects.create(finished_at=now)
    ReconcileRun.objects.update(started_at=now - dt.timedelta(minutes=10))
    assert not reconcile_due(now=now)
    ReconcileRun.objects.update(started_at=now - dt.timedelta(minutes=16))
    assert reconcile_due(now=now)
    ReconcileRun.objects.update(finished_at=None, started_at=now - dt.timedelta(minutes=16))
    assert not reconcile_due(now=now)  # one is still running
    integration_settings(reconcile_minutes=0)
    ReconcileRun.objects.update(finished_at=now)
    assert not reconcile_due(now=now)


@pytest.fixture
def org_that_gave_up(tmp_path, settings, monkeypatch, netsuite, field_mappings):
    """
    A Salesforce org whose outbound messages go to an SFNS it cannot reach, and which gives up
    on each after a second (Salesforce: 24 hours), pointed at by SFNS's settings.
    """
    from emulators.base import start_emulator
    from emulators.salesforce import SalesforceEmulator

    from ..conftest import SalesforceControl

    with socket.socket() as probe:  # a port nobody listens on: the webhook is unreachable
        probe.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{probe.getsockname()[1]}/webhooks/salesforce/x/"
    ca = str(tmp_path / "ca.pem")
    running = start_emulator(SalesforceEmulator(notify_url=unreachable), ca_out=ca)
    running.app.notifier.first_delay, running.app.notifier.max_age = 0.1, 1.0
    settings.SALESFORCE_LOGIN_URL = running.url
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    yield SalesforceControl(running.url, verify=ca)
    running.stop()


def test_a_change_whose_outbound_message_was_given_up_is_caught_by_the_reconcile(
    org_that_gave_up, netsuite
):
    salesforce = org_that_gave_up
    [acme] = salesforce.seed_accounts({"Name": "Acme", "Phone": "+1 555 0100"})
    netsuite.seed(customer=[{"id": "900", "companyName": "Acme", "externalId": acme}])
    inbound.salesforce_record_fetch(sobject="Account", salesforce_id=acme)
    Account.objects.filter(salesforce_id=acme).update(netsuite_id="900")
    reconcile_run()  # the watermarks

    salesforce.edit(type="Account", id=acme, fields={"Phone": "+1 555 0177"})
    deadline = time.monotonic() + 10
    while salesforce.stats()["notifications"]["abandoned"] < 1:
        assert time.monotonic() < deadline, "the emulator never gave up"
        time.sleep(0.1)
    assert Account.objects.get(salesforce_id=acme).fields["Phone"] == "+1 555 0100"  # missed

    run = reconcile_run()

    assert run.found["accounts"] == 1
    assert Account.objects.get(salesforce_id=acme).fields["Phone"] == "+1 555 0177"
    assert netsuite.record("customer", "900")["phone"] == "+1 555 0177"


def test_the_command_runs_a_pass_now_and_says_what_it_found(linked_pair, salesforce, capsys):
    from django.core.management import call_command

    acme, _ = linked_pair
    salesforce.edit(type="Account", id=acme, fields={"Phone": "+1 555 0123"})

    call_command("reconcile")

    assert capsys.readouterr().out.startswith("Found: 1 accounts")
    assert ReconcileRun.objects.count() == 2
