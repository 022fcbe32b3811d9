"""`python manage.py webhook_urls [--base URL]`: the endpoints to give Salesforce and NetSuite."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from sync.webhooks import salesforce_webhook_token


class Command(BaseCommand):
    help = "Print the webhook URLs to configure in Salesforce and NetSuite."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base", default="http://127.0.0.1:8000", help="SFNS's public base URL"
        )
        parser.add_argument(
            "--salesforce",
            action="store_true",
            help="print only the Salesforce outbound message URL",
        )

    def handle(self, *args, **opts) -> None:
        base = opts["base"].rstrip("/")
        salesforce = base + reverse(
            "salesforce-outbound-message", args=[salesforce_webhook_token()]
        )
        if opts["salesforce"]:
            self.stdout.write(salesforce)
            return
        self.stdout.write(f"Salesforce outbound message endpoint: {salesforce}")
        self.stdout.write(
            "NetSuite SuiteScript (custscript_sfns_url): "
            + base
            + reverse("netsuite-customer-webhook")
        )
