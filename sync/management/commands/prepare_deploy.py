"""
`python manage.py prepare_deploy --base https://sfns.yourco.com`: a copy of deploy/ with the
placeholders filled in (SFNS's address, the outbound message URL with its webhook token, the
integration users, the NetSuite fields the reverse mappings read), ready for
`sf project deploy start` and `suitecloud project:deploy`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.urls import reverse

from sync.models import FieldMapping
from sync.services.doctor_fields import reverse_mapped_netsuite_fields
from sync.webhooks import salesforce_webhook_token

PLACEHOLDER_HOST = "https://sfns.example.com"
PLACEHOLDER_OUTBOUND_URL = f"{PLACEHOLDER_HOST}/webhooks/salesforce/SFNS_WEBHOOK_TOKEN/"
PLACEHOLDER_USER = "integration@sfns.example"
FILLED = ("*.xml", "*.js")
# The NetSuite script deployment's parameters this command fills in (empty in deploy/).
SCRIPT_OBJECT = "netsuite/src/Objects/customscript_sfns_customer_ue.xml"
MAPPED_FIELDS = "custscript_sfns_mapped_fields"
NETSUITE_USER = "custscript_sfns_integration_user"
INTERNAL_ID = re.compile(r"-?[0-9]+")


class Command(BaseCommand):
    help = "Write deploy/ with SFNS's address, webhook URL and integration user filled in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base", required=True, help="SFNS's public https:// address")
        parser.add_argument(
            "--integration-user",
            default=settings.SALESFORCE_USERNAME,
            help="the Salesforce user outbound messages are sent as (default: SALESFORCE_USERNAME)",
        )
        parser.add_argument(
            "--netsuite-integration-user",
            default="",
            help="the internal id of the NetSuite employee whose access token SFNS uses: the "
            "NetSuite script then posts nothing for SFNS's own writes",
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
        netsuite_user = opts["netsuite_integration_user"].strip()
        if netsuite_user and not INTERNAL_ID.fullmatch(netsuite_user):
            raise CommandError(
                "--netsuite-integration-user is the employee's internal id, a number "
                "(Lists > Employees, the ID column)"
            )
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
        self._fill_script_parameters(out / SCRIPT_OBJECT, netsuite_user)
        self.stdout.write(
            f"Wrote {out}/ ({changed} files filled in). Deploy it:\n"
            f"  sf project deploy start --source-dir {out}/salesforce/force-app "
            "--target-org <your org alias>\n"
            f"  cd {out}/netsuite && suitecloud project:deploy\n"
            "It holds the webhook URL with its token: keep it out of version control."
        )

    def _fill_script_parameters(self, path: Path, netsuite_user: str) -> None:
        """The NetSuite script's Mapped Fields and SFNS Integration User, said as it goes."""
        try:
            mapped = reverse_mapped_netsuite_fields(list(FieldMapping.objects.filter(enabled=True)))
        except DatabaseError as exc:  # before `migrate`: the shipped reverse mappings are the
            # financials, which the script watches anyway
            mapped = []
            self.stdout.write(
                f"Could not read the field mappings ({exc.__class__.__name__}): the NetSuite "
                "script's Mapped Fields are left empty. Run this again after `migrate` if you "
                "map more NetSuite fields to Salesforce."
            )
        text = path.read_text()
        for name, value in ((MAPPED_FIELDS, ",".join(mapped)), (NETSUITE_USER, netsuite_user)):
            empty = f"<{name}></{name}>"
            if empty not in text:
                raise CommandError(f"{path}: no empty <{name}> in the deployment to fill in")
            text = text.replace(empty, f"<{name}>{escape(value)}</{name}>")
        path.write_text(text)
        self.stdout.write(f"NetSuite script: Mapped Fields {', '.join(mapped) or '(none)'}.")
        if not netsuite_user:
            self.stdout.write(
                "NetSuite script: no --netsuite-integration-user, so the script tells SFNS "
                "about SFNS's own writes to the fields it watches (the links) too."
            )
