"""
The fault table's smoke (`python -m benchmarks.faults --smoke`): each fault in turn on the
production topology (its own PostgreSQL and Redis, gunicorn, a celery worker and beat), and not
one change lost, not one customer duplicated, not one customer left different from Salesforce;
and everything in NetSuite within seconds of the end of a restart or a kill.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.faults import FAULTS

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.broker  # starts SFNS's worker processes (on a Redis of its own)


@pytest.mark.timeout(300)
def test_no_fault_loses_duplicates_or_leaves_a_customer_behind(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.faults", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert (tmp_path / "faults.json").exists(), done.stderr[-4000:]
    results = {r["fault"]: r for r in json.loads((tmp_path / "faults.json").read_text())["faults"]}

    assert list(results) == [fault.key for fault in FAULTS]
    for key, result in results.items():
        zeros = {k: result[k] for k in ("lost", "duplicates", "divergent")}
        assert zeros == {"lost": 0, "duplicates": 0, "divergent": 0}, (key, result)
        assert result["drain_seconds"] is not None, (key, result)
    # Recovered in seconds, with the production recovery settings (issue 13): a killed
    # worker's claims, the wake-ups a restarted broker lost, a database that went away.
    for key in ("redis_restart", "postgres_restart", "worker_sigkill"):
        assert results[key]["drain_seconds"] <= 30, (key, results[key])
        # Up again is up: every outbound message sent after the restart is acknowledged.
        assert results[key]["refused_after_the_fault"] == {}, (key, results[key])
    for key in ("netsuite_503", "netsuite_limit_2"):
        assert results[key]["drain_seconds"] <= 60, (key, results[key])
    # The faults happened: the worker was killed, NetSuite failed calls, Salesforce refused
    # SFNS's write-back, every scrambled message went twice (deliveries counts acknowledged ones).
    assert results["worker_sigkill"]["notes"]["kills"] >= 1
    assert results["netsuite_503"]["netsuite"]["failed_503"] > 0
    assert results["salesforce_request_limit"]["salesforce"]["rejected_403"] > 0
    scrambled = results["outbound_twice_shuffled"]
    assert scrambled["deliveries"] > scrambled["changes"]
    assert done.returncode == 0, done.stderr[-4000:]
