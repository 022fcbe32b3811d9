"""
`python manage.py prepare_deploy --base https://sfns.yourco.com`: a copy of deploy/ with the
placeholders filled in (SFNS's address, the outbound message URL with its webhook token, the
integration user), ready for `sf project deploy start` and `suitecloud project:deploy`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from sync.webhooks import salesforce_webhook_token

PLACEHOLDER_HOST = "https://sfns.example.com"
PLACEHOLDER_OUTBOUND_URL = f"{PLACEHOLDER_HOST}/webhooks/salesforce/SFNS_WEBHOOK_TOKEN/"
PLACEHOLDER_USER = "integration@sfns.example"
FILLED = ("*.xml", "*.js")


class Command(BaseCommand):
    help = "Write deploy/ with SFNS's address, webhook URL and integration user filled in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base", required=True, help="SFNS's public https:// address")
        parser.add_argument(
            "--integration-user",
            default=settings.SALESFORCE_USERNAME,
            help="the Salesforce user outbound messages are sent as (default: SALESFORCE_USERNAME)",
        )
        parser.add_argument("--out", default="deploy-ready", help="where to write the copy")

    def handle(self, *args, **opts) -> None:
        base = opts["base"].rstrip("/")
        if not base.startswith("https://"):
            raise CommandError(
                "--base must be an https:// address: Salesforce and NetSuite "
                "send to SFNS over TLS only"
            )
        source, out = Path(settings.BASE_DIR, "deploy"), Path(opts["out"])
        if not source.is_dir():
            raise CommandError(f"{source} is missing: run this from a checkout of SFNS")
        if out.resolve() == source.resolve():
            raise CommandError("--out must not be deploy/ itself: its placeholders are kept")
        outbound = base + reverse("salesforce-outbound-message", args=[salesforce_webhook_token()])
        replacements = [
            (PLACEHOLDER_OUTBOUND_URL, outbound),  # before the host it starts with
            (PLACEHOLDER_HOST, base),
            (PLACEHOLDER_USER, opts["integration_user"]),
        ]
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(source, out)
        changed = 0
        for pattern in FILLED:
            for path in out.rglob(pattern):
                text = path.read_text()
                filled = text
                for placeholder, value in replacements:
                    filled = filled.replace(placeholder, value)
                if filled != text:
                    path.write_text(filled)
                    changed += 1
        self.stdout.write(
            f"Wrote {out}/ ({changed} files filled in). Deploy it:\n"
            f"  sf project deploy start --source-dir {out}/salesforce/force-app "
            "--target-org <your org alias>\n"
            f"  cd {out}/netsuite && suitecloud project:deploy\n"
            "It holds the webhook URL with its token: keep it out of version control."
        )
