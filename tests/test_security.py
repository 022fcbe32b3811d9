"""
Security as deployed: with DEBUG off SFNS passes `manage.py check --deploy` and serves HTTPS
only (behind its TLS proxy), a plain-http production run is one variable away, the embedded
mode still serves plain http, and the admin login locks out password guessing (django-axes).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from sfns.security import client_ip

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"
LOCKED = "Too many failed logins: this login is locked for 15 minutes"

# Variables that change what is tested here: a developer's or CI's own values must not leak in.
_OURS = {
    "DEBUG",
    "SECRET_KEY",
    "SFNS_WEBHOOK_SECRET",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SFNS_LOGIN_FAILURE_LIMIT",
    "SFNS_LOGIN_COOLOFF_MINUTES",
    "SFNS_LOGIN_LOCKOUT",
    "SFNS_PROXY_COUNT",
}


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of the README's production section, nothing else of ours."""
    return {
        **{k: v for k, v in os.environ.items() if k not in _OURS},
        "DJANGO_SETTINGS_MODULE": "sfns.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SFNS_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "sfns.example.com,127.0.0.1",
        # Never migrated: nothing tested here may need the database.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        **extra,
    }


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ============================================================================================
# check --deploy
# ============================================================================================
def test_check_deploy_is_clean_with_debug_off(tmp_path):
    result = check_deploy(production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_names_each_safe_default_turned_off(tmp_path):
    turned_off = {
        "SECURE_SSL_REDIRECT": "security.W008",
        "SESSION_COOKIE_SECURE": "security.W012",
        "CSRF_COOKIE_SECURE": "security.W016",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "security.W005",
        "SECURE_HSTS_PRELOAD": "security.W021",
    }
    result = check_deploy(production_env(tmp_path, **dict.fromkeys(turned_off, "false")))

    assert result.returncode != 0
    assert sorted(w for w in turned_off.values() if w in result.stderr) == sorted(
        turned_off.values()
    )


# ============================================================================================
# Served by gunicorn, as the README's production section and the Procfile run it
# ============================================================================================
@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "sfns.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {process.stderr.read().decode()[-3000:]}")
            try:
                requests.get(url, timeout=10, allow_redirects=False)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_production_redirects_http_and_serves_https_behind_the_proxy(tmp_path):
    with gunicorn(production_env(tmp_path)) as url:
        plain = requests.get(f"{url}{LOGIN}", allow_redirects=False, timeout=10)
        # The TLS proxy in front says the client came over https.
        proxied = requests.get(f"{url}{LOGIN}", headers={"X-Forwarded-Proto": "https"}, timeout=10)

    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://127.0.0.1:{url.rsplit(':', 1)[1]}{LOGIN}"
    assert proxied.status_code == 200
    assert proxied.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "Secure" in proxied.headers["Set-Cookie"]  # the CSRF cookie of the login form


def test_a_plain_http_production_run_needs_only_ssl_redirect_off(tmp_path):
    """What a local benchmark sets: DEBUG off, the secrets, and SECURE_SSL_REDIRECT=false."""
    with gunicorn(production_env(tmp_path, SECURE_SSL_REDIRECT="false")) as url:
        page = requests.get(f"{url}{LOGIN}", allow_redirects=False, timeout=10)
        # A webhook answers itself (here: refused for want of a signature), not with a redirect.
        webhook = requests.post(
            f"{url}/webhooks/netsuite/customer/", json={}, allow_redirects=False, timeout=10
        )

    assert page.status_code == 200
    assert "Strict-Transport-Security" not in page.headers  # never pinned over plain http
    assert webhook.status_code == 401, webhook.text
    assert "X-SFNS-Signature" in webhook.text


def test_embedded_defaults_serve_plain_http(client, settings):
    assert (settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS) == (False, 0)

    response = client.get(LOGIN)

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert not response.cookies["csrftoken"]["secure"]


# ============================================================================================
# Admin login throttling
# ============================================================================================
@pytest.fixture
def admin(django_user_model, settings):
    # A fast hasher: a dozen logins with the real one cost seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_superuser("boss", password=PASSWORD)


def log_in(client, password: str, **request):
    return client.post(LOGIN, {"username": "boss", "password": password}, **request)


def logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_the_login_locks_after_the_failure_limit_even_for_the_right_password(
    client, admin, settings
):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5

    answers = [log_in(client, f"guess-{n}").status_code for n in range(limit)]
    refused = log_in(client, PASSWORD)

    # Each wrong guess gets the login form again; the last one locks.
    assert answers == [200] * (limit - 1) + [429]
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert not logged_in(client)


def test_the_lock_holds_for_the_cool_off_then_the_right_password_works(client, admin, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess-{n}")
    assert log_in(client, PASSWORD).status_code == 429

    time.sleep(1.2)
    response = log_in(client, PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_a_guesser_does_not_lock_the_admin_out_from_another_address(client, admin, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess-{n}", REMOTE_ADDR="203.0.113.66")
    assert log_in(client, PASSWORD, REMOTE_ADDR="203.0.113.66").status_code == 429

    assert log_in(client, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302
    assert logged_in(client)


def test_behind_the_proxy_clients_are_told_apart_by_x_forwarded_for(client, admin, settings):
    """Every request comes from the proxy's address; the proxy appends the client's."""
    settings.SFNS_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(settings.AXES_FAILURE_LIMIT):
        # A guesser cannot pose as a new client per guess: only the proxy's entry counts.
        spoofed = f"10.9.9.{n}, 203.0.113.66"
        log_in(client, f"guess-{n}", HTTP_X_FORWARDED_FOR=spoofed, **proxy)
    guesser = log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy)
    colleague = log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    assert guesser.status_code == 429
    assert colleague.status_code == 302


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.66", "127.0.0.1"),  # no proxy: the header is the client's word
        (1, None, "127.0.0.1"),  # did not come through the proxy
        (1, "203.0.113.66", "203.0.113.66"),
        (1, "10.0.0.1, 203.0.113.66", "203.0.113.66"),
        (1, " 203.0.113.66 ", "203.0.113.66"),
        (1, "not-an-address", "127.0.0.1"),
        (2, "10.0.0.1, 203.0.113.66, 192.0.2.10", "203.0.113.66"),
        (2, "203.0.113.66", "127.0.0.1"),  # shorter than the chain of proxies
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_proxy_saw(settings, hops, forwarded, expected):
    settings.SFNS_PROXY_COUNT = hops
    meta = {"REMOTE_ADDR": "127.0.0.1"}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded

    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_a_locked_out_user_keeps_api_token_access(client, admin, settings):
    """The throttle guards passwords; an API token is not one and goes on working."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess-{n}")
    token = Token.objects.create(user=admin).key

    response = client.get("/api/jobs/", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 200
