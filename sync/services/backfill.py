"""
The backfill: the first import of an org that already has Accounts and customers, safe to
repeat and to resume. It reads every NetSuite customer (SuiteQL, by key) into an index, then
every Salesforce Account (SOQL page by page, or a Bulk API 2.0 job above a threshold), and
links each Account: by the Salesforce id already on a customer, by the NetSuite id already on
the Account, or by the matching rules. It writes the link to both sides (and to SFNS's mirrors),
creates no customer and pushes no values; a dry run writes nothing anywhere.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from settings.models import IntegrationSettings

from .. import matching
from ..clients.netsuite import NetSuiteClient, suiteql_checkbox
from ..clients.salesforce import COLLECTION_LIMIT, SalesforceClient
from ..clients.salesforce_queries import bulk_query_pages, count, query_pages
from .backfill_index import BackfillIndex
from .backfill_link import AccountOutcome, decide_link, owner_id
from .backfill_write import LinkWriter
from .match import column, enabled_rules

SUITEQL_PAGE = 1000
ACCOUNT_FIELDS = ["Id", "Name", "Website", "Phone", "ParentId", "LastModifiedDate"]


@dataclass
class Summary:
    accounts: int = 0
    customers: int = 0
    outcomes: Counter = field(default_factory=Counter)  # (action, rule) -> accounts
    salesforce_calls: int = 0
    netsuite_calls: int = 0
    resumed: bool = False


@dataclass
class BackfillRun:
    """One run: its options, its clients, its index (the checkpoint) and its counts."""

    dry_run: bool = False
    state_dir: Path = Path(".backfill")
    bulk_threshold: int = 50000
    batch_size: int = COLLECTION_LIMIT
    on_progress: Callable[[str, int], None] = lambda phase, done: None
    on_outcome: Callable[[AccountOutcome], None] = lambda outcome: None
    summary: Summary = field(default_factory=Summary)

    def run(self) -> Summary:
        conf = IntegrationSettings.load()
        with tempfile.TemporaryDirectory() as scratch:
            # A dry run keeps its index in a scratch directory: nothing of it outlives it.
            where = Path(scratch) if self.dry_run else self.state_dir
            index = BackfillIndex(where / "backfill.sqlite3")
            if index.get("finished"):  # the last run ended: this one starts afresh
                index.close()
                (where / "backfill.sqlite3").unlink()
                index = BackfillIndex(where / "backfill.sqlite3")
            try:
                self._run(index, conf)
            finally:
                index.close()
        return self.summary

    def _run(self, index: BackfillIndex, conf: IntegrationSettings) -> None:
        self.summary.resumed = bool(index.get("started"))
        index.put(started=True)
        self.salesforce, self.netsuite = SalesforceClient(), NetSuiteClient()
        writer = LinkWriter(self.salesforce, self.netsuite, conf, dry_run=self.dry_run)
        if not index.get("customers_done"):
            self._read_customers(index, conf, writer)
            index.put(customers_done=True)
        enabled = enabled_rules(conf)
        self._restore(index)
        for batch, checkpoint in self._account_batches(index, conf):
            outcomes = [decide_link(row, index, conf, enabled) for row in batch]
            outcomes = writer.write(batch, outcomes, index)
            for outcome in outcomes:
                self.summary.outcomes[(outcome.action, outcome.rule)] += 1
                self.on_outcome(outcome)
            self.summary.accounts += len(batch)
            self._count_calls()
            self._save(index, checkpoint)
            self.on_progress("accounts", self.summary.accounts)
        index.put(finished=True)

    def _save(self, index: BackfillIndex, checkpoint: dict[str, Any]) -> None:
        """
        A written batch's checkpoint and the counts so far, in one commit: a run killed at any
        point resumes after the last batch written and reports the whole run.
        """
        summary = self.summary
        index.put(
            **checkpoint,
            accounts_done=summary.accounts,
            outcomes=[[action, rule, n] for (action, rule), n in summary.outcomes.items()],
            calls=[summary.salesforce_calls, summary.netsuite_calls],
        )

    def _restore(self, index: BackfillIndex) -> None:
        summary = self.summary
        summary.accounts = index.get("accounts_done", 0)
        summary.outcomes.update({(a, r): n for a, r, n in index.get("outcomes", [])})
        calls = index.get("calls", [0, 0])
        summary.salesforce_calls += calls[0]
        summary.netsuite_calls += calls[1]

    # -- NetSuite: every customer, by key ------------------------------------------------
    def _read_customers(
        self, index: BackfillIndex, conf: IntegrationSettings, writer: LinkWriter
    ) -> None:
        last = index.get("customer_cursor", 0)
        columns = ", ".join(
            [
                *("id", "companyname", "url", "phone", "email", "externalid", "isinactive"),
                column(conf.netsuite_salesforce_id_field),
                column(conf.netsuite_lock_field),
            ]
        )
        while True:
            # Column names checked, the cursor a number: nothing from outside is spliced in.
            query = f"SELECT {columns} FROM customer WHERE id > {int(last)} ORDER BY id"  # noqa: S608
            page = self.netsuite.suiteql(query, page_size=SUITEQL_PAGE)
            rows = list(itertools.islice(page, SUITEQL_PAGE))  # one page; the next by key
            if not rows:
                return
            indexed = [_indexed(row, conf) for row in rows]
            index.add_customers(indexed)
            writer.mirror_customers(indexed)
            last = max(int(row["id"]) for row in rows)
            index.put(customer_cursor=last)
            self.summary.customers += len(rows)
            self.on_progress("customers", self.summary.customers)
            self._count_calls()
            if len(rows) < SUITEQL_PAGE:
                return

    # -- Salesforce: every Account, page by page ----------------------------------------
    def _account_batches(
        self, index: BackfillIndex, conf: IntegrationSettings
    ) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        """Every Account, in batches, each with the checkpoint to save once it is written."""
        fields = ", ".join(dict.fromkeys([*ACCOUNT_FIELDS, conf.salesforce_netsuite_id_field]))
        total = index.get("account_total")
        if total is None:
            total = count(self.salesforce, "FROM Account")
            index.put(account_total=total)
        self.on_progress("total", total)
        if total > self.bulk_threshold:
            yield from self._bulk_batches(index, f"SELECT {fields} FROM Account")  # noqa: S608
            return
        last = index.get("account_cursor", "")
        where = f" WHERE Id > '{last}'" if last else ""
        soql = f"SELECT {fields} FROM Account{where} ORDER BY Id"  # noqa: S608 (ids, field names)
        for page in query_pages(self.salesforce, soql):
            for start in range(0, len(page), self.batch_size):
                batch = page[start : start + self.batch_size]
                yield batch, {"account_cursor": batch[-1]["Id"]}

    def _bulk_batches(
        self, index: BackfillIndex, soql: str
    ) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
        """A Bulk API job's pages; the checkpoint is the job, the locator of the page and the
        rows of that page already written."""
        job_id, locator = index.get("bulk_job", ""), index.get("bulk_locator", "")
        skip = index.get("bulk_rows_done", 0)
        for page in bulk_query_pages(self.salesforce, soql, job_id=job_id, locator=locator):
            for start in range(skip, len(page.rows), self.batch_size):
                end = start + self.batch_size
                if end < len(page.rows):
                    checkpoint = {"bulk_locator": locator, "bulk_rows_done": end}
                else:  # the page is done: a resumed run starts at the next one
                    checkpoint = {"bulk_locator": page.next_locator, "bulk_rows_done": 0}
                yield page.rows[start:end], {"bulk_job": page.job_id, **checkpoint}
            skip, locator = 0, page.next_locator

    def _count_calls(self) -> None:
        """API calls spent so far; the clients' exchange lists are emptied as they are counted."""
        self.summary.salesforce_calls += sum(
            1 for e in self.salesforce.exchanges if "/services/data/" in e.path
        )
        self.summary.netsuite_calls += len(self.netsuite.exchanges)
        self.salesforce.exchanges.clear()
        self.netsuite.exchanges.clear()


def _indexed(row: dict[str, Any], conf: IntegrationSettings) -> dict[str, Any]:
    sfid_field, lock_field = (
        conf.netsuite_salesforce_id_field.lower(),
        conf.netsuite_lock_field.lower(),
    )
    return {
        "netsuite_id": str(row["id"]),
        "company_name": str(row.get("companyname") or ""),
        "owner": owner_id(row.get("externalid") or row.get(sfid_field)),
        "inactive": suiteql_checkbox(row.get("isinactive")),
        "locked": suiteql_checkbox(row.get(lock_field)),
        "keys": matching.customer_keys(row),
    }
