"""
The README's table of figures (issue 10's B1-B4), rendered from bench/results/*.json: each
figure, what was measured, its target and whether it is met. `make bench` rewrites the table in
the README after measuring (`--update-readme`); tests/test_bench_report.py checks that the
README shows exactly what the committed results say.
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
                f"{_n(r['fraction_of_ceiling'])} ({_n(r['netsuite_calls_per_second'], 1)}/s of "
                f"{r['ceiling_calls_per_second']:g}/s; {r['changes']} changes in "
                f"{_n(r['seconds'], 1)} s)",
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
                f"{_n(r['cpu_ms_per_change_to_clock_end'], 1)} by the clock's end)",
                "≤ 8 ms",
                r["cpu_ms_per_change"] <= 8,
            )
        )
    return rows


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


FIGURES: list[tuple[str, Callable[[dict | None], list[Row]]]] = [
    ("b1_throughput.json", _b1),
    ("b2_calls.json", _b2),
    ("b3_webhook.json", _b3),
    ("b4_latency.json", _b4),
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


def readme_table(text: str) -> str:
    """The table as the README has it now (between the markers)."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def update_readme(readme: Path = README, results: Path = RESULTS) -> bool:
    """Rewrite the README's table from the results; True when it changed."""
    text = readme.read_text()
    new = text.replace(readme_table(text), render(results))
    if new != text:
        readme.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--update-readme", action="store_true", help="rewrite README's table")
    args = parser.parse_args(argv)
    print(render(args.results))
    if args.update_readme:
        changed = update_readme(README, args.results)
        print(f"README.md {'updated' if changed else 'already shows these figures'}")


if __name__ == "__main__":
    main(sys.argv[1:])
