"""
`make bench`'s end-to-end benchmarks in their smoke sizes, so they cannot rot: each runs as
`make bench` runs it (on its own private PostgreSQL cluster and Redis, SFNS's processes from
the Procfile) and must write sane JSON with every change applied. The figures' targets are not
asserted: smoke sizes measure nothing worth a target.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from benchmarks import report

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ("pipeline", "webhook", "financials")
FILES = (
    "b1_throughput.json",
    "b2_calls.json",
    "b3_webhook.json",
    "b4_latency.json",
    "b6_financials.json",
)


def _committed_results() -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((ROOT / "bench" / "results").glob("*.json"))
    }


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> Path:
    """The benchmark scripts side by side, writing into a temporary directory."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the benchmarks run the production topology: needs PostgreSQL (DATABASE_URL)")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or not shutil.which(
        "redis-server"
    ):
        pytest.skip(
            "needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) and redis-server"
        )
    out = tmp_path_factory.mktemp("bench")
    before = _committed_results()
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", f"benchmarks.{name}", "--smoke", "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in BENCHMARKS
    ]
    for name, run in zip(BENCHMARKS, runs, strict=True):
        try:
            output, _ = run.communicate(timeout=150)
        except subprocess.TimeoutExpired:
            for other in runs:
                other.kill()
            raise
        assert run.returncode == 0, f"benchmarks.{name} --smoke failed:\n{output[-6000:]}"
    assert _committed_results() == before, "a smoke run wrote into bench/results/"
    return out


def _load(out: Path, name: str) -> dict:
    return json.loads((out / name).read_text())


def _numbers(*values) -> bool:
    return all(isinstance(v, int | float) and v == v for v in values)  # v == v: not NaN


pytestmark = pytest.mark.timeout(200)


def test_smoke_writes_every_figure(smoke):
    assert sorted(p.name for p in smoke.glob("*.json")) == sorted(FILES)
    for name in FILES:
        data = _load(smoke, name)
        assert data["setup"]["smoke"] is True
        assert data["setup"]["procfile"].keys() >= {"web", "worker", "beat"}


def test_b1_burst_lands_every_change_in_both_lock_modes(smoke):
    b1 = _load(smoke, "b1_throughput.json")
    assert b1["modes"].keys() == {"re-read", "mirror"}
    for result in b1["modes"].values():
        assert result["applied_in_netsuite"] == result["changes"] > 0
        assert _numbers(result["fraction_of_ceiling"], result["cpu_ms_per_change"])
        assert result["fraction_of_ceiling"] > 0 and result["cpu_ms_per_change"] > 0
        assert set(result["cpu_seconds_by_process"]) == {"web", "worker", "beat"}
        assert result["netsuite_calls"] > 0 and result["peak_in_flight"] > 0
        assert not result["jobs"].get("account_push", {}).get("failed")
        # One burst a mode in the smoke: it is its own median.
        (only,) = result["bursts"]
        assert only["fraction_of_ceiling"] == result["fraction_of_ceiling"]


def test_b2_counts_the_calls_of_each_kind_of_change(smoke):
    b2 = _load(smoke, "b2_calls.json")
    assert b2["netsuite_calls_per_change"].keys() == {"re-read", "mirror", "unmapped", "identical"}
    assert _numbers(
        *b2["netsuite_calls_per_change"].values(),
        *b2["salesforce_calls_per_change"].values(),
        *b2["netsuite_webhooks_from_own_writes"].values(),
    )


def test_b3_compares_sfns_with_the_bare_receiver(smoke):
    b3 = _load(smoke, "b3_webhook.json")
    assert _numbers(b3["ratio"]) and b3["ratio"] > 0
    bare, sfns = b3["bare_receiver"], b3["sfns"]
    assert bare["notifications_stored"] >= bare["notifications"] > 0
    assert sfns["notifications_per_second"] > 0
    # Every notification SFNS acknowledged reaches its mirror (at once or from a worker).
    assert sfns["accounts_holding_new_values"] == sfns["notifications"]


def test_b4_measures_idle_and_loaded_latency(smoke):
    b4 = _load(smoke, "b4_latency.json")
    for phase in ("idle", "at_half_ceiling"):
        result = b4[phase]
        assert result["samples"] > 0
        assert _numbers(result["p50_ms"], result["p99_ms"])
        assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert _numbers(b4["idle"]["p50_above_netsuite_calls_ms"])


def test_b6_brings_every_balance_back_to_salesforce_in_collection_calls(smoke):
    b6 = _load(smoke, "b6_financials.json")
    assert b6["accounts_showing_new_balance_in_salesforce"] == b6["accounts_changed"] > 0
    assert set(b6["salesforce_calls_by_endpoint"]) - {"oauth_token"} == {"composite_sobjects"}
    assert _numbers(
        b6["salesforce_calls_per_200_accounts"], b6["seconds_until_salesforce_shows_all"]
    )
    assert b6["netsuite_calls"] == 0  # the webhook carried the values


def test_report_renders_the_smoke_figures(smoke):
    table = report.render(smoke)
    assert "not measured" not in table
    assert "smoke sizes" in table
