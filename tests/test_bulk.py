"""sfns.bulk: one-statement inserts and updates that store what a save would (PostgreSQL's
jsonb path in CI, Django's bulk methods on SQLite)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Account, Customer
from sfns.bulk import bulk_insert, bulk_update
from sync.models import InboundEvent, JobKind, SyncJob
from tests.factories import AccountFactory, CustomerFactory

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 26, 8, 0, 0, 123456, tzinfo=dt.UTC)


def test_inserted_rows_read_back_as_a_save_would_store_them():
    parent = AccountFactory()
    rows = [
        Account(
            salesforce_id=f"001{i:012d}AAA",
            name=f'Acme {i} "quoted" \\ back\'slash',
            parent=parent if i else None,
            fields={"Phone": "+1 555", "nested": [1, None, {"a": "é"}], "empty": ""},
            last_modified=MOMENT,
            pushed_payload=None,
        )
        for i in range(3)
    ]
    before = dt.datetime.now(dt.UTC)

    inserted = bulk_insert(rows)

    assert [a.pk for a in inserted] == sorted(a.pk for a in inserted)
    assert all(a.pk and not a._state.adding for a in inserted)
    stored = {a.salesforce_id: a for a in Account.objects.filter(pk__in=[a.pk for a in rows])}
    for row in rows:
        again = stored[row.salesforce_id]
        assert again.pk == row.pk
        assert again.name == row.name
        assert again.fields == row.fields
        assert again.last_modified == MOMENT  # microseconds kept
        assert again.pushed_payload is None
        assert Account.objects.filter(pk=row.pk, pushed_payload__isnull=True).exists()
        assert again.status_version == 0  # the field's default
        assert again.created_at >= before  # auto_now_add, as a save
    assert stored["001000000000001AAA"].parent_id == parent.pk
    assert stored["001000000000000AAA"].parent_id is None


def test_an_insert_that_breaks_a_unique_constraint_raises_and_stores_nothing():
    AccountFactory(salesforce_id="001000000000009AAA")
    rows = [
        Account(salesforce_id=sid, name="x") for sid in ("001000000000008AAA", "001000000000009AAA")
    ]

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(rows)

    assert not Account.objects.filter(salesforce_id="001000000000008AAA").exists()


def test_ignored_conflicts_keep_the_first_row():
    bulk_insert(
        [InboundEvent(source="salesforce", event_id="n1", sobject="Account", fields={"v": 1})]
    )

    bulk_insert(
        [
            InboundEvent(source="salesforce", event_id="n1", sobject="Account", fields={"v": 2}),
            InboundEvent(source="salesforce", event_id="n2", sobject="Account", fields={"v": 3}),
        ],
        ignore_conflicts=True,
    )

    assert dict(InboundEvent.objects.values_list("event_id", "fields")) == {
        "n1": {"v": 1},
        "n2": {"v": 3},
    }


def test_decimals_and_integers_go_in_unchanged():
    job = bulk_insert([SyncJob(kind=JobKind.ACCOUNT_PUSH, record_id="001", dedupe_key="k")])[0]
    customer = bulk_insert(
        [Customer(netsuite_id="77", balance=Decimal("-12345678.91"), days_overdue=-3)]
    )[0]

    assert SyncJob.objects.get(pk=job.pk).dedupe_key == "k"
    again = Customer.objects.get(pk=customer.pk)
    assert again.balance == Decimal("-12345678.91")
    assert again.days_overdue == -3


def test_update_writes_only_the_named_fields():
    accounts = AccountFactory.create_batch(3, name="old", last_sync_error="kept")
    for i, account in enumerate(accounts):
        account.name = f"new {i}"
        account.last_synced_at = MOMENT + dt.timedelta(seconds=i)
        account.pushed_payload = {"companyName": f"new {i}", "list": [i]} if i else None
        account.last_sync_error = "not saved"

    bulk_update(accounts, ["name", "last_synced_at", "pushed_payload"])

    for i, again in enumerate(
        Account.objects.filter(pk__in=[a.pk for a in accounts]).order_by("pk")
    ):
        assert again.name == f"new {i}"
        assert again.last_synced_at == MOMENT + dt.timedelta(seconds=i)
        assert again.pushed_payload == ({"companyName": f"new {i}", "list": [i]} if i else None)
        assert again.last_sync_error == "kept"


def test_update_of_decimals_and_booleans():
    customer = CustomerFactory(balance=Decimal("1.00"), locked=False)
    customer.balance = Decimal("-0.05")
    customer.locked = True

    bulk_update([customer], ["balance", "locked"])

    again = Customer.objects.get(pk=customer.pk)
    assert (again.balance, again.locked) == (Decimal("-0.05"), True)


def test_nothing_to_write_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert([]) == []
        bulk_update([], ["name"])
