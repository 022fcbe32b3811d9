"""`manage.py emulate`: a real process, its options, and state kept in --state-file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(*args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "emulate", *args, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/__emulator__"
    for _ in range(100):
        try:
            requests.get(f"{url}/stats", timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"emulator did not start: {proc.communicate()[0]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def test_state_file_keeps_the_records_across_restarts(tmp_path):
    state = tmp_path / "netsuite.json"
    proc, url = serve("netsuite", "--state-file", str(state))
    try:
        requests.post(
            f"{url}/seed", json={"customer": [{"id": "7", "companyName": "Kept"}]}, timeout=5
        ).raise_for_status()
    finally:
        stop(proc)

    proc, url = serve("netsuite", "--state-file", str(state))
    try:
        records = requests.get(f"{url}/state", timeout=5).json()["records"]["customer"]
    finally:
        stop(proc)
    assert records["7"]["companyName"] == "Kept"


def test_fault_options_reach_the_emulator():
    proc, url = serve(
        "netsuite", "--latency-ms", "25", "--fail-rate", "0.5", "--concurrency-limit", "3"
    )
    try:
        stats = requests.get(f"{url}/stats", timeout=5).json()
    finally:
        stop(proc)
    assert (stats["latency_ms"], stats["fail_rate"], stats["concurrency_limit"]) == (25, 0.5, 3)


def test_a_fail_rate_outside_0_to_1_is_refused():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "emulate",
            "netsuite",
            "--fail-rate",
            "2",
            "--port",
            str(free_port()),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--fail-rate is a fraction between 0 and 1" in result.stderr


@pytest.mark.parametrize("package", ["werkzeug", "trustme", "cheroot"])
def test_without_the_emulators_extra_the_command_says_what_to_install(package):
    # None in sys.modules makes a package look uninstalled, to find_spec as to import.
    code = (
        f"import sys; sys.modules[{package!r}] = None; "
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'emulate', 'netsuite', '--port', '0'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sfns.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: Not installed, and needed by the emulators:")
    assert package in result.stderr
    assert "pip install -e '.[emulators]'" in result.stderr
