"""
/healthz and /readyz, for load balancers: no login, no host check, no https redirect, no
throttling; /readyz says whether the database and the broker answer (503 when not) and how
the queue stands, and never what a stranger could use (hosts, URLs, passwords).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket

import pytest
import requests
from django.db import OperationalError, connection
from django.utils import timezone

from sync.models import SyncJob

from ..factories import SyncJobFactory
from ..test_security import LOGIN, gunicorn, production_env

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_says_the_process_is_alive(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_reports_the_database_the_broker_and_the_queue(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded mode, even where CI has a broker
    SyncJob.objects.all().delete()
    old = SyncJobFactory(record_id="001000000000001AAA")
    SyncJobFactory(record_id="001000000000002AAA", dedupe_key="b")
    SyncJobFactory(record_id="001000000000003AAA", dedupe_key="c", status="failed")
    SyncJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(seconds=90))

    response = client.get("/readyz")

    assert response.status_code == 200
    ready = response.json()
    assert ready["status"] == "ready"
    assert ready["database"]["ok"] is True
    assert ready["database"]["ms"] >= 0
    # The embedded mode (no CELERY_BROKER_URL): jobs run in-process, no broker to check.
    assert ready["broker"] == {"ok": True, "mode": "eager"}
    assert ready["queue"]["pending"] == 2
    assert 90 <= ready["queue"]["oldest_pending_seconds"] < 120


def test_an_empty_queue_has_no_oldest_job(client):
    SyncJob.objects.all().delete()

    assert client.get("/readyz").json()["queue"] == {"pending": 0, "oldest_pending_seconds": None}


@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL")
def test_readyz_connects_to_the_real_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["broker"]["ok"] is True
    assert response.json()["broker"]["mode"] == "broker"


def test_readyz_checks_a_configured_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"

    response = client.get("/readyz")

    assert response.status_code == 200
    broker = response.json()["broker"]
    assert (broker["ok"], broker["mode"], broker["transport"]) == (True, "broker", "memory")


def test_readyz_is_503_when_the_broker_is_down_and_names_no_host_nor_password(client, settings):
    port = closed_port()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://:hunter2@127.0.0.1:{port}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["broker"]["error"]  # the exception's class, no text
    text = response.content.decode()
    assert "hunter2" not in text and "127.0.0.1" not in text and str(port) not in text


def test_readyz_is_503_when_the_database_is_down_and_says_no_more(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('could not connect to server "db.internal" (10.0.0.5), port 5432')

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}
    assert response.json()["queue"] is None
    assert "db.internal" not in response.content.decode()


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/healthz/", "/readyz/"])
def test_probes_need_no_login_and_take_a_trailing_slash(client, path):
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_probes_only_answer_get_and_head(client, method):
    response = client.generic(method, "/readyz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "not allowed" in response.json()["detail"]


def test_probes_answer_any_host_without_redirecting_to_https(client, settings):
    settings.ALLOWED_HOSTS = ["sfns.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    probe = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
    page = client.get("/api/", HTTP_HOST="10.1.2.3:8000")

    assert probe.status_code == 200
    assert page.status_code == 400  # DisallowedHost: the rest of SFNS still checks the host


def test_probes_are_not_throttled_when_the_login_is_locked_out(client, settings, django_user_model):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]
    django_user_model.objects.create_superuser("boss", password="right")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "boss", "password": f"guess-{n}"})
    assert client.post(LOGIN, {"username": "boss", "password": "right"}).status_code == 429

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_in_production_a_probe_by_ip_over_plain_http_is_answered(tmp_path):
    """gunicorn as deployed (DEBUG off, https redirect on, ALLOWED_HOSTS a name): the load
    balancer's probe by IP over http is answered, not redirected nor refused."""
    with gunicorn(production_env(tmp_path)) as url:
        port = url.rsplit(":", 1)[1]
        alive = requests.get(f"{url}/healthz", headers={"Host": f"10.0.0.9:{port}"}, timeout=10)
        # The database of production_env is never migrated: not ready, and it says so.
        ready = requests.get(f"{url}/readyz", headers={"Host": f"10.0.0.9:{port}"}, timeout=10)
        page = requests.get(f"{url}{LOGIN}", allow_redirects=False, timeout=10)

    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.json()["database"] == {"ok": False, "error": "OperationalError"}
    assert ready.json()["broker"]["ok"] is True  # eager, or CI's Redis
    assert page.status_code == 301  # everything else is still redirected to https
    assert "unused.sqlite3" not in json.dumps(ready.json())
