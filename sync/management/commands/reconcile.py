"""`python manage.py reconcile`: one reconcile pass now, whatever the interval."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sync.services.reconcile import reconcile_run


class Command(BaseCommand):
    help = (
        "Ask Salesforce and NetSuite what changed since the last pass (what the webhooks "
        "missed, deletions and merges) and apply it."
    )

    def handle(self, *args, **opts) -> None:
        run = reconcile_run()
        if run.error:
            raise CommandError(f"reconcile failed: {run.error}")
        self.stdout.write(
            f"Found: {run.found_text}. Watermarks: Salesforce {run.salesforce_watermark or '-'}, "
            f"NetSuite {run.netsuite_watermark or '-'}."
        )
