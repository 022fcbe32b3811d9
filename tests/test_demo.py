"""
The embedded demo (`make run`): its data tells README's "Try it" story (in sync at the start, a
quote with product lines, Update from NetSuite allowed), and between runs it keeps the admin
password, the emulators' records and SFNS's, starting over only when told to or when one of
them is missing.
"""

from __future__ import annotations

import stat

import pytest
import requests
from django.contrib.auth import get_user_model

from accounts.models import Account, Customer, Opportunity
from emulators.demo import ACME, GLOBEX, INITECH, OPPORTUNITY, demo_seed
from emulators.management.commands.run_embedded import admin_login, demo_new_reason, state_files
from emulators.netsuite import NetSuiteEmulator
from emulators.salesforce import SalesforceEmulator
from integration_log.models import LogEntry
from sync.models import SyncJob
from sync.services import opportunities, push, reconcile, update_from_netsuite

pytestmark = pytest.mark.django_db(transaction=True)
LOCK = "custentity_sfns_lock_record"


@pytest.fixture
def demo(salesforce, netsuite, field_mappings, salesforce_ca):
    """Both emulators and SFNS's database seeded as `make run` seeds a new demo."""
    demo_seed(salesforce_url=salesforce.url, netsuite_url=netsuite.url, verify=salesforce_ca)
    return salesforce, netsuite


def test_the_demo_starts_in_sync_with_nothing_to_send(demo):
    salesforce, netsuite = demo

    assert SyncJob.objects.count() == 0
    assert LogEntry.objects.count() == 0
    acme = Account.objects.get(salesforce_id=ACME)
    assert netsuite.record("customer", "100")["phone"] == acme.fields["Phone"]
    assert salesforce.account(ACME)["NetSuite_Id__c"] == "100"
    assert Customer.objects.get(netsuite_id="101").locked
    assert not Account.objects.get(salesforce_id=INITECH).is_linked
    push.account_push_to_netsuite(account=acme)
    assert LogEntry.objects.get().reason == "no change since the last sync"
    assert netsuite.stats()["status"].get("204", 0) == 0  # no PATCH


def test_the_first_reconcile_finds_nothing_new(demo):
    reconcile.reconcile_run()

    entry = LogEntry.objects.get()
    assert entry.reason == "nothing changed"


def test_a_quote_for_the_demo_opportunity_holds_its_products_as_lines(demo):
    _, netsuite = demo
    opportunity = Opportunity.objects.get(salesforce_id=OPPORTUNITY)

    estimate_id = opportunities.opportunity_create_quote(opportunity=opportunity)

    estimate = netsuite.record("estimate", estimate_id)
    lines = [
        (line["item"]["id"], line["quantity"], line["rate"]) for line in estimate["item"]["items"]
    ]
    assert lines == [("20", 10, 25.0), ("21", 1, 400.0)]  # Widget, then Installation
    assert estimate["total"] == 650.0
    initech = Account.objects.get(salesforce_id=INITECH)
    assert estimate["entity"]["id"] == initech.netsuite_id != ""


def test_update_from_netsuite_is_allowed_and_brings_a_new_balance(demo):
    salesforce, netsuite = demo
    netsuite.edit(type="customer", id="100", source="transaction", fields={"balance": 2000})
    acme = Account.objects.get(salesforce_id=ACME)

    assert update_from_netsuite.update_from_netsuite_refusal(account=acme) == ""
    update_from_netsuite.account_update_from_netsuite(account=acme)

    assert salesforce.account(ACME)["NetSuite_Balance__c"] == 2000
    assert salesforce.account(GLOBEX)["NetSuite_Balance__c"] == 1250


# -- between runs ---------------------------------------------------------------------------
def test_the_admin_password_is_made_once_and_kept(tmp_path):
    path = tmp_path / ".sfns" / "admin-password"

    username, first = admin_login(path)
    user = get_user_model().objects.get(username=username)
    user.set_password("changed in the admin")
    user.save()
    _, second = admin_login(path)

    assert first == second == path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    user.refresh_from_db()
    assert user.check_password(first)
    assert user.is_superuser and user.is_staff and user.is_active


def test_the_password_file_says_what_the_admin_password_is(tmp_path):
    path = tmp_path / "admin-password"
    path.write_text("chosen-by-me\n")

    assert admin_login(path) == ("admin", "chosen-by-me")


def test_the_demo_is_kept_when_the_database_and_the_emulators_records_are_there(tmp_path):
    states = state_files(tmp_path)

    assert demo_new_reason(states, reset=False) == "first run"
    Account.objects.create(salesforce_id=ACME, name="Acme Corporation")
    assert "the salesforce and netsuite emulator's records" in demo_new_reason(states, reset=False)
    for path in states.values():
        path.parent.mkdir(exist_ok=True)
        path.write_text("{}")
    assert demo_new_reason(states, reset=False) == ""
    assert demo_new_reason(states, reset=True) != ""
    Account.objects.all().delete()
    assert demo_new_reason(states, reset=False) == "the database is new"


def test_the_emulators_keep_their_records_in_their_state_files(tmp_path, settings):
    states = state_files(tmp_path)
    states["salesforce"].parent.mkdir()
    salesforce = SalesforceEmulator(state_file=str(states["salesforce"]))
    netsuite = NetSuiteEmulator(state_file=str(states["netsuite"]))
    with salesforce.lock:
        [account_id] = salesforce.seed({"Account": [{"Name": "Acme"}]})["Account"]
    salesforce.person_edit({"type": "Account", "id": account_id, "fields": {"Phone": "1"}})
    netsuite.seed({"customer": [{"id": "100", "companyName": "Acme"}]})
    netsuite.save_state()
    netsuite.edit({"type": "customer", "id": "100", "fields": {"phone": "2"}})

    again = SalesforceEmulator(state_file=str(states["salesforce"]))
    assert again.state["records"]["Account"][account_id]["Phone"] == "1"
    assert (
        NetSuiteEmulator(state_file=str(states["netsuite"])).state["records"]["customer"]["100"][
            "phone"
        ]
        == "2"
    )


def test_notifications_wait_until_released(settings):
    from .emulators.netsuite.test_webhook import Listener

    listener = Listener()
    app = NetSuiteEmulator(notify_url=listener.url)
    app.seed({"customer": [{"id": "100", "companyName": "Acme"}]})
    app.notifier.hold()
    try:
        app.edit({"type": "customer", "id": "100", "fields": {LOCK: True}})
        assert listener.wait_for(1, timeout=1) == []
        assert app.notifier.attempts == 0
        app.notifier.release()
        assert len(listener.wait_for(1)) == 1
    finally:
        app.notifier.stop()
        listener.stop()


def test_the_pages_are_outside_the_api_and_its_auth(demo):
    salesforce, netsuite = demo

    for url in (f"{salesforce.url}/", f"{netsuite.url}/"):
        assert requests.get(url, timeout=10, verify=salesforce.verify).status_code == 200
    api = f"{netsuite.url}/services/rest/record/v1/customer/100"
    assert requests.get(api, timeout=10).status_code == 401
    sobject = f"{salesforce.url}/services/data/v62.0/sobjects/Account/{ACME}"
    assert requests.get(sobject, timeout=10, verify=salesforce.verify).status_code == 401
