"""
What a real backfill writes, batch by batch: the link on the customer (its external id and
Salesforce ID field), the NetSuite Id on the Salesforce Account (sObject Collections, 200 a call),
and SFNS's mirrors. Nothing else: no customer is created and no value pushed. A dry run writes
nothing at all.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import Account, Customer
from accounts.services import account_modstamp
from integration_log.models import Direction, Operation, Outcome
from integration_log.services import record
from settings.models import IntegrationSettings

from ..clients.errors import ClientError
from ..clients.netsuite import NetSuiteClient
from ..clients.salesforce import SalesforceClient
from .backfill_index import BackfillIndex
from .backfill_link import FAILED, LINKED, AccountOutcome


class LinkWriter:
    def __init__(
        self,
        salesforce: SalesforceClient,
        netsuite: NetSuiteClient,
        conf: IntegrationSettings,
        *,
        dry_run: bool,
    ) -> None:
        self.salesforce, self.netsuite, self.conf, self.dry_run = (
            salesforce,
            netsuite,
            conf,
            dry_run,
        )

    def mirror_customers(self, rows: list[dict[str, Any]]) -> None:
        """Customer mirrors for a page of customers; unchanged ones are left alone."""
        if self.dry_run:
            return
        known = Customer.objects.in_bulk([r["netsuite_id"] for r in rows], field_name="netsuite_id")
        new, changed = [], []
        for row in rows:
            values = {
                "company_name": row["company_name"][:255],
                "salesforce_id": row["owner"] if len(row["owner"]) == 18 else "",
                "locked": row["locked"],
            }
            mirror = known.get(row["netsuite_id"])
            if mirror is None:
                new.append(Customer(netsuite_id=row["netsuite_id"], **values))
            elif any(getattr(mirror, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(mirror, key, value)
                changed.append(mirror)
        Customer.objects.bulk_create(new, batch_size=500)
        Customer.objects.bulk_update(changed, ["company_name", "salesforce_id", "locked"], 500)

    def write(
        self, rows: list[dict[str, Any]], outcomes: list[AccountOutcome], index: BackfillIndex
    ) -> list[AccountOutcome]:
        """Write a batch's links; returns the outcomes, a failed write's as failed."""
        if self.dry_run:
            return outcomes
        outcomes = self._to_netsuite(outcomes)
        outcomes = self._to_salesforce(outcomes)
        self._mirror_accounts(rows, outcomes)
        index.commit()
        linked = sum(o.action == LINKED for o in outcomes)
        if linked:
            record(
                operation=Operation.BACKFILL,
                direction=Direction.TO_NETSUITE,
                outcome=Outcome.SUCCESS,
                reason=f"{linked} of {len(outcomes)} Account(s) linked",
            )
        return outcomes

    def _to_netsuite(self, outcomes: list[AccountOutcome]) -> list[AccountOutcome]:
        """The link on each customer, as many at once as SFNS may send to NetSuite."""
        clients: list[NetSuiteClient] = []
        local = threading.local()

        def patch(outcome: AccountOutcome) -> ClientError | None:
            if outcome.action != LINKED or not outcome.write_netsuite:
                return None
            if not hasattr(local, "client"):  # a session is not shared between threads
                local.client = NetSuiteClient()
                clients.append(local.client)
            link = {
                "externalId": outcome.salesforce_id,
                self.conf.netsuite_salesforce_id_field: outcome.salesforce_id,
            }
            try:
                local.client.update("customer", outcome.netsuite_id, link)
            except ClientError as exc:
                return exc
            return None

        with ThreadPoolExecutor(max_workers=max(1, settings.NETSUITE_CONCURRENCY_LIMIT)) as pool:
            errors = list(pool.map(patch, outcomes))
        for client in clients:  # counted with the run's own calls
            self.netsuite.exchanges += client.exchanges
        # Logged here, not in the pool's threads: each would open a database connection.
        return [
            _failed(o, error, Direction.TO_NETSUITE) if error else o
            for o, error in zip(outcomes, errors, strict=True)
        ]

    def _to_salesforce(self, outcomes: list[AccountOutcome]) -> list[AccountOutcome]:
        writes = [o for o in outcomes if o.action == LINKED and o.write_salesforce]
        if not writes:
            return outcomes
        field = self.conf.salesforce_netsuite_id_field
        records = [{"id": o.salesforce_id, field: o.netsuite_id} for o in writes]
        try:
            results = self.salesforce.update_many("Account", records)
        except ClientError as exc:
            failed = {o.salesforce_id: _failed(o, exc, Direction.TO_SALESFORCE) for o in writes}
            return [failed.get(o.salesforce_id, o) for o in outcomes]
        refused = {
            o.salesforce_id: "; ".join(
                f"{e.get('statusCode')}: {e.get('message')}" for e in r.errors
            )
            for o, r in zip(writes, results, strict=True)
            if not r.success
        }
        return [
            dataclasses.replace(o, action=FAILED, reason=refused[o.salesforce_id])
            if o.salesforce_id in refused
            else o
            for o in outcomes
        ]

    @transaction.atomic
    def _mirror_accounts(self, rows: list[dict[str, Any]], outcomes: list[AccountOutcome]) -> None:
        """Account mirrors for the batch, newer versions only, without any sync signal."""
        links = {o.salesforce_id: o.netsuite_id for o in outcomes if o.action == LINKED}
        ids = [o.salesforce_id for o in outcomes]
        known = Account.objects.select_for_update().in_bulk(ids, field_name="salesforce_id")
        new, changed = [], []
        for row, outcome in zip(rows, outcomes, strict=True):
            mirror = known.get(outcome.salesforce_id)
            modstamp = account_modstamp(row)
            newer = (
                mirror is None
                or not mirror.last_modified
                or (modstamp and modstamp > mirror.last_modified)
            )
            netsuite_id = links.get(outcome.salesforce_id) or (mirror.netsuite_id if mirror else "")
            if mirror is None:
                mirror = Account(salesforce_id=outcome.salesforce_id)
                new.append(mirror)
            elif not newer and mirror.netsuite_id == netsuite_id:
                continue
            else:
                changed.append(mirror)
            if newer:
                mirror.fields = {**mirror.fields, **{k: v for k, v in row.items() if k != "Id"}}
                mirror.fields["Id"] = outcome.salesforce_id
                mirror.name = (outcome.name or outcome.salesforce_id)[:255]
                mirror.last_modified = modstamp
            mirror.netsuite_id = netsuite_id
        Account.objects.bulk_create(new, batch_size=500)
        Account.objects.bulk_update(changed, ["fields", "name", "last_modified", "netsuite_id"])


def _failed(outcome: AccountOutcome, exc: ClientError, direction: str) -> AccountOutcome:
    record(
        operation=Operation.BACKFILL,
        direction=direction,
        outcome=Outcome.ERROR,
        reason=exc.message,
        salesforce_id=outcome.salesforce_id,
        netsuite_id=outcome.netsuite_id,
    )
    return dataclasses.replace(outcome, action=FAILED, reason=exc.message)
