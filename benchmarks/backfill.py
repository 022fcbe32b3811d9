"""
The backfill at 10,000 and 100,000 Accounts: its peak memory (RSS of the `manage.py backfill`
process) and the API calls it spends, against both emulators run as `manage.py emulate`.

A fifth of the Accounts match a customer by name, a fifth already carry their customer's
NetSuite Id, a tenth are named on their customer; the rest have no customer. Writes
bench/results/b5_backfill.json. Run: `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SEED_CHUNK = 10000


@dataclass
class BackfillResult:
    accounts: int
    customers: int
    seconds: float
    peak_rss_mb: float
    salesforce_calls: int
    netsuite_calls: int
    linked: int
    outcome_lines: list[str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(system: str, port: int, env: dict, ca: Path) -> subprocess.Popen:
    tls = ["--tls", "--ca-out", str(ca)] if system == "salesforce" else []
    process = subprocess.Popen(
        [sys.executable, "manage.py", "emulate", system, "--port", str(port), *tls],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    scheme = "https" if tls else "http"
    for _ in range(200):
        try:
            requests.get(
                f"{scheme}://127.0.0.1:{port}/__emulator__/stats", timeout=1, verify=str(ca)
            )
            return process
        except (requests.ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"the {system} emulator did not start")


def _seed(url: str, key: str, records: list[dict], verify: str | bool) -> list[str]:
    ids: list[str] = []
    for start in range(0, len(records), SEED_CHUNK):
        response = requests.post(
            f"{url}/__emulator__/seed",
            json={key: records[start : start + SEED_CHUNK]},
            timeout=600,
            verify=verify,
        )
        response.raise_for_status()
        ids += (response.json().get("ids") or {}).get(key, [])
    return ids


def _orgs(salesforce: str, netsuite: str, ca: str, accounts: int) -> int:
    """Seed both emulators; returns the number of customers."""
    records = []
    for n in range(accounts):
        record = {"Name": f"Company {n:06d}", "Website": f"https://company{n:06d}.example"}
        if n % 5 == 1:
            record["NetSuite_Id__c"] = str(100000 + n)
        records.append(record)
    ids = _seed(salesforce, "Account", records, ca)
    customers = []
    for n, salesforce_id in enumerate(ids):
        if n % 5 == 0:  # matches by name, written differently
            customers.append({"id": str(100000 + n), "companyName": f"COMPANY {n:06d} Inc."})
        elif n % 5 == 1:  # the Account names it
            customers.append({"id": str(100000 + n), "companyName": f"Other name {n}"})
        elif n % 10 == 2:  # carries the Account's id
            customers.append(
                {"id": str(100000 + n), "companyName": f"Co {n}", "externalId": salesforce_id}
            )
    _seed(netsuite, "customer", customers, False)
    return len(customers)


def run_backfill(accounts: int) -> BackfillResult:
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        ca = work_dir / "ca.pem"
        sf_port, ns_port = _free_port(), _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sfns.settings",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite:///{work_dir / 'db.sqlite3'}",
            "SALESFORCE_LOGIN_URL": f"https://127.0.0.1:{sf_port}",
            "NETSUITE_BASE_URL": f"http://127.0.0.1:{ns_port}/services/rest/",
            "REQUESTS_CA_BUNDLE": str(ca),
        }
        env.pop("CELERY_BROKER_URL", None)  # the backfill needs no broker
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        emulators = [_start("salesforce", sf_port, env, ca), _start("netsuite", ns_port, env, ca)]
        try:
            customers = _orgs(
                f"https://127.0.0.1:{sf_port}", f"http://127.0.0.1:{ns_port}", str(ca), accounts
            )
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "manage.py", "backfill", "--state-dir", str(work_dir / "state")],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            output = process.stdout.read()
            _, status, usage = os.wait4(process.pid, 0)  # this process's own peak RSS
            seconds = time.perf_counter() - started
        finally:
            for emulator in emulators:
                emulator.terminate()
                emulator.wait(timeout=10)
    if status != 0:
        raise RuntimeError(f"backfill failed:\n{output}")
    calls = re.search(r"API calls: ([\d,]+) Salesforce, ([\d,]+) NetSuite", output)
    outcomes = [line.strip() for line in output.splitlines() if line.startswith("  ")]
    linked = sum(
        int(line.rsplit(": ", 1)[1].replace(",", ""))
        for line in outcomes
        if line.startswith("linked")
    )
    return BackfillResult(
        accounts=accounts,
        customers=customers,
        seconds=round(seconds, 1),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux reports kilobytes
        salesforce_calls=int(calls[1].replace(",", "")),
        netsuite_calls=int(calls[2].replace(",", "")),
        linked=linked,
        outcome_lines=outcomes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, nargs="+", default=[10000, 100000])
    args = parser.parse_args()
    results = []
    for accounts in args.accounts:
        result = run_backfill(accounts)
        results.append(asdict(result))
        print(
            f"backfill of {result.accounts:,} Accounts and {result.customers:,} customers: "
            f"peak RSS {result.peak_rss_mb:,.1f} MB, {result.seconds:,.1f} s, "
            f"{result.salesforce_calls:,} Salesforce and {result.netsuite_calls:,} NetSuite "
            f"API calls, {result.linked:,} linked"
        )
        for line in result.outcome_lines:
            print(f"    {line}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "b5_backfill.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
