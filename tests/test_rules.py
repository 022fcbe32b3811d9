"""The push gates, as a table."""

from __future__ import annotations

import pytest

from sync import rules


@pytest.mark.parametrize(
    ("create_only", "linked", "unchanged", "force", "expected"),
    [
        (True, True, False, False, rules.CREATE_ONLY),
        (True, False, False, False, rules.CREATE_ONLY),  # Create Only is checked first
        (True, True, False, True, rules.CREATE_ONLY),  # even a forced update respects it
        (False, False, False, False, rules.NOT_LINKED),
        (False, False, True, True, rules.NOT_LINKED),
        (False, True, True, False, rules.UNCHANGED),
        (False, True, True, True, ""),
        (False, True, False, False, ""),
    ],
)
def test_precheck(create_only, linked, unchanged, force, expected):
    decision = rules.precheck_push(
        create_only=create_only, linked=linked, unchanged=unchanged, force=force
    )
    assert decision.reason == expected
    assert decision.push is (expected == "")


@pytest.mark.parametrize(("locked", "push"), [(True, False), (False, True)])
def test_lock_check(locked, push):
    decision = rules.lock_check(locked=locked)
    assert decision.push is push
    assert decision.reason == ("" if push else rules.LOCKED)
