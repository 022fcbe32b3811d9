"""
The NetSuite customer webhook (HMAC-signed JSON from the SFNS SuiteScript), end to end from the
NetSuite emulator too; and Opportunity notifications on the Salesforce outbound message webhook.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
import requests
from django.conf import settings

from accounts.models import Account, Customer, Opportunity
from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator
from integration_log.models import LogEntry
from sync.models import InboundEvent, SyncJob
from sync.services import link
from sync.webhooks import salesforce_webhook_token

from .factories import AccountFactory, CustomerFactory
from .soap import outbound_message

URL = "/webhooks/netsuite/customer/"
LOCK = "custentity_sfns_lock_record"


def signed_headers(body: bytes, *, at: float | None = None, secret: str | None = None) -> dict:
    stamp = str(int(time.time() if at is None else at))
    key = (secret or settings.SFNS_WEBHOOK_SECRET).encode()
    digest = hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-SFNS-Timestamp": stamp, "X-SFNS-Signature": f"sha256={digest}"}


def event(netsuite_id: str = "100", kind: str = "update", **overrides) -> dict:
    return {
        "event": kind,
        "recordType": "customer",
        "id": netsuite_id,
        "externalId": "001000000000001AAA",
        "lastModifiedDate": "2026-09-01T10:00:00.000Z",
        "fields": {},
        **overrides,
    }


def deliver(client, body: dict | bytes, headers: dict | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        URL,
        data=raw,
        content_type="application/json",
        headers=signed_headers(raw) if headers is None else headers,
    )


@pytest.fixture
def customer(db):
    return CustomerFactory(netsuite_id="100", company_name="Acme", balance=Decimal("0"))


def eventually(condition, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def unchanged(customer: Customer) -> bool:
    before = {f.name: getattr(customer, f.name) for f in Customer._meta.fields}
    customer.refresh_from_db()
    return before == {f.name: getattr(customer, f.name) for f in Customer._meta.fields}


# ============================================================================================
# Applying events
# ============================================================================================
def test_edit_applies_the_lock_and_financials_to_the_customer_mirror(client, customer):
    fields = {
        "companyName": "Acme Corp",
        "externalId": "001000000000001AAA",
        LOCK: True,
        "balance": 1200.5,
        "overdueBalance": "300.25",
        "creditLimit": 5000,
        "daysOverdue": 12,
        "unbilledOrders": 0,
        "depositBalance": 99.99,
    }
    response = deliver(client, event(fields=fields))

    assert response.status_code == 200
    assert response.json() == {"ok": True, "result": "applied"}
    customer.refresh_from_db()
    assert customer.locked is True
    assert customer.company_name == "Acme Corp"
    assert customer.salesforce_id == "001000000000001AAA"
    assert (customer.balance, customer.overdue_balance, customer.credit_limit) == (
        Decimal("1200.50"),
        Decimal("300.25"),
        Decimal("5000"),
    )
    assert customer.days_overdue == 12
    assert (customer.unbilled_orders, customer.deposit_balance) == (Decimal("0"), Decimal("99.99"))
    assert customer.last_modified.isoformat() == "2026-09-01T10:00:00+00:00"
    assert customer.refreshed_at is not None

    # Unlocking in NetSuite unlocks here.
    later = event(fields={**fields, LOCK: False}, lastModifiedDate="2026-09-01T10:05:00.000Z")
    assert deliver(client, later).json()["result"] == "applied"
    customer.refresh_from_db()
    assert customer.locked is False


def test_numbers_sent_as_text_are_read_as_numbers(client, customer):
    fields = {"daysOverdue": "3.0", "balance": "1e3", "creditLimit": " 12.5 "}
    assert deliver(client, event(fields=fields)).status_code == 200
    customer.refresh_from_db()
    assert customer.days_overdue == 3
    assert (customer.balance, customer.credit_limit) == (Decimal("1000"), Decimal("12.5"))


def test_a_customer_not_seen_before_gets_a_mirror(client, db):
    response = deliver(
        client, event("321", kind="create", fields={"companyName": "New", LOCK: True})
    )

    assert response.status_code == 200
    mirror = Customer.objects.get(netsuite_id="321")
    assert (mirror.company_name, mirror.locked) == ("New", True)


def test_a_redelivered_event_is_applied_once(client, customer):
    body = event(fields={LOCK: True, "balance": 10})
    assert deliver(client, body).json()["result"] == "applied"

    again = deliver(client, body)

    assert again.status_code == 200  # acknowledged, so NetSuite stops resending
    assert again.json()["result"] == "duplicate"
    assert InboundEvent.objects.filter(source="netsuite").count() == 1


def test_distinct_edits_without_a_modification_date_are_all_applied(client, customer):
    first = event(fields={LOCK: True}, lastModifiedDate=None)
    second = event(fields={LOCK: False}, lastModifiedDate=None)

    assert deliver(client, first).json()["result"] == "applied"
    assert deliver(client, second).json()["result"] == "applied"
    customer.refresh_from_db()
    assert customer.locked is False
    assert deliver(client, second).json()["result"] == "duplicate"


def test_an_older_version_does_not_overwrite_a_newer_one(client, customer):
    newer = event(fields={LOCK: True, "balance": 20}, lastModifiedDate="2026-09-02T10:00:00.000Z")
    older = event(fields={LOCK: False, "balance": 10}, lastModifiedDate="2026-09-01T10:00:00.000Z")
    deliver(client, newer)

    response = deliver(client, older)

    assert response.status_code == 200
    assert response.json()["result"] == "stale"
    customer.refresh_from_db()
    assert (customer.locked, customer.balance) == (True, Decimal("20"))


def test_a_delete_unlinks_the_account_and_is_logged(client, customer):
    account = AccountFactory(netsuite_id="100")
    other = AccountFactory(netsuite_id="101")
    LogEntry.objects.all().delete()

    response = deliver(client, event(kind="delete"))

    assert response.status_code == 200
    assert response.json()["result"] == "unlinked"
    account.refresh_from_db()
    assert account.netsuite_id == ""
    assert account.pushed_payload is None
    assert not Customer.objects.filter(netsuite_id="100").exists()
    other.refresh_from_db()
    assert other.netsuite_id == "101"
    entry = LogEntry.objects.get(operation="netsuite_customer_deleted")
    assert (entry.outcome, entry.netsuite_id) == ("success", "100")
    assert "1 Account(s) unlinked" in entry.reason


# ============================================================================================
# Authentication: 401, nothing changed
# ============================================================================================
def _good_body() -> bytes:
    return json.dumps(event(fields={LOCK: True, "balance": 999})).encode()


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (lambda b: signed_headers(b, secret="not-the-secret"), "bad signature"),
        (lambda b: signed_headers(b + b" "), "bad signature"),  # signed another body
        (
            lambda b: {
                **signed_headers(b),
                "X-SFNS-Signature": signed_headers(b)["X-SFNS-Signature"].removeprefix("sha256="),
            },
            "bad signature",
        ),
        (lambda b: {"X-SFNS-Timestamp": signed_headers(b)["X-SFNS-Timestamp"]}, "missing"),
        (lambda b: {"X-SFNS-Signature": signed_headers(b)["X-SFNS-Signature"]}, "missing"),
        (lambda b: {}, "missing X-SFNS-Timestamp or X-SFNS-Signature header"),
        (lambda b: signed_headers(b, at=time.time() - 600), "more than 300 seconds off"),
        (lambda b: signed_headers(b, at=time.time() + 600), "more than 300 seconds off"),
        (
            lambda b: {**signed_headers(b), "X-SFNS-Timestamp": "yesterday"},
            "X-SFNS-Timestamp is not a Unix time",
        ),
    ],
)
def test_unauthenticated_requests_are_refused_and_change_nothing(
    client, customer, headers, message
):
    body = _good_body()

    response = deliver(client, body, headers=headers(body))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]
    assert unchanged(customer)
    assert not InboundEvent.objects.exists()


# ============================================================================================
# Validation: 400, logged, nothing changed
# ============================================================================================
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "body is not JSON"),
        (b"", "body is not JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (event(recordType="salesOrder"), "recordType must be 'customer'"),
        ({k: v for k, v in event().items() if k != "recordType"}, "recordType must be 'customer'"),
        (event(kind="upsert"), "event must be one of create, update, delete"),
        (event(id=100), "id must be the customer's internal id"),
        (event(id="12a"), "id must be the customer's internal id"),
        (event(id=""), "id must be the customer's internal id"),
        (event(id="-1"), "id must be the customer's internal id"),
        (event(id="\u00b2"), "id must be the customer's internal id"),  # "²".isdigit()
        (event(fields=["balance"]), "fields must be an object"),
        (event(lastModifiedDate="yesterday"), "not a Salesforce date-time"),
        (event(lastModifiedDate=1767261600), "lastModifiedDate must be"),
        (event(fields={"daysOverdue": "n/a"}), "daysOverdue"),
        (event(fields={"balance": "lots"}), "balance"),
    ],
)
def test_malformed_events_are_refused_logged_and_change_nothing(client, customer, body, message):
    response = deliver(client, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error
    entry = LogEntry.objects.get(operation="netsuite_customer_event")
    assert (entry.outcome, entry.direction, entry.reason) == ("error", "from_netsuite", error)
    assert unchanged(customer)
    assert not InboundEvent.objects.exists()


def test_get_is_not_allowed(client, db):
    assert client.get(URL).status_code == 405


# ============================================================================================
# End to end: a NetSuite user edits a customer; the emulator's SuiteScript stand-in calls SFNS
# ============================================================================================
@pytest.mark.django_db(transaction=True)
def test_locking_a_customer_in_netsuite_locks_the_mirror(live_server, settings):
    running = start_emulator(NetSuiteEmulator(notify_url=f"{live_server.url}{URL}"))
    try:
        settings.NETSUITE_BASE_URL = f"{running.url}/services/rest/"
        control = f"{running.url}/__emulator__"
        requests.post(
            f"{control}/seed",
            json={"customer": [{"id": "100", "companyName": "Acme", "balance": 250}]},
            timeout=5,
        ).raise_for_status()
        CustomerFactory(netsuite_id="100", company_name="Acme")

        requests.post(
            f"{control}/edit",
            json={"type": "customer", "id": "100", "fields": {LOCK: True, "balance": 300}},
            timeout=5,
        ).raise_for_status()

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not Customer.objects.filter(locked=True).exists():
            time.sleep(0.05)
        customer = Customer.objects.get(netsuite_id="100")
        assert customer.locked is True
        assert customer.balance == Decimal("300")
        stats = requests.get(f"{control}/stats", timeout=5).json()["notifications"]
        assert stats["delivered"] == 1 and stats["attempts"] == 1
    finally:
        running.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("user_named", [True, False], ids=["user named", "user not named"])
def test_sfns_own_link_and_push_post_nothing_back_but_a_user_locking_does(
    live_server, settings, field_mappings, user_named
):
    running = start_emulator(NetSuiteEmulator(notify_url=f"{live_server.url}{URL}"))
    try:
        settings.NETSUITE_BASE_URL = f"{running.url}/services/rest/"
        control = f"{running.url}/__emulator__"
        if user_named:  # the deployment names the employee SFNS's token belongs to
            rest_user = requests.get(f"{control}/script", timeout=5).json()["rest_user"]
            requests.post(
                f"{control}/script",
                json={"custscript_sfns_integration_user": rest_user},
                timeout=5,
            ).raise_for_status()

        def delivered() -> int:
            stats = requests.get(f"{control}/stats", timeout=5).json()
            return stats["notifications"]["delivered"]

        if user_named:
            account = AccountFactory(name="Acme")
            customer_id = link.account_link(account=account)  # SFNS creates the customer
        else:
            # Linked already: unnamed, SFNS's create would be posted (a create always is) and
            # meet SFNS's own writes in SQLite.
            customer_id = "100"
            requests.post(
                f"{control}/seed",
                json={"customer": [{"id": customer_id, "companyName": "Acme"}]},
                timeout=5,
            ).raise_for_status()
            account = AccountFactory(name="Acme", netsuite_id=customer_id)
            CustomerFactory(netsuite_id=customer_id, company_name="Acme")
        account.refresh_from_db()
        account.name = "Acme Renamed"  # a mapped field: SFNS pushes it (tasks run eagerly)
        account.save()
        pushes = SyncJob.objects.filter(kind="account_push")
        assert {job.status for job in pushes} == {"done"}
        state = requests.get(f"{control}/state", timeout=5).json()
        assert state["records"]["customer"][customer_id]["companyName"] == "Acme Renamed"

        # A NetSuite user checks the lock: that one SFNS must hear about.
        requests.post(
            f"{control}/edit",
            json={"type": "customer", "id": customer_id, "fields": {LOCK: True}},
            timeout=5,
        ).raise_for_status()

        assert eventually(lambda: delivered() == 1)  # the user's edit, and only that
        assert Customer.objects.get(netsuite_id=customer_id).locked is True
        stats = requests.get(f"{control}/stats", timeout=5).json()
        assert stats["notifications"]["attempts"] == 1
        # Named, SFNS's own writes are never posted (its create and its push); unnamed, its
        # pushes are not either (the first, and the rename): SFNS reads none of their fields.
        skipped = {k: v for k, v in stats["calls"].items() if k.startswith("webhook_skipped")}
        assert skipped == (
            {"webhook_skipped_sfns_write": 2} if user_named else {"webhook_skipped_unchanged": 2}
        )
    finally:
        running.stop()


# ============================================================================================
# Salesforce outbound messages about Opportunities
# ============================================================================================
ORG = "00D000000000001EAA"
DEAL = "006000000000001AAA"
ACME = "001000000000001AAA"


def opportunity_message(client, **fields):
    body = outbound_message(
        ORG,
        [{"Id": DEAL, "AccountId": ACME, "Name": "Deal", **fields}],
        sobject="Opportunity",
    )
    return client.post(
        f"/webhooks/salesforce/{salesforce_webhook_token()}/",
        data=body,
        content_type="text/xml; charset=utf-8",
    )


def sales_order_jobs() -> list[tuple[str, str]]:
    return list(
        SyncJob.objects.filter(kind="opportunity_sales_order").values_list("record_id", "status")
    )


def test_opportunity_notification_creates_the_mirror(client, db):
    response = opportunity_message(
        client, StageName="Prospecting", Amount="2500.00", LastModifiedDate="2026-09-01T10:00:00Z"
    )

    assert response.status_code == 200
    opportunity = Opportunity.objects.get(salesforce_id=DEAL)
    assert (opportunity.name, opportunity.stage) == ("Deal", "Prospecting")
    assert opportunity.amount == Decimal("2500.00")
    assert opportunity.account.salesforce_id == ACME
    assert sales_order_jobs() == []


@pytest.mark.parametrize(
    ("sync_account_on_sales_order", "linked", "queued"),
    [
        (True, False, True),  # the sales order job will link the account first
        (True, True, True),
        (False, True, True),
        (False, False, False),  # nothing to attach the order to, and linking is not allowed
    ],
)
def test_closed_won_queues_a_sales_order_per_the_setting(
    client, integration_settings, sync_account_on_sales_order, linked, queued
):
    integration_settings(sync_account_on_sales_order=sync_account_on_sales_order)
    AccountFactory(salesforce_id=ACME, netsuite_id="100" if linked else "")
    opportunity_message(client, StageName="Prospecting", LastModifiedDate="2026-09-01T10:00:00Z")
    assert sales_order_jobs() == []

    response = opportunity_message(
        client, StageName="Closed Won", LastModifiedDate="2026-09-01T11:00:00Z"
    )

    assert response.status_code == 200
    assert Opportunity.objects.get().stage == "Closed Won"
    assert sales_order_jobs() == ([(DEAL, "pending")] if queued else [])


def test_won_without_a_sales_order_is_a_logged_skip_naming_the_reason(client, integration_settings):
    integration_settings(sync_account_on_sales_order=False)
    AccountFactory(salesforce_id=ACME)

    opportunity_message(client, StageName="Closed Won", LastModifiedDate="2026-09-01T11:00:00Z")

    entry = LogEntry.objects.get(operation="opportunity_sales_order")
    assert (entry.outcome, entry.salesforce_id) == ("skipped", DEAL)
    assert entry.reason.startswith("won (Closed Won), no sales order: Account")
    assert "'Sync Account on Sales Order' is off" in entry.reason


def test_the_stages_that_mean_won_are_a_setting(client, integration_settings):
    integration_settings(won_stages="Signed, Closed Won - Paid")
    AccountFactory(salesforce_id=ACME, netsuite_id="100")

    opportunity_message(client, StageName="Closed Won", LastModifiedDate="2026-09-01T10:00:00Z")
    assert sales_order_jobs() == []
    opportunity_message(client, StageName="Signed", LastModifiedDate="2026-09-01T11:00:00Z")

    assert sales_order_jobs() == [(DEAL, "pending")]


def test_closed_won_with_a_sales_order_already_queues_nothing(client, db):
    opportunity_message(client, StageName="Prospecting", LastModifiedDate="2026-09-01T10:00:00Z")
    Opportunity.objects.update(netsuite_sales_order_id="900")

    opportunity_message(client, StageName="Closed Won", LastModifiedDate="2026-09-01T11:00:00Z")

    assert sales_order_jobs() == []


def test_a_later_change_to_a_won_opportunity_queues_nothing_more(client, db):
    opportunity_message(client, StageName="Closed Won", LastModifiedDate="2026-09-01T10:00:00Z")
    SyncJob.objects.all().delete()

    opportunity_message(
        client, StageName="Closed Won", Amount="10", LastModifiedDate="2026-09-01T11:00:00Z"
    )

    assert Opportunity.objects.get().amount == Decimal("10")
    assert sales_order_jobs() == []


def test_non_numeric_amount_is_refused_and_changes_nothing(client, db):
    response = opportunity_message(
        client, StageName="Closed Won", Amount="a lot", LastModifiedDate="2026-09-01T10:00:00Z"
    )

    assert response.status_code == 400
    assert b"not a number: 'a lot'" in response.content
    assert not Opportunity.objects.exists()
    assert not Account.objects.exists()
    assert not InboundEvent.objects.exists()  # Salesforce's redelivery will be looked at again
    assert sales_order_jobs() == []
    entry = LogEntry.objects.get(operation="salesforce_outbound_message")
    assert entry.outcome == "error" and "not a number" in entry.reason
