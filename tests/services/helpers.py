"""What the service tests share: the log, NetSuite's customers, batches."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Account, Contact
from integration_log.models import LogEntry
from sync import rules
from sync.models import SyncJob

LOCK_FIELD = "custentity_sfns_lock_record"
COMPANY_NAME_REQUIRED = "You must enter a value for Company Name."
FINANCIALS = {
    "balance": 1500.25,
    "overdueBalance": 200.5,
    "creditLimit": 10000,
    "daysOverdue": 12,
    "unbilledOrders": 300,
    "depositBalance": 50,
}


def make_statuses_due() -> None:
    """Age the pending statuses past the batching window instead of sleeping through it."""
    for model in (Account, Contact):
        model.objects.filter(status_pending_since__isnull=False).update(
            status_pending_since=timezone.now() - rules.WRITEBACK_QUIET - dt.timedelta(seconds=1)
        )


def only_log(operation: str) -> LogEntry:
    return LogEntry.objects.get(operation=operation)


def customers(netsuite) -> dict:
    return netsuite.state()["records"]["customer"]


def forget_setup() -> None:
    """Forget the jobs and log entries a fixture's own first push made."""
    LogEntry.objects.all().delete()
    SyncJob.objects.all().delete()


def bulk_pending_accounts(salesforce, count: int, *, due: bool) -> list[str]:
    """count linked Accounts, in Salesforce and here, whose status waits to be written."""
    ids = salesforce.seed_accounts(*({"Name": f"Bulk {n}"} for n in range(count)))
    since = timezone.now() - dt.timedelta(
        seconds=rules.WRITEBACK_QUIET.total_seconds() + 1 if due else 0
    )
    Account.objects.bulk_create(
        Account(
            salesforce_id=salesforce_id,
            name=f"Bulk {n}",
            netsuite_id=str(1000 + n),
            last_synced_at=timezone.now(),
            status_pending_since=since,
        )
        for n, salesforce_id in enumerate(ids)
    )
    salesforce.reset_stats()
    return ids
