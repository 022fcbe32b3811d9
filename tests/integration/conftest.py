"""Real `celery worker` processes against the broker in CELERY_BROKER_URL and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """DATABASE_URL with the test database pytest-django created in place of the real one."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture(scope="session")
def worker_env(
    django_db_setup,
    django_db_blocker,
    netsuite_emulator_server,
    salesforce_emulator_server,
    salesforce_ca,
):
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "NETSUITE_BASE_URL": f"{netsuite_emulator_server.url}/services/rest/",
        "SALESFORCE_LOGIN_URL": salesforce_emulator_server.url,
        "REQUESTS_CA_BUNDLE": salesforce_ca,
        "SFNS_RETRY_BASE_SECONDS": "0.2",
        "SFNS_RETRY_MAX_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }


class Worker:
    """A `celery worker` process as the Procfile runs it (its pool and threads from the
    settings), logging to log."""

    def __init__(self, env: dict, log: Path) -> None:
        self.name = f"sfns-test-{uuid.uuid4().hex[:8]}@%h"
        self.env = env
        self.log = log
        self._file = log.open("ab")
        self.start()

    def start(self) -> None:
        self._log_offset = self.log.stat().st_size
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "sfns",
                "worker",
                "--loglevel=INFO",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._file,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """A crash: SIGKILL, nothing cleaned up."""
        self.proc.kill()
        self.proc.wait(timeout=20)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log.read_text()[-3000:]}")
            if b"ready." in self.log.read_bytes()[self._log_offset :]:
                return
            time.sleep(0.2)
        raise RuntimeError(f"celery worker not ready:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._file.close()


@pytest.fixture(scope="module")
def celery_worker(worker_env, tmp_path_factory):
    """
    One worker process for the module; the queue is emptied first. Stopped
    after it: an awake worker claims any due job in the shared database, the in-process
    tests' too.
    """
    from sfns.celery import app

    app.control.purge()
    worker = Worker(worker_env, tmp_path_factory.mktemp("worker") / "worker.log")
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


def wait_for(predicate, timeout: float = 30, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


@pytest.fixture(autouse=True)
def _needs_postgres():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip(
            "worker tests share the database with other processes: needs PostgreSQL (DATABASE_URL)"
        )
