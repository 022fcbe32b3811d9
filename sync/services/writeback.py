"""
Write-back: the NetSuite Id and NetSuite Sync values waiting on Accounts and Contacts, and the
values NetSuite reported on its own (financials.py), written to Salesforce with sObject
Collections, 200 records a call, batched so a burst costs few calls.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from accounts.models import Account, Contact
from integration_log.models import Direction, Operation, Outcome
from settings.models import IntegrationSettings

from .. import rules
from ..clients.errors import ClientError
from ..clients.salesforce import COLLECTION_LIMIT, SalesforceClient
from ..models import JobKind, MappingDirection, SyncJob
from ..outbox import job_enqueue
from ..selectors import mapping_rules
from .attempts import STATUS_MODELS, Attempt
from .update_from_netsuite import salesforce_edition

ROW_FIELDS = (
    "pk",
    "salesforce_id",
    "netsuite_id",
    "last_synced_at",
    "last_sync_error",
    "status_version",
    "clear_netsuite_id",
    "values_pending",
    "fields",
)


CONTACT_ROW_FIELDS = ROW_FIELDS[:6]  # a Contact's: its NetSuite Id and NetSuite Sync
# After a write, what is no longer pending on each kind of row.
SETTLED = {
    "Account": {"status_pending_since": None, "clear_netsuite_id": False, "values_pending": False},
    "Contact": {"status_pending_since": None},
}


def _rows_to_write(model: type = Account, fields: tuple = ROW_FIELDS) -> list[dict[str, Any]]:
    """
    The pending rows that go now: during a burst only full batches, the rest once no new
    status arrived for a quiet spell (or the oldest waited long enough).
    """
    pending = model.objects.filter(status_pending_since__isnull=False)
    span = pending.aggregate(
        oldest=Min("status_pending_since"), newest=Max("status_pending_since"), count=Count("pk")
    )
    if not span["count"]:
        return []
    rows = list(pending.order_by("status_pending_since").values(*fields)[: 10 * COLLECTION_LIMIT])
    if not rules.writeback_due(oldest=span["oldest"], newest=span["newest"], now=timezone.now()):
        rows = rows[: len(rows) // COLLECTION_LIMIT * COLLECTION_LIMIT]
    return rows


def status_writeback(*, job: SyncJob | None = None) -> int:
    """
    Write what is due, Accounts then Contacts; returns the number of records written. Queues
    itself while more wait.
    """
    batches = [
        ("Account", _rows_to_write()),
        ("Contact", _rows_to_write(Contact, CONTACT_ROW_FIELDS)),
    ]
    written = 0
    if any(rows for _, rows in batches):
        conf = IntegrationSettings.load()
        client = SalesforceClient()
        with_status = rules.edition_supports_api_features(
            salesforce_edition(conf=conf, client=client)
        )
        # The fields NetSuite's values go to (with_status only: Enterprise Edition and up).
        reverse = (
            [rule.target for rule in mapping_rules(MappingDirection.TO_SALESFORCE)]
            if with_status
            else []
        )
        for sobject, rows in batches:
            for start in range(0, len(rows), COLLECTION_LIMIT):
                written += _write_batch(
                    rows[start : start + COLLECTION_LIMIT],
                    sobject=sobject,
                    conf=conf,
                    client=client,
                    reverse=reverse if sobject == "Account" else [],
                    with_status=with_status,
                    job=job,
                )
    if any(
        model.objects.filter(status_pending_since__isnull=False).exists() for model in STATUS_MODELS
    ):
        job_enqueue(
            kind=JobKind.STATUS_WRITEBACK,
            record_id="*",
            delay=rules.WRITEBACK_QUIET.total_seconds(),
        )
    return written


def _record(
    row: dict[str, Any], conf: IntegrationSettings, with_status: bool, reverse: list[str]
) -> dict:
    fields: dict[str, Any] = {"id": row["salesforce_id"]}
    if row.get("values_pending"):
        fields.update({t: row["fields"][t] for t in reverse if t in row["fields"]})
    if row["netsuite_id"]:
        fields[conf.salesforce_netsuite_id_field] = row["netsuite_id"]
    elif row.get("clear_netsuite_id"):  # SFNS unlinked it: Salesforce must not keep the old id
        fields[conf.salesforce_netsuite_id_field] = None
    if with_status:
        synced = row["last_synced_at"]
        fields[conf.salesforce_netsuite_sync_field] = rules.status_text(
            synced_at_iso=synced.isoformat(timespec="seconds") if synced else None,
            error=row["last_sync_error"],
        )
    return fields


def _write_batch(
    rows: list[dict],
    *,
    sobject: str = "Account",
    conf: IntegrationSettings,
    client: SalesforceClient,
    reverse: list[str],
    with_status: bool,
    job: SyncJob | None,
) -> int:
    records = [_record(row, conf, with_status, reverse) for row in rows]
    attempt = Attempt(Operation.STATUS_WRITEBACK, Direction.TO_SALESFORCE, job=job)
    try:
        results = client.update_many(sobject, records)
    except ClientError as exc:
        attempt.error(exc, client=client)
        raise
    written = 0
    settled = Q(pk__in=[])
    for row, result in zip(rows, results, strict=True):
        transient = any(e.get("statusCode") == "UNABLE_TO_LOCK_ROW" for e in result.errors)
        if not transient:  # written, or refused for good: either way not pending any more
            # ...unless a newer attempt changed the status while this batch was on its way.
            settled |= Q(pk=row["pk"], status_version=row["status_version"])
        if result.success:
            written += 1
            continue
        Attempt(
            Operation.STATUS_WRITEBACK,
            Direction.TO_SALESFORCE,
            job=job,
            salesforce_id=row["salesforce_id"],
            netsuite_id=row["netsuite_id"],
        ).log(
            Outcome.ERROR,
            "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in result.errors),
        )
    model = Contact if sobject == "Contact" else Account
    model.objects.filter(settled).update(**SETTLED[sobject])
    attempt.log(
        Outcome.SUCCESS,
        f"{written} of {len(rows)} {sobject}(s) updated",
        request={
            "sobject": sobject,
            "records": len(records),
            "fields": sorted({k for r in records for k in r}),
            "ids": [r["id"] for r in records],  # the log and the admin name them
        },
    )
    return written
