"""
The emulators are a development app: product code never imports them, and SFNS runs without
them (installed from the wheel) or without their extra's packages (a checkout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_MODULES = [
    "sfns.urls",
    "sfns.wsgi",
    "sfns.celery",
    "sync.services",
    "sync.webhooks",
    "sync.api",
    "sync.admin",
    "sync.tasks",
    "sync.outbox",
    "sync.clients.salesforce",
    "sync.clients.netsuite",
    "accounts.admin",
    "integration_log.admin",
]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sfns.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_product_code_never_imports_the_emulators():
    result = run_python(
        "import importlib, json, sys; import django; django.setup(); "
        f"[importlib.import_module(name) for name in {PRODUCT_MODULES!r}]; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'emulators')))"
    )

    assert result.returncode == 0, result.stderr
    # Django's app registry imports the installed app and its AppConfig itself; nothing more.
    assert json.loads(result.stdout.splitlines()[-1]) == ["emulators", "emulators.apps"]


def test_in_a_checkout_the_emulators_app_is_installed():
    assert "emulators" in settings.INSTALLED_APPS


def test_without_the_emulators_package_settings_leave_the_app_out():
    # None in sys.modules makes a package look absent, to find_spec as to import.
    result = run_python(
        "import sys; sys.modules['emulators'] = None; import django; django.setup(); "
        "from django.apps import apps; from django.conf import settings; "
        "print('emulators' in settings.INSTALLED_APPS, apps.is_installed('emulators'))"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_checks_pass_without_the_emulators_extra():
    result = run_python(
        "import sys; sys.modules['werkzeug'] = sys.modules['trustme'] = None; "
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check'])"
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
