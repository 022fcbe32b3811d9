"""
`make run`: SFNS on its embedded defaults. Starts both emulators in this process, their records
kept in .emulators/ as SFNS's are in its database; seeds the demo data into a new demo (and says
so; --reset starts the demo over); logs the admin in with the password kept in
.sfns/admin-password; runs the outbox sweep in a thread; and serves http://127.0.0.1:8000/ until
Ctrl-C. The emulators' notifications wait until SFNS listens.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from accounts.models import Account
from emulators.demo import demo_seed
from emulators.dependencies import require_emulator_dependencies
from integration_log.models import LogEntry
from sync.outbox import jobs_sweep
from sync.services.notices import failures_notify
from sync.services.reconcile import reconcile_due, reconcile_run
from sync.webhooks import salesforce_webhook_token

logger = logging.getLogger(__name__)

SALESFORCE_PORT, NETSUITE_PORT = 8101, 8102
EMULATORS = ("salesforce", "netsuite")


def state_files(base: Path) -> dict[str, Path]:
    """Where each emulator keeps its records between runs (next to its local CA)."""
    return {name: base / ".emulators" / f"{name}.json" for name in EMULATORS}


def password_file(base: Path) -> Path:
    return base / ".sfns" / "admin-password"


class Command(BaseCommand):
    help = "Run SFNS embedded: emulators, demo data, admin login, web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="start the demo over: a new database, and the emulators' records seeded again",
        )

    def handle(self, *args, **opts) -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("run_embedded runs tasks in-process: unset CELERY_BROKER_URL.")
        require_emulator_dependencies()
        # What a newcomer sees at start: no task-by-task lines, no runserver production warning
        # (this is the embedded demo; README "Running in production" says what to run there).
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        os.environ.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
        base, port = Path(settings.BASE_DIR), opts["port"]
        states = state_files(base)
        reason = demo_new_reason(states, reset=opts["reset"])
        if reason:
            done = [*demo_start_over(states), "the demo data seeded"]
            self.stdout.write(f"Starting a new demo ({reason}): {', '.join(done)}.")
        salesforce, netsuite, ca = emulators_start(base, states, port)
        if reason:
            demo_seed(salesforce_url=salesforce.url, netsuite_url=netsuite.url, verify=ca)
        username, password = admin_login(password_file(base))
        stop = sweep_in_background()
        demo = "a new demo" if reason else "the demo as you left it (`make run RESET=1`: a new one)"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nSFNS embedded, {demo}\n"
                f"  admin:      http://127.0.0.1:{port}/admin/   login {username} / {password}"
                "   (kept in .sfns/admin-password)\n"
                f"  Salesforce: {salesforce.url}/   emulator: its page lists and edits the records"
                f" (local CA {ca})\n"
                f"  NetSuite:   {netsuite.url}/    emulator: its page lists and edits the records\n"
                '  Try it: README, "Try it".\n'
            )
        )
        notify_once_listening(port, [salesforce.app, netsuite.app])
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            stop.set()
            salesforce.stop()
            netsuite.stop()


def demo_new_reason(states: dict[str, Path], *, reset: bool) -> str:
    """
    Why the demo starts over ("" when it is kept): asked to, or the database and the emulators'
    records are not both there. They go together: SFNS's mirrors name the emulators' records.
    """
    if reset:
        return "asked for with --reset"
    has_mirrors = Account.objects.exists()
    missing = [name for name, path in states.items() if not path.exists()]
    if not has_mirrors and len(missing) == len(states):
        return "first run"
    if not has_mirrors:
        return "the database is new"
    if missing:
        return f"the {' and '.join(missing)} emulator's records are not in .emulators/"
    return ""


def demo_start_over(states: dict[str, Path]) -> list[str]:
    """
    Empty emulators, and a new database unless this one holds nothing yet; returns what was
    done, in words.
    """
    done = []
    if any(path.exists() for path in states.values()):
        for path in states.values():
            path.unlink(missing_ok=True)
        done.append("the emulators emptied")
    if not (Account.objects.exists() or LogEntry.objects.exists()):
        return done
    if connection.vendor != "sqlite":
        raise CommandError(
            "The demo starts over in a new SQLite database; with DATABASE_URL set to another "
            "database, empty it yourself (or unset DATABASE_URL)."
        )
    name = Path(connection.settings_dict["NAME"])
    connection.close()
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{name}{suffix}").unlink(missing_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    return ["a new database", *done]


def emulators_start(base: Path, states: dict[str, Path], port: int) -> tuple[Any, Any, str]:
    """
    Both emulators, their records from the state files, their notifications held (see
    notify_once_listening); and the local CA the Salesforce emulator's certificate is from.
    """
    from emulators.base import start_emulator
    from emulators.netsuite import NetSuiteEmulator
    from emulators.salesforce import SalesforceEmulator

    webhook = f"http://127.0.0.1:{port}/webhooks"
    ca = str(base / ".emulators" / "ca.pem")
    salesforce_app = SalesforceEmulator(
        notify_url=f"{webhook}/salesforce/{salesforce_webhook_token()}/",
        state_file=str(states["salesforce"]),
    )
    netsuite_app = NetSuiteEmulator(
        notify_url=f"{webhook}/netsuite/customer/", state_file=str(states["netsuite"])
    )
    for app in (salesforce_app, netsuite_app):
        app.notifier.hold()  # type: ignore[union-attr]  # it has a notify URL
    salesforce = start_emulator(salesforce_app, port=SALESFORCE_PORT, ca_out=ca, keep_ca=True)
    netsuite = start_emulator(netsuite_app, port=NETSUITE_PORT)
    os.environ["REQUESTS_CA_BUNDLE"] = ca  # SFNS trusts the Salesforce emulator's local CA
    return salesforce, netsuite, ca


def notify_once_listening(port: int, apps: list, timeout: float = 60) -> None:
    """Release the emulators' notifications once SFNS accepts connections on port."""

    def wait_then_release() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        for app in apps:
            app.notifier.release()

    threading.Thread(target=wait_then_release, name="notify-once-listening", daemon=True).start()


def admin_login(path: Path) -> tuple[str, str]:
    """
    The superuser `admin`, created if need be, its password the one kept in path: made at
    random on the first run, then the same on every run (edit the file to change it).
    """
    password = path.read_text().strip() if path.exists() else ""
    if not password:
        password = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(password + "\n")
    user, _ = get_user_model().objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = user.is_superuser = user.is_active = True
    if not user.check_password(password):
        user.set_password(password)
    user.save()
    return "admin", password


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
