"""The README's fault table is what benchmarks/report.py renders from bench/results/faults.json,
and it shows what went wrong where a fault did damage."""

from __future__ import annotations

import json

from benchmarks import report

SETUP = {
    "measured_at": "2026-11-26T00:00:00Z",
    "commit": "abc1234",
    "smoke": False,
    "netsuite_latency_ms": 100,
    "netsuite_concurrency_limit": 5,
    "load_average_1_5_15_min": [1.5, 1.2, 1.0],
    "size": {"changes": 1000, "seconds": 60, "accounts": 200},
}


def _result(**overrides):
    return {
        "fault": "redis_restart",
        "title": "Redis restarted",
        "changes": 1000,
        "lost": 0,
        "duplicates": 0,
        "divergent": 0,
        "drain_seconds": 18.0,
        "drain_timeout": 480,
        "jobs": {"done": 900},
        "deliveries": 1000,
        "netsuite": {"rejected_429": 0, "failed_503": 0},
        "process_exits": [],
        "notes": {},
        **overrides,
    }


def test_readme_shows_the_committed_fault_table():
    text = report.README.read_text()
    shown = report.readme_table(text, report.FAULTS_BEGIN, report.FAULTS_END)
    assert shown == report.render_faults(report.RESULTS), (
        "README's fault table differs from bench/results/faults.json: run `python -m "
        "benchmarks.report --update-readme` (make faults does)"
    )


def test_a_fault_that_did_damage_says_so(tmp_path):
    broken = _result(
        lost=3,
        divergent=2,
        drain_seconds=None,
        jobs={"done": 10, "failed": 2},
        process_exits=[
            {
                "process": "worker",
                "last_words": "[2026-11-26 06:24:40: CRITICAL/MainProcess] Unrecoverable error",
            }
        ],
        refused_after_the_fault={"500": 3, "no answer": 1},
    )
    (tmp_path / "faults.json").write_text(json.dumps({"setup": SETUP, "faults": [broken]}))

    (row,) = [line for line in report.render_faults(tmp_path).splitlines() if "| Redis" in line]

    assert row.startswith("| Redis restarted | 1,000 | 3 | 0 | 2 | not within 480 s |")
    assert "**the worker exited** (Unrecoverable error); started again" in row
    assert "**2 jobs failed**" in row
    assert "**outbound messages refused after the fault's end** (3 500, 1 no answer)" in row


def test_a_clean_fault_shows_its_drain_and_the_fault_s_traces(tmp_path):
    scrambled = _result(
        fault="outbound_twice_shuffled",
        title="every outbound message delivered twice and out of order",
        deliveries=1670,
        netsuite={"rejected_429": 12, "failed_503": 0},
    )
    (tmp_path / "faults.json").write_text(json.dumps({"setup": SETUP, "faults": [scrambled]}))

    table = report.render_faults(tmp_path)

    assert "| 1,000 | 0 | 0 | 0 | 18.0 s | 12 429s; 1,670 deliveries of 1,000 messages |" in table
    assert "Measured 2026-11-26 at abc1234: 1,000 changes a fault over 60 s" in table


def test_a_salesforce_fault_says_when_the_statuses_got_there(tmp_path):
    late = _result(
        fault="salesforce_request_limit",
        title="Salesforce answering REQUEST_LIMIT_EXCEEDED",
        salesforce={"rejected_403": 2},
        status_seconds=None,
    )
    in_time = {**late, "title": "again", "status_seconds": 305.4}
    (tmp_path / "faults.json").write_text(json.dumps({"setup": SETUP, "faults": [late, in_time]}))

    table = report.render_faults(tmp_path)

    assert "| 2 Salesforce 403s; statuses not all in Salesforce 480 s after the fault |" in table
    assert "| 2 Salesforce 403s; statuses in Salesforce 305 s after the fault |" in table


def test_update_readme_rewrites_both_tables_and_nothing_else(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        f"a\n{report.BEGIN}\nold\n{report.END}\nb\n{report.FAULTS_BEGIN}\nold\n"
        f"{report.FAULTS_END}\nc\n"
    )
    (tmp_path / "faults.json").write_text(json.dumps({"setup": SETUP, "faults": [_result()]}))

    assert report.update_readme(readme, tmp_path)

    text = readme.read_text()
    assert text.startswith("a\n") and text.endswith("\nc\n") and "\nb\n" in text
    assert report.readme_table(text) == report.render(tmp_path)
    faults = report.readme_table(text, report.FAULTS_BEGIN, report.FAULTS_END)
    assert faults == report.render_faults(tmp_path)
    assert "| Redis restarted |" in faults
    assert not report.update_readme(readme, tmp_path)
