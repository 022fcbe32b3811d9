"""The README's table of figures is what benchmarks/report.py renders from the committed
results (bench/results/*.json), so the README cannot drift from the measurements."""

from __future__ import annotations

import json

from benchmarks import report


def test_readme_shows_the_committed_figures():
    assert report.readme_table(report.README.read_text()) == report.render(report.RESULTS), (
        "README's figures differ from bench/results: run `python -m benchmarks.report "
        "--update-readme` (make bench does)"
    )


def test_a_figure_is_met_only_when_its_measurement_reaches_the_target(tmp_path):
    setup = {"measured_at": "2026-11-26T00:00:00Z", "commit": "abc1234", "smoke": False}
    for ratio, met in ((0.49, "**no**"), (0.5, "yes")):
        result = {
            "setup": setup,
            "ratio": ratio,
            "sfns": {"notifications_per_second": ratio * 1000},
            "bare_receiver": {"notifications_per_second": 1000},
        }
        (tmp_path / "b3_webhook.json").write_text(json.dumps(result))
        (row,) = [line for line in report.render(tmp_path).splitlines() if "| B3" in line]
        assert row.endswith(f"| ≥ 0.5 | {met} |")


def test_a_missing_result_is_shown_as_not_measured(tmp_path):
    table = report.render(tmp_path)
    assert table.count("not measured") == 14  # every row of B1-B4 and B6
    assert "Nothing measured yet." in table


def test_update_readme_rewrites_only_the_table(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{report.BEGIN}\nold\n{report.END}\nafter\n")
    assert report.update_readme(readme, tmp_path)
    text = readme.read_text()
    assert text.startswith("before\n") and text.endswith("\nafter\n")
    assert report.readme_table(text) == report.render(tmp_path)
    assert not report.update_readme(readme, tmp_path)
