"""
The README's tables of figures, rendered from bench/results/*.json: issue 10's B1-B4 and issue
11's B6 (each figure, what was measured, its target and whether it is met) and the fault table
of `make faults` (faults.json). `make bench` and `make faults` rewrite them in the README after
measuring (`--update-readme`); tests/test_bench_report.py and tests/test_faults_report.py check
that the README shows exactly what the committed results say.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
BEGIN = "<!-- bench-table: benchmarks/report.py writes this table from bench/results/*.json -->"
END = "<!-- /bench-table -->"
FAULTS_BEGIN = (
    "<!-- faults-table: benchmarks/report.py writes this table from bench/results/faults.json -->"
)
FAULTS_END = "<!-- /faults-table -->"
MODES = ("re-read", "mirror")


@dataclass
class Row:
    figure: str
    measured: str
    target: str
    met: bool | None  # None: not measured

    def render(self) -> str:
        met = "—" if self.met is None else ("yes" if self.met else "**no**")
        return f"| {self.figure} | {self.measured} | {self.target} | {met} |"


def _load(results: Path, name: str) -> dict[str, Any] | None:
    path = results / name
    return json.loads(path.read_text()) if path.exists() else None


def _missing(figure: str, target: str, source: str) -> Row:
    return Row(figure, f"not measured ({source} missing)", target, None)


def _n(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def _b1(data: dict | None) -> list[Row]:
    rows = []
    for mode in MODES:
        figure = f"B1 NetSuite calls/s ÷ ceiling, lock {mode}"
        if not data:
            rows.append(_missing(figure, "≥ 0.90", "b1_throughput.json"))
            continue
        r = data["modes"][mode]
        rows.append(
            Row(
                figure,
                f"{_n(r['fraction_of_ceiling'], 3)} ({_n(r['netsuite_calls_per_second'], 1)}/s of "
                f"{r['ceiling_calls_per_second']:g}/s; {r['changes']} changes in "
                f"{_n(r['seconds'], 1)} s{_spread(r, 'fraction_of_ceiling', 3)})",
                "≥ 0.90",
                r["fraction_of_ceiling"] >= 0.90,
            )
        )
    for mode in MODES:
        figure = f"B1 SFNS CPU per change, lock {mode}"
        if not data:
            rows.append(_missing(figure, "≤ 8 ms", "b1_throughput.json"))
            continue
        r = data["modes"][mode]
        by_process = ", ".join(
            f"{name} {seconds / r['changes'] * 1000:.1f}"
            for name, seconds in r["cpu_seconds_by_process"].items()
        )
        rows.append(
            Row(
                figure,
                f"{_n(r['cpu_ms_per_change'], 1)} ms ({by_process}; "
                f"{_n(r['cpu_ms_per_change_to_clock_end'], 1)} by the clock's end"
                f"{_spread(r, 'cpu_ms_per_change', 1)})",
                "≤ 8 ms",
                r["cpu_ms_per_change"] <= 8,
            )
        )
    return rows


def _spread(r: dict, key: str, digits: int) -> str:
    """
    '; 3 bursts: lowest-highest' when the mode ran several bursts (its figures are the median
    one's by throughput, CPU included); "" for one.
    """
    values = sorted(b[key] for b in r.get("bursts", []))
    if len(values) < 2:
        return ""
    return f"; {len(values)} bursts: {_n(values[0], digits)}-{_n(values[-1], digits)}"


def _b2(data: dict | None) -> list[Row]:
    expected = {"re-read": 2.0, "mirror": 1.0, "unmapped": 0.0, "identical": 0.0}
    words = {
        "re-read": "a mapped field, lock re-read",
        "mirror": "a mapped field, lock mirror",
        "unmapped": "a field no mapping reads",
        "identical": "identical values",
    }
    rows = []
    for kind, target in expected.items():
        figure = f"B2 NetSuite calls per change: {words[kind]}"
        if not data:
            rows.append(_missing(figure, f"{target:g}", "b2_calls.json"))
            continue
        value = data["netsuite_calls_per_change"][kind]
        rows.append(Row(figure, _n(value), f"{target:.1f}", math.isclose(value, target)))
    figure = "B2 Salesforce calls per change in a burst"
    if not data:
        rows.append(_missing(figure, "≤ 0.01", "b2_calls.json"))
    else:
        worst = max(data["salesforce_calls_per_change"][mode] for mode in MODES)
        rows.append(
            Row(
                figure,
                f"{worst:.4f} ({data['changes_per_burst']} changes a burst)",
                "≤ 0.01",
                worst <= 0.01,
            )
        )
    figure = "B2 NetSuite webhooks caused by SFNS's own writes"
    if not data:
        rows.append(_missing(figure, "0", "b2_calls.json"))
    else:
        webhooks = data["netsuite_webhooks_from_own_writes"]
        rows.append(
            Row(
                figure,
                " / ".join(f"{webhooks[mode]:,} ({mode})" for mode in MODES)
                + f" in {data['changes_per_burst']} changes",
                "0",
                not any(webhooks[mode] for mode in MODES),
            )
        )
    return rows


def _b3(data: dict | None) -> list[Row]:
    figure = "B3 outbound-message notifications/s, SFNS ÷ bare receiver"
    if not data:
        return [_missing(figure, "≥ 0.5", "b3_webhook.json")]
    sfns, bare = data["sfns"], data["bare_receiver"]
    return [
        Row(
            figure,
            f"{_n(data['ratio'], 3)} ({sfns['notifications_per_second']:,.0f}/s vs "
            f"{bare['notifications_per_second']:,.0f}/s)",
            "≥ 0.5",
            data["ratio"] >= 0.5,
        )
    ]


def _b4(data: dict | None) -> list[Row]:
    idle_figure = "B4 idle latency p50 above the NetSuite calls' own"
    loaded_figure = "B4 latency p99 at half the ceiling"
    if not data:
        return [
            _missing(idle_figure, "≤ 100 ms", "b4_latency.json"),
            _missing(loaded_figure, "< 1 s", "b4_latency.json"),
        ]
    idle, loaded = data["idle"], data["at_half_ceiling"]
    return [
        Row(
            idle_figure,
            f"{idle['p50_above_netsuite_calls_ms']:,.0f} ms (p50 {idle['p50_ms']:,.0f} ms - "
            f"{idle['netsuite_calls_per_change']:g} calls x {data['setup']['netsuite_latency_ms']} "
            f"ms; {idle['samples']} changes)",
            "≤ 100 ms",
            idle["p50_above_netsuite_calls_ms"] <= 100,
        ),
        Row(
            loaded_figure,
            f"{loaded['p99_ms']:,.0f} ms (p50 {loaded['p50_ms']:,.0f} ms; NetSuite at "
            f"{_n(loaded['fraction_of_ceiling'])} of the ceiling; {loaded['samples']} changes)",
            "< 1 s",
            loaded["p99_ms"] < 1000,
        ),
    ]


def _b6(data: dict | None) -> list[Row]:
    figure = "B6 Salesforce calls per 200 Accounts whose financials changed in NetSuite"
    if not data:
        return [_missing(figure, "≤ 1", "b6_financials.json")]
    per = data["salesforce_calls_per_200_accounts"]
    return [
        Row(
            figure,
            f"{_n(per)} ({data['salesforce_calls']} calls for {data['accounts_changed']:,} "
            f"Accounts, all in Salesforce {data['seconds_until_salesforce_shows_all']:g} s after "
            f"the first change; {data['netsuite_calls']} NetSuite calls)",
            "≤ 1",
            per <= 1
            and data["accounts_showing_new_balance_in_salesforce"] == data["accounts_changed"],
        )
    ]


FIGURES: list[tuple[str, Callable[[dict | None], list[Row]]]] = [
    ("b1_throughput.json", _b1),
    ("b2_calls.json", _b2),
    ("b3_webhook.json", _b3),
    ("b4_latency.json", _b4),
    ("b6_financials.json", _b6),
]


def _footer(results: Path) -> str:
    setups = []
    for name, _ in FIGURES:
        data = _load(results, name)
        if data:
            s = data["setup"]
            smoke = " (**smoke sizes**, not the figures)" if s.get("smoke") else ""
            load = s.get("load_average_1_5_15_min")
            busy = f", load average {load[0]:g} on {s['cpus']} cores" if load else ""
            setups.append(
                f"{name[:2].upper()} {s['measured_at'][:10]} at {s['commit']}{busy}{smoke}"
            )
    return "Measured " + "; ".join(setups) + "." if setups else "Nothing measured yet."


def render(results: Path = RESULTS) -> str:
    """The table, between its markers, as the README shows it."""
    rows = [row for name, build in FIGURES for row in build(_load(results, name))]
    lines = [
        BEGIN,
        "| figure | measured | target | met? |",
        "| --- | --- | --- | --- |",
        *(row.render() for row in rows),
        "",
        _footer(results),
        END,
    ]
    return "\n".join(lines)


# -- the fault table (benchmarks/faults.py) ----------------------------------------------------
def _fault_notes(r: dict[str, Any]) -> str:
    """What else happened: the fault's own traces and anything SFNS did not take calmly."""
    notes = []
    if r["notes"].get("kills"):
        notes.append(f"{r['notes']['kills']} SIGKILLs")
    if r["netsuite"]["failed_503"]:
        notes.append(f"{r['netsuite']['failed_503']:,} 503s")
    if r["netsuite"]["rejected_429"]:
        notes.append(f"{r['netsuite']['rejected_429']:,} 429s")
    if r.get("salesforce", {}).get("rejected_403"):
        notes.append(f"{r['salesforce']['rejected_403']:,} Salesforce 403s")
        if r.get("status_seconds") is not None:
            notes.append(f"statuses in Salesforce {r['status_seconds']:,.0f} s after the fault")
        else:
            notes.append(
                f"statuses not all in Salesforce {r['drain_timeout']:,.0f} s after the fault"
            )
    refused_after = r.get("refused_after_the_fault") or {}
    if refused_after:
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(refused_after.items()))
        notes.append(f"**outbound messages refused after the fault's end** ({statuses})")
    if r["deliveries"] > r["changes"]:
        notes.append(f"{r['deliveries']:,} deliveries of {r['changes']:,} messages")
    for exit in r["process_exits"]:
        words = exit["last_words"].split("] ", 1)[-1]
        notes.append(f"**the {exit['process']} exited** ({words[:120]}); started again")
    if r["jobs"].get("failed"):
        notes.append(f"**{r['jobs']['failed']} jobs failed**")
    return "; ".join(notes)


