"""
`python manage.py backfill [--dry-run] [--report FILE.csv]`: the first import. Links existing
Accounts to existing customers (by the ids either side already holds, then by the matching
rules), writes the links to both sides, creates nothing else. Safe to repeat; an interrupted
run resumes from its checkpoint.
"""

from __future__ import annotations

import csv
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sync.clients.errors import ClientError
from sync.services.backfill import BackfillRun, Summary
from sync.services.backfill_link import AccountOutcome

REPORT_COLUMNS = ["salesforce_id", "name", "action", "netsuite_id", "rule", "reason"]


class Command(BaseCommand):
    help = "Link existing Salesforce Accounts to existing NetSuite customers (the first import)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="change nothing in Salesforce, NetSuite or SFNS; say what a run would do",
        )
        parser.add_argument("--report", help="write one CSV row per Account to this file")
        parser.add_argument(
            "--state-dir",
            default=".backfill",
            help="where the checkpoint of a run is kept (default .backfill)",
        )
        parser.add_argument(
            "--bulk-threshold",
            type=int,
            default=50000,
            help="read Accounts with a Bulk API 2.0 job above this many (default 50,000)",
        )

    def handle(self, *args, **opts) -> None:
        with ExitStack() as stack:
            report = None
            if opts["report"]:
                report_file = stack.enter_context(Path(opts["report"]).open("a", newline=""))
                report = csv.DictWriter(report_file, REPORT_COLUMNS)
                if report_file.tell() == 0:  # a resumed run appends to its report
                    report.writeheader()
            bars: dict[str, tqdm] = {}
            stack.callback(lambda: [bar.close() for bar in bars.values()])

            def progress(phase: str, done: int) -> None:
                if phase == "total":
                    bars["accounts"] = tqdm(total=done, desc="Accounts", unit=" accounts")
                    return
                if phase not in bars:
                    bars[phase] = tqdm(desc=phase.capitalize(), unit=f" {phase}")
                bars[phase].update(done - bars[phase].n)

            def outcome(item: AccountOutcome) -> None:
                if report is not None:
                    report.writerow({name: getattr(item, name) for name in REPORT_COLUMNS})

            run = BackfillRun(
                dry_run=opts["dry_run"],
                state_dir=Path(opts["state_dir"]),
                bulk_threshold=opts["bulk_threshold"],
                on_progress=progress,
                on_outcome=outcome,
            )
            try:
                summary = run.run()
            except ClientError as exc:
                raise CommandError(f"{exc.message} (run it again to resume)") from exc
        self._summary(summary, dry_run=opts["dry_run"])

    def _summary(self, summary: Summary, *, dry_run: bool) -> None:
        write = self.stdout.write
        write(
            ("Dry run: nothing was written.\n" if dry_run else "")
            + ("Resumed from the checkpoint.\n" if summary.resumed else "")
        )
        write(f"{summary.customers:,} customers read, {summary.accounts:,} Accounts:")
        for (action, rule), accounts in sorted(summary.outcomes.items()):
            write(f"  {action}{f' by {rule}' if rule else ''}: {accounts:,}")
        write(
            f"API calls: {summary.salesforce_calls:,} Salesforce, "
            f"{summary.netsuite_calls:,} NetSuite."
        )
