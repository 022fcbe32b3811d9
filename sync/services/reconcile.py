"""
Reconcile: ask Salesforce and NetSuite what changed since the watermarks and apply it through
the webhooks' own paths, so a change already applied is recognized and an older version never
wins. It catches what the webhooks missed (Salesforce gives up on an outbound message after 24
hours, and an admin can delete queued ones) and Salesforce's deletions and merges, which send
no message. With nothing changed it costs one call to each: a Composite request holding the
Account and Opportunity queries, and one SuiteQL query.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.services import parse_salesforce_datetime
from integration_log.models import Direction, Operation, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings

from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient, suiteql_checkbox
from ..clients.salesforce import SalesforceClient
from ..clients.salesforce_queries import composite_queries, pages_from
from ..models import FieldMapping, MappingDirection, ReconcileRun
from . import deletions, inbound
from .match import column

# Each pass looks back this much before the watermark: a change committed late, or a clock a
# little off, is still seen (and, seen twice, applied once).
OVERLAP = dt.timedelta(minutes=5)
# The first pass, with no watermark yet, looks back this far.
FIRST_LOOK = dt.timedelta(days=1)
# A pass that has not finished after this long is taken for dead: the next one may start.
STUCK = dt.timedelta(minutes=30)
OPPORTUNITY_FIELDS = ["Id", "Name", "AccountId", "StageName", "Amount", "CloseDate"]
# SuiteQL's customer columns for the financials (REST's balance is balancesearch there; the
# deposit balance has no SuiteQL column: Update from NetSuite reads it through REST).
SUITEQL_FINANCIALS = {
    "balancesearch": "balance",
    "overduebalancesearch": "overdueBalance",
    "creditlimit": "creditLimit",
    "daysoverduesearch": "daysOverdue",
    "unbilledorderssearch": "unbilledOrders",
}


def reconcile_due(*, now: dt.datetime | None = None) -> bool:
    """Whether the interval set in the settings has passed since the last pass began."""
    minutes = IntegrationSettings.load().reconcile_minutes
    if not minutes:
        return False
    now = now or timezone.now()
    last = ReconcileRun.objects.first()
    if last is None:
        return True
    if last.finished_at is None and last.started_at > now - STUCK:
        return False  # one is running
    return last.started_at <= now - dt.timedelta(minutes=minutes)


def reconcile_run() -> ReconcileRun:
    """One pass over both systems; its findings and new watermarks are on the row it returns."""
    previous = ReconcileRun.objects.filter(finished_at__isnull=False, error="").first()
    run = ReconcileRun.objects.create(
        salesforce_watermark=previous.salesforce_watermark if previous else None,
        netsuite_watermark=previous.netsuite_watermark if previous else None,
    )
    found: Counter = Counter()
    try:
        run.salesforce_watermark = _salesforce(run.salesforce_watermark, found)
        run.netsuite_watermark = _netsuite(run.netsuite_watermark, found)
    except ClientError as exc:
        run.error = exc.message
    run.found, run.finished_at = dict(found), timezone.now()
    run.save()
    record(
        operation=Operation.RECONCILE,
        direction=Direction.FROM_SALESFORCE,
        outcome=Outcome.ERROR if run.error else Outcome.SUCCESS,
        reason=run.error or run.found_text,
    )
    ReconcileRun.objects.filter(pk__in=ReconcileRun.objects.values("pk")[200:]).delete()
    return run


def _since(watermark: dt.datetime | None) -> dt.datetime:
    return (watermark or timezone.now() - FIRST_LOOK) - OVERLAP


# -- Salesforce -------------------------------------------------------------------------------
def _account_fields(conf: IntegrationSettings) -> list[str]:
    mapped = FieldMapping.objects.filter(direction=MappingDirection.TO_NETSUITE, enabled=True)
    sources = [m.source.split(".")[0] for m in mapped if m.source]
    return list(
        dict.fromkeys(["Id", "Name", "ParentId", *sources, conf.salesforce_netsuite_id_field])
    )


def _salesforce(watermark: dt.datetime | None, found: Counter) -> dt.datetime | None:
    conf = IntegrationSettings.load()
    client = SalesforceClient()
    since = _since(watermark).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    newest = watermark
    stamps = ["LastModifiedDate", "SystemModstamp"]
    queries = {
        sobject: (
            f"SELECT {', '.join(fields)} FROM {sobject} WHERE SystemModstamp > {since} "  # noqa: S608
            "ORDER BY SystemModstamp, Id"
        )
        for sobject, fields in (
            ("Account", [*_account_fields(conf), *stamps, "IsDeleted", "MasterRecordId"]),
            ("Opportunity", [*OPPORTUNITY_FIELDS, *stamps, "IsDeleted"]),
        )
    }
    # Both first pages in one Composite request: a quiet pass is one Salesforce call.
    firsts = composite_queries(client, queries, include_deleted=True)
    for sobject in queries:
        for page in pages_from(client, firsts[sobject], include_deleted=True):
            _apply_salesforce(sobject, page, found)
            for row in page:
                stamp = parse_salesforce_datetime(row.get("SystemModstamp"))
                newest = max(filter(None, [newest, stamp]), default=None)
    return newest


def _apply_salesforce(sobject: str, rows: list[dict[str, Any]], found: Counter) -> None:
    """Live rows go the outbound messages' way; deleted Accounts are unlinked or merged."""
    live = [row for row in rows if not row.get("IsDeleted")]
    notes = [
        {
            "id": f"reconcile:{row['Id']}:{row.get('SystemModstamp')}"[:64],
            "type": sobject,
            "fields": {k: v for k, v in row.items() if k not in ("IsDeleted", "MasterRecordId")},
        }
        for row in live
    ]
    if notes:
        applied = inbound.salesforce_notifications_apply(notifications=notes)["applied"]
        if applied:
            found["accounts" if sobject == "Account" else "opportunities"] += applied
    if sobject != "Account":
        return
    for row in rows:
        if row.get("IsDeleted"):
            master = row.get("MasterRecordId") or ""
            happened = deletions.account_removed(salesforce_id=row["Id"], master_id=master)
            if happened:
                found[happened] += 1


