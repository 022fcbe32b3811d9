"""The sync's pure decisions and their words, as tables."""

from __future__ import annotations

import datetime as dt

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


@pytest.mark.parametrize(
    ("locked", "create_only", "push", "reason"),
    [
        (False, False, True, rules.LINKED_EXISTING),
        (True, False, False, rules.LINKED_EXISTING_LOCKED),
        (True, True, False, rules.LINKED_EXISTING_LOCKED),  # the lock is the stronger reason
        (False, True, False, rules.LINKED_EXISTING_CREATE_ONLY),
    ],
)
def test_link_existing_customer(locked, create_only, push, reason):
    assert rules.link_existing(locked=locked, create_only=create_only) == rules.Decision(
        push, reason
    )


@pytest.mark.parametrize(
    ("retryable", "rate_limited", "attempts", "max_attempts", "retried"),
    [
        (True, False, 1, 8, True),
        (True, False, 7, 8, True),
        (True, False, 8, 8, False),  # out of attempts: failed, retryable by hand
        (False, False, 1, 8, False),  # a refusal never comes right on its own
        (True, True, 8, 8, True),  # a rate limit outlasts the attempts: the allocation returns
        (True, True, 30, 8, True),
    ],
)
def test_will_retry(retryable, rate_limited, attempts, max_attempts, retried):
    assert (
        rules.will_retry(
            retryable=retryable,
            rate_limited=rate_limited,
            attempts=attempts,
            max_attempts=max_attempts,
        )
        is retried
    )


@pytest.mark.parametrize(
    ("linked", "setting_on", "refused"),
    [(True, False, False), (True, True, False), (False, True, False), (False, False, True)],
)
def test_sales_order_refusal(linked, setting_on, refused):
    text = rules.sales_order_refusal(
        salesforce_id="001000000000001AAA", linked=linked, sync_account_on_sales_order=setting_on
    )
    assert bool(text) is refused
    if refused:
        assert "001000000000001AAA" in text and "Sync Account on Sales Order" in text


@pytest.mark.parametrize(
    ("edition", "refusal"),
    [
        ("Enterprise Edition", ""),
        ("Developer Edition", ""),
        (
            "Professional Edition",
            "Update from NetSuite needs Salesforce Enterprise Edition or higher; this org is "
            "Professional Edition.",
        ),
        (
            "",
            "Update from NetSuite needs Salesforce Enterprise Edition or higher; this org is "
            "of an unknown edition.",
        ),
    ],
)
def test_update_from_netsuite_edition_refusal(edition, refusal):
    assert rules.update_from_netsuite_edition_refusal(edition=edition) == refusal


def test_update_from_netsuite_of_an_unlinked_account_names_it():
    assert rules.update_from_netsuite_not_linked(salesforce_id="001000000000001AAA") == (
        "Account 001000000000001AAA is not linked to a NetSuite customer yet: "
        "there is nothing to update from."
    )


@pytest.mark.parametrize(
    ("reverse", "expected"),
    [
        (False, "The field mappings cannot be applied: phone: bad"),
        (True, "The reverse field mappings cannot be applied: phone: bad"),
    ],
)
def test_mapping_refusal(reverse, expected):
    assert rules.mapping_refusal(error="phone: bad", reverse=reverse) == expected


@pytest.mark.parametrize(("pending", "delay"), [(1, 1.0), (199, 1.0), (200, 0), (450, 0)])
def test_a_full_batch_is_written_at_once_a_part_one_after_the_quiet(pending, delay):
    assert rules.writeback_delay(pending=pending, batch_size=200) == delay


NOW = dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("oldest_age", "newest_age", "due"),
    [
        (0.5, 0.5, False),  # still arriving: wait for company
        (30, 0.2, False),
        (1.0, 1.0, True),  # a quiet spell: the rest goes
        (5, 2, True),
        (60, 0.1, True),  # waited long enough, however busy
    ],
)
def test_a_part_batch_goes_after_a_quiet_spell_or_the_longest_wait(oldest_age, newest_age, due):
    assert (
        rules.writeback_due(
            oldest=NOW - dt.timedelta(seconds=oldest_age),
            newest=NOW - dt.timedelta(seconds=newest_age),
            now=NOW,
        )
        is due
    )


TEXT_255 = {"name": "NetSuite_Sync__c", "type": "string", "length": 255, "updateable": True}


@pytest.mark.parametrize(
    ("field", "kwargs", "problem"),
    [
        (TEXT_255, {"types": rules.TEXT, "writable": True, "min_length": 255}, ""),
        (None, {}, "missing"),
        (
            {**TEXT_255, "type": "boolean"},
            {"types": rules.TEXT},
            "is a boolean field; SFNS needs string or textarea",
        ),
        (
            {**TEXT_255, "length": 80},
            {"types": rules.TEXT, "min_length": 255},
            "holds 80 characters; SFNS writes up to 255",
        ),
        ({**TEXT_255, "type": "textarea", "length": 80}, {"min_length": 255}, ""),  # no limit
        (
            {**TEXT_255, "updateable": False},
            {"writable": True},
            "is read-only for the integration user",
        ),
        ({**TEXT_255, "updateable": False}, {}, ""),  # only read: fine
        ({"type": "currency"}, {"types": rules.NUMBER}, ""),
    ],
)
def test_salesforce_field_problem(field, kwargs, problem):
    assert rules.salesforce_field_problem(field, **kwargs) == problem


@pytest.mark.parametrize(
    ("field", "types", "problem"),
    [
        ({"type": "boolean"}, frozenset({"boolean"}), ""),
        ({"type": "object"}, frozenset(), ""),
        (None, frozenset(), "missing"),
        ({"type": "string"}, frozenset({"boolean"}), "is of type string; SFNS needs boolean"),
    ],
)
def test_netsuite_field_problem(field, types, problem):
    assert rules.netsuite_field_problem(field, types=types) == problem
