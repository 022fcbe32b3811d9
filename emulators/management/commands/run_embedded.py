"""
`make run`: SFNS on its embedded defaults. Starts both emulators in this process, seeds demo
data, creates an admin login and prints it, runs the outbox sweep in a thread, and serves
http://127.0.0.1:8000/ until Ctrl-C.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from emulators.demo import ACME, demo_seed
from emulators.dependencies import require_emulator_dependencies
from sync.outbox import jobs_sweep
from sync.services.notices import failures_notify
from sync.services.reconcile import reconcile_due, reconcile_run
from sync.webhooks import salesforce_webhook_token

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run SFNS embedded: emulators, demo data, admin login, web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **opts) -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("run_embedded runs tasks in-process: unset CELERY_BROKER_URL.")
        require_emulator_dependencies()
        from emulators.base import start_emulator
        from emulators.netsuite import NetSuiteEmulator
        from emulators.salesforce import SalesforceEmulator

        port = opts["port"]
        webhook = f"http://127.0.0.1:{port}/webhooks"
        ca_path = str(Path(settings.BASE_DIR, ".emulators", "ca.pem"))
        salesforce = start_emulator(
            SalesforceEmulator(notify_url=f"{webhook}/salesforce/{salesforce_webhook_token()}/"),
            port=8101,
            ca_out=ca_path,
        )
        netsuite = start_emulator(
            NetSuiteEmulator(notify_url=f"{webhook}/netsuite/customer/"), port=8102
        )
        os.environ["REQUESTS_CA_BUNDLE"] = ca_path  # trust the Salesforce emulator's local CA
        demo_seed(salesforce_url=salesforce.url, netsuite_url=netsuite.url, verify=ca_path)
        username, password = admin_login()
        stop = sweep_in_background()
        self.stdout.write(
            self.style.SUCCESS(
                "\nSFNS embedded\n"
                f"  admin:      http://127.0.0.1:{port}/admin/   login {username} / {password}\n"
                f"  Salesforce: {salesforce.url}  (emulator, CA {ca_path})\n"
                f"  NetSuite:   {netsuite.url}  (emulator)\n"
                f"  outbound messages to: {webhook}/salesforce/{salesforce_webhook_token()}/\n"
                f"  demo Account {ACME} is linked to NetSuite customer 100:\n"
                "  try the README's curl.\n"
            )
        )
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            stop.set()
            salesforce.stop()
            netsuite.stop()


def admin_login() -> tuple[str, str]:
    """The superuser `admin` with a new random password, created if need be."""
    username, password = "admin", secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    return username, password


def sweep_in_background() -> threading.Event:
    """
    Run the outbox sweep every second, and the reconcile and the failure digest when due, in a
    daemon thread until the returned event is set.
    """
    stop = threading.Event()

    def sweep_forever() -> None:
        while not stop.wait(1):
            try:
                jobs_sweep()
                if reconcile_due():  # what beat does in production
                    reconcile_run()
                failures_notify()
            except Exception:  # a locked database now and then must not stop the sweep
                logger.exception("outbox sweep failed; trying again")

    threading.Thread(target=sweep_forever, name="outbox-sweep", daemon=True).start()
    return stop