# -- NetSuite ---------------------------------------------------------------------------------
def _netsuite(watermark: dt.datetime | None, found: Counter) -> dt.datetime | None:
    """Customers changed since the watermark, applied like the SuiteScript's events."""
    conf = IntegrationSettings.load()
    zone = zoneinfo.ZoneInfo(settings.NETSUITE_TIME_ZONE)  # SuiteQL speaks the account's time
    since = _since(watermark).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    sfid, lock = column(conf.netsuite_salesforce_id_field), column(conf.netsuite_lock_field)
    query = (
        "SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified, "  # noqa: S608
        f"companyname, externalid, {sfid}, {lock}, {', '.join(SUITEQL_FINANCIALS)} "
        "FROM customer WHERE lastmodifieddate > "
        f"TO_TIMESTAMP('{since}', 'YYYY-MM-DD HH24:MI:SS') ORDER BY lastmodifieddate, id"
    )
    newest = watermark
    for row in NetSuiteClient().suiteql(query):
        modified = dt.datetime.fromisoformat(row["modified"]).replace(tzinfo=zone)
        event = {
            "event": "update",
            "recordType": "customer",
            "id": str(row["id"]),
            "lastModifiedDate": modified.astimezone(dt.UTC).isoformat(),
            "fields": {
                "companyName": row.get("companyname") or "",
                "externalId": row.get("externalid") or "",
                conf.netsuite_salesforce_id_field: row.get(sfid) or "",
                conf.netsuite_lock_field: suiteql_checkbox(row.get(lock)),
                **{
                    name: row[column_name]
                    for column_name, name in SUITEQL_FINANCIALS.items()
                    if row.get(column_name) not in (None, "")
                },
            },
        }
        if inbound.netsuite_customer_event_apply(event=event) == "applied":
            found["customers"] += 1
        newest = max(filter(None, [newest, modified]), default=None)
    return newest
