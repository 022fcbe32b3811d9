"""The worker gives the CPU to the web first (SFNS_WORKER_NICE): its own priority, and its
session's share where Linux groups the CPU by session (autogroups)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import os
from pathlib import Path
from sfns.celery import cpu_priority_lower
cpu_priority_lower({nice})
group = Path("/proc/self/autogroup")
words = group.read_text().split() if group.exists() else []
print(os.nice(0), words[-1] if words else "-")  # empty outside any autogroup (as PID 1's)
"""


def _probe(nice: int, *, own_session: bool) -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(nice=nice)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=own_session,
    ).stdout.split()
    return int(out[0]), out[1]


def _autogroups() -> bool:
    enabled = Path("/proc/sys/kernel/sched_autogroup_enabled")
    return enabled.exists() and enabled.read_text().strip() == "1"


def test_a_worker_in_its_own_session_lowers_itself_and_its_session():
    nice, group_nice = _probe(10, own_session=True)

    assert nice == min(os.nice(0) + 10, 19)
    if _autogroups():
        assert group_nice == "10"


def test_a_worker_sharing_its_session_leaves_the_session_alone():
    # Started from a shell with the web (honcho in one terminal): the session holds the web too.
    before = Path("/proc/self/autogroup").read_text() if _autogroups() else None

    nice, group_nice = _probe(10, own_session=False)

    assert nice == min(os.nice(0) + 10, 19)
    if before is not None:
        assert Path("/proc/self/autogroup").read_text() == before
        assert group_nice == (before.split() or ["-"])[-1]


@pytest.mark.parametrize("nice", [0, -5])
def test_no_lowering_when_asked_for_none(nice):
    assert _probe(nice, own_session=True)[0] == os.nice(0)