def fault_table(faults: list[dict[str, Any]]) -> str:
    """The fault table's rows (benchmarks/faults.py prints it too)."""
    lines = [
        "| fault | changes | lost | duplicate customers | divergent | drain after the fault "
        "| also |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in faults:
        drain = (
            f"{r['drain_seconds']:,.1f} s"
            if r["drain_seconds"] is not None
            else f"not within {r['drain_timeout']:,.0f} s"
        )
        lines.append(
            f"| {r['title']} | {r['changes']:,} | {r['lost']} | {r['duplicates']} | "
            f"{r['divergent']} | {drain} | {_fault_notes(r)} |"
        )
    return "\n".join(lines)


def render_faults(results: Path = RESULTS) -> str:
    """The fault table, between its markers, as the README shows it."""
    data = _load(results, "faults.json")
    if not data:
        body = ["Not measured yet (bench/results/faults.json missing): `make faults`."]
    else:
        s = data["setup"]
        smoke = " (**smoke sizes**, not the figures)" if s.get("smoke") else ""
        load = s.get("load_average_1_5_15_min")
        body = [
            fault_table(data["faults"]),
            "",
            f"Measured {s['measured_at'][:10]} at {s['commit']}{smoke}: "
            f"{s['size']['changes']:,} changes a fault over {s['size']['seconds']:g} s to "
            f"{s['size']['accounts']:,} linked Accounts, NetSuite at "
            f"{s['netsuite_latency_ms']} ms and a limit of {s['netsuite_concurrency_limit']}"
            + (f"; load average {load[0]:g} at the end" if load else "")
            + ".",
        ]
    return "\n".join([FAULTS_BEGIN, *body, FAULTS_END])


# -- the README -------------------------------------------------------------------------------
def readme_table(text: str, begin: str = BEGIN, end: str = END) -> str:
    """A table as the README has it now (between its markers)."""
    start, stop = text.index(begin), text.index(end) + len(end)
    return text[start:stop]


def update_readme(readme: Path = README, results: Path = RESULTS) -> bool:
    """Rewrite the README's tables from the results; True when one changed."""
    text = readme.read_text()
    new = text.replace(readme_table(text), render(results))
    if FAULTS_BEGIN in new:
        new = new.replace(readme_table(new, FAULTS_BEGIN, FAULTS_END), render_faults(results))
    if new != text:
        readme.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--update-readme", action="store_true", help="rewrite README's table")
    args = parser.parse_args(argv)
    print(render(args.results))
    print(render_faults(args.results))
    if args.update_readme:
        changed = update_readme(README, args.results)
        print(f"README.md {'updated' if changed else 'already shows these figures'}")


if __name__ == "__main__":
    main(sys.argv[1:])
