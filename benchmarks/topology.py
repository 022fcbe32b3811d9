"""
The production topology on this machine, for `make bench` and `make faults`: a private
PostgreSQL cluster and a private Redis (so a run may restart them without touching the
machine's, which the test suite shares), both emulators as `manage.py emulate` processes, and
SFNS's processes exactly as the `Procfile` lines say, with the production environment
(DEBUG off, PostgreSQL, Redis). One `Topology` a process: the harness's own Django (seeding,
counting jobs) is pointed at the topology's database.

    with Topology(latency_ms=100, concurrency_limit=5) as top:
        accounts = top.seed_linked_accounts(300, changed=lambda i: {"Phone": f"+1 555 {i}"})
        before = top.cpu_seconds()
        for chunk in batches(accounts, 100):
            top.post_outbound(top.outbound_message([a.notification() for a in chunk]))
        top.wait_settled()
        spent = top.cpu_seconds() - before

The API (everything else is private):
- `Topology(latency_ms, concurrency_limit, env_overrides={...}, salesforce_notify=True,
  keep=False)`: `env_overrides` adds to or overrides SFNS's environment (e.g.
  SFNS_RETRY_BASE_SECONDS); the Salesforce emulator sends its outbound messages to SFNS unless
  `salesforce_notify` is False; `keep` leaves the work directory (logs under
  `<work_dir>/logs/`) in place.
- URLs and settings: `web_url`, `salesforce_webhook_url`, `netsuite_webhook_url`,
  `database_url`, `redis_url`, `env` (SFNS's environment), `work_dir`, `ceiling` (NetSuite
  calls a second at best: limit / latency).
- `netsuite`, `salesforce`: the emulators' control endpoints (`seed`, `state`, `stats`,
  `reset_stats`, `faults`, `edit`; `seed` returns the ids Salesforce assigned).
- Processes: `processes` maps each Procfile name (web, worker, beat) to a `Service` with `start()`,
  `stop(sig)`, `send(sig)`, `kill()` (SIGKILL, the whole tree), `restart()`, `alive`, `tree()`
  (psutil processes: the command and every descendant), `log` and `output()` (since its last
  start); `wait_ready(name)` after restarting one. `start_service(name, command, port)`
  runs another command line with SFNS's environment (the bare receiver of B3).
  `stop_redis()`, `start_redis()`, `restart_redis()`, `stop_postgres(mode)`, `start_postgres()`,
  `restart_postgres(mode)` act on the private servers (same ports, so clients reconnect).
- CPU: `cpu_seconds()` -> `Cpu` (user+system seconds per Procfile name, whole process trees,
  threads and reaped children included); subtract two readings for what happened between them.
  Emulators, PostgreSQL, Redis and the caller are not SFNS and are not counted
  (`emulator_cpu_seconds()`, `infrastructure_cpu_seconds()` show them).
- Data: `seed_linked_accounts(count, fields=..., changed=...)` -> `LinkedAccount`s, consistent on
  all three sides (SFNS's mirrors with the last pushed payload, NetSuite customers holding it,
  Salesforce Accounts); `changed(i)` gives values Salesforce holds already but SFNS and NetSuite
  do not (the change whose outbound message is on its way). `outbound_message(records)` builds
  a SOAP message of up to 100 notifications; `post_outbound(body)` POSTs it to the URL
  `manage.py webhook_urls` prints and checks the Ack.
- `set_lock_mode(reread)`: IntegrationSettings.check_lock_before_push. `job_counts()`,
  `wait_settled(timeout)`: nothing left to do (no pending or running job, no status waiting for
  Salesforce, both emulators' notifications delivered). `django()` sets up Django in this
  process against the topology's database.

Needs: /usr/lib/postgresql/*/bin (initdb, pg_ctl; run as the `postgres` user when this runs
as root), redis-server, and the `emulators` and `test` extras (psutil).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
PROCFILE = ROOT / "Procfile"
ORG_ID = "00D000000000001EAA"
SEED_CHUNK = 2000
# The environment variables SFNS reads (README "Configuration"): none leaks in from the caller
# (pytest's DATABASE_URL, say), the topology sets what it needs.
SFNS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SFNS_REDIS_URL",
    "SFNS_WEBHOOK_SECRET",
    "SALESFORCE_LOGIN_URL",
    "SALESFORCE_ORG_ID",
    "NETSUITE_BASE_URL",
    "NETSUITE_ACCOUNT_ID",
    "NETSUITE_CONCURRENCY_LIMIT",
    "NETSUITE_ACCOUNT_CONCURRENCY_LIMIT",
    "REQUESTS_CA_BUNDLE",
    "CONN_MAX_AGE",
    "SECURE_SSL_REDIRECT",
    "SFNS_CI",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile(path: Path = PROCFILE) -> dict[str, str]:
    """The Procfile's process types: name -> command line."""
    commands = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            commands[name.strip()] = command.strip()
    return commands


