"""
The house stays easy to change: its layering is a check (`make lint` runs import-linter with
pyproject's contracts) that fails on a cycle; modules and functions stay short; the README's
layout names what is in the tree.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sfns", "accounts", "settings", "integration_log", "sync", "emulators")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--config", "pyproject.toml", "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def tree(tmp_path):
    """A copy of the product's packages and pyproject, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_tree_keeps_every_contract(tree):
    result = lint_imports(tree)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("sync/outbox.py", "from sync import tasks", "sync.outbox is not allowed to import"),
        ("sync/services/push.py", "from sync.services import link", "no import cycles"),
        ("accounts/models.py", "import sync.models", "never import the sync"),
        ("sync/services/push.py", "import requests", "only sync.clients speaks HTTP"),
        ("sync/api/base.py", "import emulators.demo", "never imports the emulators"),
    ],
)
def test_a_forbidden_import_breaks_the_lint(tree, module, line, broken):
    with (tree / module).open("a") as source:
        source.write(f"\n{line}  # noqa\n")

    result = lint_imports(tree)

    assert result.returncode == 1
    assert broken in result.stdout


PRODUCT = ("sfns", "accounts", "settings", "integration_log", "sync")


def product_modules():
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_product_module_is_over_400_lines_nor_function_over_60():
    too_long = []
    for path in product_modules():
        source = path.read_text()
        if source.count("\n") > 400:
            too_long.append(f"{path.relative_to(ROOT)}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    too_long.append(f"{path.relative_to(ROOT)}: {node.name}() {length} lines")
    assert too_long == []


def test_every_path_in_the_readme_layout_exists():
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("### Layout", 1)[1].split("```")[1]
    paths, parent = [], ""
    for line in layout.strip("\n").splitlines():
        indent = len(line) - len(line.lstrip())
        if indent > 2:  # the description going on from the line above
            continue
        names = re.findall(r"^ *([\w./, ]+?)  ", line + "  ")[0]
        for name in (n.strip() for n in names.split(",")):
            if not name or " " in name:
                continue
            if indent:
                paths.append(parent + name)
            else:
                parent = name if name.endswith("/") else ""
                paths.append(name)
    assert len(paths) > 15
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_the_readme_runs_production_as_the_procfile_says():
    """The benchmarks measure the Procfile: the README must tell operators to run the same."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Running in production") :]
    commands = [
        line.split(":", 1)[1].strip()
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(commands) == 3
    for command in commands:
        assert command in section, command
