"""Production settings refuse to start without their secrets (DEBUG off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRINT = (
    "from django.conf import settings as s; "
    "print(s.NETSUITE_BASE_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
)


def run_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "SFNS_WEBHOOK_SECRET",
            "ALLOWED_HOSTS",
            "NETSUITE_BASE_URL",
            "CELERY_BROKER_URL",
        }
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PRINT}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "sfns.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY, SFNS_WEBHOOK_SECRET, ALLOWED_HOSTS"),
        ({"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "sfns.example"}, "SFNS_WEBHOOK_SECRET"),
        ({"SFNS_WEBHOOK_SECRET": "w" * 40, "ALLOWED_HOSTS": "sfns.example"}, "SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(env, missing):
    result = run_settings(DEBUG="false", **env)

    assert result.returncode != 0
    assert f"these environment variables are required: {missing}" in result.stderr


def test_production_starts_with_its_secrets_and_derives_the_netsuite_url():
    result = run_settings(
        DEBUG="false",
        SECRET_KEY="k" * 50,
        SFNS_WEBHOOK_SECRET="w" * 40,
        ALLOWED_HOSTS="sfns.example",
        NETSUITE_ACCOUNT_ID="123456_SB1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/",
        "False",
        "redis://127.0.0.1:6379/0",
    ]


def test_embedded_defaults_need_no_environment():
    result = run_settings()

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "http://127.0.0.1:8102/services/rest/",
        "True",
        "memory://localhost/",
    ]