def soap_datetime(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def parse_netsuite_datetime(text: str) -> float:
    """The emulator's lastModifiedDate (UTC, microseconds) as epoch seconds."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# -- processes --------------------------------------------------------------------------------
class Service:
    """A command line run in its own session (so it and all its children stop together)."""

    def __init__(self, name: str, argv: list[str], *, env: dict, cwd: Path, log: Path) -> None:
        self.name, self.argv, self.env, self.cwd, self.log = name, argv, env, cwd, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def tree(self) -> list[psutil.Process]:
        """The process and all its descendants, as they are now."""
        if not self.alive:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def send(self, sig: int) -> None:
        """Send sig to the whole tree (the session's process group and any strays)."""
        if not self.alive:
            return
        procs = self.tree()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None:
            return
        if self.alive:
            procs = self.tree()
            self.send(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.send(signal.SIGKILL)
                self.proc.wait(timeout=10)
            psutil.wait_procs(procs, timeout=5)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the whole tree at once (a crash, not a shutdown)."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cpu_seconds(self) -> float:
        """user+system of the tree: threads, and children that ended and were reaped."""
        total = 0.0
        for proc in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = proc.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
        return total

    def output(self) -> bytes:
        """What it wrote since it was last started."""
        if not self.log.exists():
            return b""
        with self.log.open("rb") as log:
            log.seek(getattr(self, "_log_offset", 0))
            return log.read()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class Cpu:
    """CPU seconds (user+system) per process type; subtract two readings for a difference."""

    by_process: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.by_process.values())

    def __sub__(self, earlier: Cpu) -> Cpu:
        return Cpu(
            {
                name: round(seconds - earlier.by_process.get(name, 0.0), 3)
                for name, seconds in self.by_process.items()
            }
        )


# -- the emulators' control endpoints ------------------------------------------------------------
class EmulatorControl:
    def __init__(self, url: str, verify: bool | str = True) -> None:
        self.url, self.verify = url, verify
        self.session = requests.Session()

    def _post(self, action: str, body: dict | None = None, timeout: float = 60) -> dict:
        response = self.session.post(
            f"{self.url}/__emulator__/{action}",
            json=body or {},
            timeout=timeout,
            verify=self.verify,
        )
        response.raise_for_status()
        return response.json()

    def _get(self, action: str) -> dict:
        response = self.session.get(
            f"{self.url}/__emulator__/{action}", timeout=120, verify=self.verify
        )
        response.raise_for_status()
        return response.json()

    def seed(self, **records: list[dict]) -> dict[str, list[str]]:
        """Store records as given, without notifying; the ids assigned (Salesforce)."""
        return self._post("seed", records, timeout=600).get("ids") or {}

    def edit(self, **body: Any) -> dict:
        return self._post("edit", body)

    def faults(self, **body: Any) -> None:
        self._post("faults", body)

    def reset_stats(self) -> None:
        self._post("stats/reset")

    def state(self) -> dict:
        return self._get("state")

    def stats(self) -> dict:
        return self._get("stats")

    def ready(self) -> bool:
        try:
            self.stats()
        except (requests.RequestException, OSError):
            return False
        return True


# -- linked Accounts ------------------------------------------------------------------------------
_notification_ids = itertools.count(secrets.randbelow(10**9) * 1000)


def notification_id() -> str:
    return f"04l{next(_notification_ids) % 10**12:012d}AAA"


@dataclass
class LinkedAccount:
    """An Account linked to a customer. `before`: what SFNS and NetSuite hold; `after`: what
    Salesforce holds (with its Id and LastModifiedDate), the same unless it was seeded changed."""

    salesforce_id: str
    netsuite_id: str
    before: dict[str, Any]
    after: dict[str, Any]

    def notification(self, **extra: Any) -> dict[str, Any]:
        """The sObject of the outbound message Salesforce sends for the Account as it is now
        (the package's message fields), plus `extra` (say, a field the message does not map)."""
        fields = {name: self.after[name] for name in _outbound_fields() if name in self.after}
        return {**fields, **extra}


def _outbound_fields() -> list[str]:
    from emulators.salesforce.package import load_outbound_fields

    return load_outbound_fields()["Account"]


def default_fields(i: int, prefix: str) -> dict[str, Any]:
    return {
        "Name": f"{prefix} {i:06d}",
        "Phone": f"+1 415 555 {i % 10000:04d}",
        "Website": f"https://{prefix.lower().replace(' ', '-')}-{i:06d}.example",
        "BillingStreet": f"{i} Market Street",
        "BillingCity": "San Francisco",
        "BillingState": "CA",
        "BillingPostalCode": "94105",
        "BillingCountry": "US",
    }


def outbound_message(records: list[dict[str, Any]], *, org_id: str = ORG_ID) -> bytes:
    """A Salesforce outbound message (docs/wire.md), one Notification per sObject record."""
    if not 1 <= len(records) <= 100:
        raise ValueError("an outbound message holds 1 to 100 notifications")
    notes = []
    for record in records:
        body = "".join(
            f'<sf:{k} xsi:nil="true"/>' if v is None else f"<sf:{k}>{escape(str(v))}</sf:{k}>"
            for k, v in record.items()
        )
        notes.append(
            f"<Notification><Id>{notification_id()}</Id>"
            '<sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{body}</sObject></Notification>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>04k000000000001AAA</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/00D</EnterpriseUrl>"
        "<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/00D</PartnerUrl>"
        + "".join(notes)
        + "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


# -- the topology -------------------------------------------------------------------------------
@dataclass
class Topology:
    latency_ms: int = 100
    concurrency_limit: int = 5
    env_overrides: dict[str, str] = field(default_factory=dict)
    salesforce_notify: bool = True
    keep: bool = False

    def __post_init__(self) -> None:
        self.processes: dict[str, Service] = {}
        self.extra: dict[str, Service] = {}
        self.emulators: dict[str, Service] = {}
        self._redis: Service | None = None
        self._next_netsuite_id = 100000
        self._pg_bin = self._postgres_bin()

    @property
    def ceiling(self) -> float:
        """NetSuite calls a second no integration can exceed: limit / latency."""
        return self.concurrency_limit / (self.latency_ms / 1000)

    # -- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> Topology:
        try:
            self.start()
        except BaseException:
            self.stop(failed=True)
            raise
        return self

    def __exit__(self, exc_type, *exc: Any) -> None:
        self.stop(failed=exc_type is not None)

    def start(self) -> None:
        self.work_dir = Path(tempfile.mkdtemp(prefix="sfns-topology-"))
        self.work_dir.chmod(0o755)  # the postgres user reaches its directory through it
        self.logs = self.work_dir / "logs"
        self.run_dir = self.work_dir / "run"  # the processes' cwd: celerybeat-schedule lands here
        self.logs.mkdir()
        self.run_dir.mkdir()
        self.pg_port, self.redis_port = free_port(), free_port()
        self.web_port, self.ns_port, self.sf_port = free_port(), free_port(), free_port()
        self.database_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/sfns"
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.ca_file = self.work_dir / "salesforce-ca.pem"
        self.env = self._sfns_env()

        # What does not depend on each other starts side by side (a CI smoke starts two).
        urls = self._manage_async("webhook_urls", "--base", self.web_url)
        self._init_postgres()
        self.start_postgres()
        self._create_database()
        self.start_redis()
        self._webhook_urls(self._finish(urls, "webhook_urls"))
        self._start_emulators()
        self._manage("migrate", "--noinput")
        self._wait_emulators()
        # The first reconcile pass, as an operator's first day has it: the next is due
        # `reconcile every` minutes later (15), after a benchmark's measurements. Beat asks
        # after a minute at the earliest, so the processes start meanwhile.
        reconcile = self._manage_async("reconcile")
        for name, command in procfile().items():
            port = self.web_port if name == "web" else None
            self.processes[name] = self.start_service(name, command, port=port, register=False)
        self._finish(reconcile, "reconcile")
        self._wait_ready()

    def stop(self, *, failed: bool = False) -> None:
        """Tear down: SIGTERM to everything at once, SIGKILL what is still there two seconds
        later (a worker's warm shutdown with a backlog would take much longer; nothing here
        is kept)."""
        services = [*self.extra.values(), *self.processes.values(), *self.emulators.values()]
        for service in services:
            service.send(signal.SIGTERM)
        deadline = time.monotonic() + 2
        for service in services:
            service.stop(timeout=max(0.1, deadline - time.monotonic()))
        if self._redis:
            self._redis.stop()
        if getattr(self, "work_dir", None):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.stop_postgres("immediate")
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            if failed:
                print(f"topology logs: {self.logs}", file=sys.stderr)
                for log in sorted(self.logs.glob("*.log")):
                    print(
                        f"--- {log.name} (end)\n{log.read_text(errors='replace')[-2000:]}",
                        file=sys.stderr,
                    )
            if not (self.keep or failed):
                shutil.rmtree(self.work_dir, ignore_errors=True)

    # -- environment -------------------------------------------------------------------------
    def _sfns_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SFNS_VARIABLES}
        bin_dir = str(Path(sys.executable).parent)
        env.update(
            {
                "PATH": f"{bin_dir}:{env.get('PATH', '/usr/bin:/bin')}",
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                "DJANGO_SETTINGS_MODULE": "sfns.settings",
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SFNS_WEBHOOK_SECRET": secrets.token_urlsafe(48),
                "DATABASE_URL": self.database_url,
                "CELERY_BROKER_URL": self.redis_url,
                "SALESFORCE_LOGIN_URL": f"https://127.0.0.1:{self.sf_port}",
                "SALESFORCE_ORG_ID": ORG_ID,
                "NETSUITE_BASE_URL": f"http://127.0.0.1:{self.ns_port}/services/rest/",
                "NETSUITE_CONCURRENCY_LIMIT": str(self.concurrency_limit),
                "NETSUITE_ACCOUNT_CONCURRENCY_LIMIT": str(self.concurrency_limit),
                "REQUESTS_CA_BUNDLE": str(self.ca_file),
                # Plain http on 127.0.0.1, no TLS proxy in front: as the settings say for a
                # local production-mode run.
                "SECURE_SSL_REDIRECT": "false",
            }
        )
        env.update(self.env_overrides)
        return env

    def _manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=self.run_dir,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def _manage_async(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=self.run_dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @staticmethod
    def _finish(process: subprocess.Popen, what: str) -> str:
        out, _ = process.communicate(timeout=120)
        if process.returncode:
            raise RuntimeError(f"manage.py {what} failed:\n{out}")
        return out

    def _webhook_urls(self, out: str) -> None:
        """The URLs as `manage.py webhook_urls` gives them to an operator."""
        urls = [line.rsplit(" ", 1)[1] for line in out.splitlines() if "http" in line]
        self.salesforce_webhook_url, self.netsuite_webhook_url = urls

    # -- PostgreSQL ---------------------------------------------------------------------------
    @staticmethod
    def _postgres_bin() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        return found[-1].parent

    def _as_postgres(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, check=check, cwd=self.work_dir
        )

    def _init_postgres(self) -> None:
        self.pg_dir = self.work_dir / "pg"
        self.pg_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres", "postgres")
        self._as_postgres(
            str(self._pg_bin / "initdb"),
            "-D",
            str(self.pg_dir / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )

    def start_postgres(self) -> None:
        options = f"-p {self.pg_port} -k {self.pg_dir} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            str(self._pg_bin / "pg_ctl"),
            "-D",
            str(self.pg_dir / "data"),
            "-l",
            str(self.pg_dir / "postgres.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop_postgres(self, mode: str = "fast") -> None:
        """mode: smart, fast (roll back open transactions) or immediate (a crash)."""
        self._as_postgres(
            str(self._pg_bin / "pg_ctl"), "-D", str(self.pg_dir / "data"), "-m", mode, "-w", "stop"
        )

    def restart_postgres(self, mode: str = "fast") -> None:
        self.stop_postgres(mode)
        self.start_postgres()

    def _create_database(self) -> None:
        import psycopg

        url = f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE sfns")

    # -- Redis --------------------------------------------------------------------------------
    def start_redis(self) -> None:
        redis_bin = shutil.which("redis-server") or "/usr/bin/redis-server"
        argv = [redis_bin, "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.work_dir)]
        self._redis = Service(
            "redis", argv, env=dict(os.environ), cwd=self.work_dir, log=self.logs / "redis.log"
        )
        self._redis.start()
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=1)
        _wait(lambda: _answers(client.ping), 20, "redis-server")

    def stop_redis(self) -> None:
        if self._redis:
            self._redis.stop()

    def restart_redis(self) -> None:
        self.stop_redis()
        self.start_redis()

    # -- emulators and SFNS -------------------------------------------------------------------
    def _start_emulators(self) -> None:
        manage = [sys.executable, str(ROOT / "manage.py"), "emulate"]
        netsuite = [
            *manage, "netsuite", "--port", str(self.ns_port),
            "--latency-ms", str(self.latency_ms),
            "--concurrency-limit", str(self.concurrency_limit),
            "--notify-url", self.netsuite_webhook_url,
        ]  # fmt: skip
        salesforce = [
            *manage, "salesforce", "--port", str(self.sf_port),
            "--tls", "--ca-out", str(self.ca_file),
        ]  # fmt: skip
        if self.salesforce_notify:
            salesforce += ["--notify-url", self.salesforce_webhook_url]
        for name, argv in (("netsuite", netsuite), ("salesforce", salesforce)):
            service = Service(
                name, argv, env=self.env, cwd=self.run_dir, log=self.logs / f"{name}.log"
            )
            service.start()
            self.emulators[name] = service

    def _wait_emulators(self) -> None:
        self.netsuite = EmulatorControl(f"http://127.0.0.1:{self.ns_port}")
        _wait(lambda: self.ca_file.exists(), 30, "the Salesforce emulator's CA")
        self.salesforce = EmulatorControl(f"https://127.0.0.1:{self.sf_port}", str(self.ca_file))
        for name, control in (("netsuite", self.netsuite), ("salesforce", self.salesforce)):
            _wait(control.ready, 30, f"the {name} emulator", self.emulators[name])

    def start_service(
        self, name: str, command: str, *, port: int | None = None, register: bool = True
    ) -> Service:
        """Run a command line (`bash -c`, as a Procfile runner does) with SFNS's environment."""
        env = {**self.env, **({"PORT": str(port)} if port else {})}
        service = Service(
            name, ["bash", "-c", command], env=env, cwd=self.run_dir, log=self.logs / f"{name}.log"
        )
        service.start()
        if register:
            self.extra[name] = service
        return service

    def _wait_ready(self) -> None:
        for name in self.processes:
            self.wait_ready(name)

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        """Wait until a Procfile process (re)started is serving: gunicorn answers, the worker
        and beat say so in their logs."""
        service = self.processes[name]
        if name == "web":
            _wait(lambda: _http_up(self.web_url + "/admin/login/"), timeout, "gunicorn", service)
        elif name == "worker":
            _wait(lambda: b" ready." in service.output(), timeout, "the worker", service)
        elif name == "beat":
            _wait(lambda: b"beat: Starting" in service.output(), timeout, "beat", service)

    def wait_http(self, url: str, service: Service, timeout: float = 60) -> None:
        _wait(lambda: _http_up(url), timeout, url, service)

    # -- CPU ----------------------------------------------------------------------------------
    def cpu_seconds(self) -> Cpu:
        """SFNS's processes (the Procfile's), each a whole tree."""
        return Cpu({name: s.cpu_seconds() for name, s in self.processes.items()})

    def emulator_cpu_seconds(self) -> Cpu:
        return Cpu({name: s.cpu_seconds() for name, s in self.emulators.items()})

    def infrastructure_cpu_seconds(self) -> Cpu:
        """Not SFNS, for the picture: the private PostgreSQL (every backend) and Redis, and the
        emulators."""
        by_process = {"postgres": 0.0, "redis": self._redis.cpu_seconds() if self._redis else 0.0}
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            pid = int((self.pg_dir / "data" / "postmaster.pid").read_text().split()[0])
            postmaster = psutil.Process(pid)
            for proc in [postmaster, *postmaster.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    t = proc.cpu_times()
                    by_process["postgres"] += (
                        t.user + t.system + t.children_user + t.children_system
                    )
        return Cpu({**by_process, **self.emulator_cpu_seconds().by_process})

    # -- Django in this process --------------------------------------------------------------
    def django(self) -> None:
        """Set up Django here against this topology's database (and point it there again if
        a previous topology in this process had set it up)."""
        import django
        from django.conf import settings

        os.environ.update({k: v for k, v in self.env.items() if k in SFNS_VARIABLES})
        os.environ["DJANGO_SETTINGS_MODULE"] = "sfns.settings"
        if not settings.configured:
            django.setup()
        from django.db import connections

        connections.close_all()
        settings.DATABASES["default"].update(PORT=self.pg_port, HOST="127.0.0.1", NAME="sfns")

    @contextlib.contextmanager
    def db(self) -> Iterator[None]:
        """Django's ORM against the topology, on one connection kept from use to use (a new
        one at every poll of wait_settled cost PostgreSQL a process each time, CPU taken from
        what is measured); closed after an error (a restarted PostgreSQL) or when too old."""
        self.django()
        from django.db import connection

        connection.close_if_unusable_or_obsolete()
        try:
            yield
        except Exception:
            connection.close()
            raise

    def set_lock_mode(self, *, reread: bool) -> None:
        with self.db():
            from settings.models import IntegrationSettings

            conf = IntegrationSettings.load()
            conf.check_lock_before_push = reread
            conf.save()

    def job_counts(self) -> dict[str, dict[str, int]]:
        """{kind: {status: count}} of the outbox."""
        with self.db():
            from django.db.models import Count

            from sync.models import SyncJob

            counts: dict[str, dict[str, int]] = {}
            for row in SyncJob.objects.values("kind", "status").annotate(n=Count("pk")):
                counts.setdefault(row["kind"], {})[row["status"]] = row["n"]
            return counts

    def busy(self) -> dict[str, int]:
        """What is still to do: jobs pending or running, statuses waiting for Salesforce,
        notifications SFNS keeps to apply, notifications the emulators have not delivered,
        calls in flight. All zero: settled."""
        with self.db():
            from accounts.models import Account
            from sync.models import JobStatus, SyncJob

            jobs = SyncJob.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING])
            out = {
                "jobs": jobs.count(),
                "statuses": Account.objects.filter(status_pending_since__isnull=False).count(),
                "notifications_to_apply": _notifications_to_apply(),
            }
        for name, control in (("netsuite", self.netsuite), ("salesforce", self.salesforce)):
            stats = control.stats()
            out[f"{name}_notifications"] = stats.get("notifications", {}).get("pending", 0)
            out[f"{name}_in_flight"] = stats.get("in_flight", 0)
        return out

    def wait_settled(self, timeout: float = 300, quiet: float = 0.5) -> float:
        """Wait until nothing is left to do, twice in a row `quiet` seconds apart (a delivered
        notification may make new work). Returns when it was first seen settled (epoch)."""
        deadline = time.monotonic() + timeout
        first = None
        while time.monotonic() < deadline:
            busy = self.busy()
            if not any(busy.values()):
                if first and time.time() - first >= quiet:
                    return first
                first = first or time.time()
            else:
                first = None
            time.sleep(0.25)
        raise TimeoutError(f"not settled after {timeout}s: {self.busy()}")

    # -- data ---------------------------------------------------------------------------------
    def seed_linked_accounts(
        self,
        count: int,
        *,
        prefix: str = "Bench",
        fields: Callable[[int], dict[str, Any]] | None = None,
        changed: Callable[[int], dict[str, Any]] | None = None,
    ) -> list[LinkedAccount]:
        """
        `count` Accounts linked to customers, consistently on all sides: SFNS's Account and
        Customer mirrors with the last pushed payload (no job queued), NetSuite customers
        holding that payload with the Account's id as external id, Salesforce Accounts with
        their NetSuite Id. `fields(i)`: the Account's values (default_fields); `changed(i)`:
        values only Salesforce holds yet (its LastModifiedDate is newer than SFNS's).
        """
        fields = fields or (lambda i: default_fields(i, prefix))
        changed = changed or (lambda i: {})
        now = dt.datetime.now(dt.UTC)
        synced = now - dt.timedelta(hours=1)
        first_ns = self._next_netsuite_id
        self._next_netsuite_id += count
        before = [fields(i) for i in range(count)]
        after = [{**before[i], **changed(i)} for i in range(count)]
        ns_ids = [str(first_ns + i) for i in range(count)]
        sf_records = [
            {**after[i], "NetSuite_Id__c": ns_ids[i], "LastModifiedDate": soap_datetime(now)}
            for i in range(count)
        ]
        sf_ids: list[str] = []
        for start in range(0, count, SEED_CHUNK):
            sf_ids += self.salesforce.seed(Account=sf_records[start : start + SEED_CHUNK])[
                "Account"
            ]
        accounts = [
            LinkedAccount(
                salesforce_id=sf_ids[i],
                netsuite_id=ns_ids[i],
                before={"Id": sf_ids[i], "LastModifiedDate": soap_datetime(synced), **before[i]},
                after={"Id": sf_ids[i], **sf_records[i]},
            )
            for i in range(count)
        ]
        payloads = self._seed_mirrors(accounts, synced)
        customers = [
            {
                "id": a.netsuite_id,
                "externalId": a.salesforce_id,
                "custentity_sfns_salesforce_id": a.salesforce_id,
                **payloads[a.salesforce_id],
            }
            for a in accounts
        ]
        for start in range(0, count, SEED_CHUNK):
            self.netsuite.seed(customer=customers[start : start + SEED_CHUNK])
        return accounts

    def _seed_mirrors(
        self, accounts: list[LinkedAccount], synced: dt.datetime
    ) -> dict[str, dict[str, Any]]:
        """SFNS's rows, as after a successful push; returns each Account's pushed payload."""
        with self.db():
            from accounts.models import Account, Customer
            from sync.mapping import map_record, payload_hash
            from sync.models import MappingDirection
            from sync.selectors import account_source, mapping_rules

            rules = mapping_rules(MappingDirection.TO_NETSUITE)
            rows, payloads = [], {}
            for linked in accounts:
                account = Account(
                    salesforce_id=linked.salesforce_id,
                    name=linked.before["Name"],
                    fields=dict(linked.before),
                    last_modified=synced,
                    netsuite_id=linked.netsuite_id,
                    last_synced_at=synced,
                )
                payload = map_record(account_source(account), rules)
                account.mapped_hash = payload_hash(payload)
                # The address lines with the ids NetSuite gave them when SFNS pushed them
                # (sync/address_book.py): a push updates them in place.
                for n, line in enumerate(payload.get("addressBook", {}).get("items", [])):
                    line["id"] = str(int(linked.netsuite_id) * 10 + n)
                account.pushed_payload = payload
                payloads[linked.salesforce_id] = payload
                rows.append(account)
            Account.objects.bulk_create(rows, batch_size=1000)
            Customer.objects.bulk_create(
                [
                    Customer(
                        netsuite_id=a.netsuite_id,
                        salesforce_id=a.salesforce_id,
                        company_name=payloads[a.salesforce_id].get("companyName", ""),
                        fields=payloads[a.salesforce_id],
                        refreshed_at=synced,
                    )
                    for a in accounts
                ],
                batch_size=1000,
            )
        return payloads

    def outbound_message(self, records: list[dict[str, Any]]) -> bytes:
        return outbound_message(records, org_id=ORG_ID)

    def post_outbound(
        self, body: bytes, *, session: requests.Session | None = None, url: str = ""
    ) -> float:
        """POST an outbound message as Salesforce does (to SFNS, or to `url`) and check the
        Ack; returns the seconds it took."""
        started = time.perf_counter()
        response = (session or requests).post(
            url or self.salesforce_webhook_url,
            data=body,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "notifications"},
            timeout=120,
        )
        if response.status_code != 200 or b"<Ack>true</Ack>" not in response.content:
            raise RuntimeError(
                f"outbound message refused: HTTP {response.status_code} {response.text[:500]}"
            )
        return time.perf_counter() - started

    def customers(self, netsuite_ids: list[str] | None = None) -> dict[str, dict]:
        """NetSuite's customers now (all, or those ids)."""
        records = self.netsuite.state()["records"]["customer"]
        if netsuite_ids is None:
            return records
        return {rid: records[rid] for rid in netsuite_ids if rid in records}


# -- small helpers ------------------------------------------------------------------------------
def _notifications_to_apply() -> int:
    """Outbound-message notifications SFNS acknowledged and keeps for a worker to apply (when
    its webhook works that way: InboundEvent rows not applied yet)."""
    from sync.models import InboundEvent

    names = {f.name for f in InboundEvent._meta.get_fields()}
    if not {"applied_at", "sobject", "error"} <= names:
        return 0
    waiting = InboundEvent.objects.filter(applied_at__isnull=True, error="").exclude(sobject="")
    return waiting.count()


def _answers(call: Callable[[], Any]) -> bool:
    try:
        return bool(call())
    except Exception:
        return False


def _http_up(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def _wait(
    predicate: Callable[[], bool], timeout: float, what: str, service: Service | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and not service.alive:
            raise RuntimeError(f"{what} exited:\n{service.tail()}")
        if predicate():
            return
        time.sleep(0.1)
    tail = f"\n{service.tail()}" if service else ""
    raise RuntimeError(f"{what} not ready after {timeout}s{tail}")


def batches(items: list, size: int) -> Iterator[list]:
    """Python 3.11 has no itertools.batched."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def command_line(name: str) -> list[str]:
    """A Procfile line split as a shell would (for reports)."""
    return shlex.split(procfile()[name])
