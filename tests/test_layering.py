"""
The house's layering is a check (`make lint` runs import-linter with pyproject's contracts):
it passes on the tree as it is, and fails when someone adds an import cycle.
"""

from __future__ import annotations

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
        ("sync/api.py", "import emulators.demo", "never imports the emulators"),
    ],
)
def test_a_forbidden_import_breaks_the_lint(tree, module, line, broken):
    with (tree / module).open("a") as source:
        source.write(f"\n{line}  # noqa\n")

    result = lint_imports(tree)

    assert result.returncode == 1
    assert broken in result.stdout
