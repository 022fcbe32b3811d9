"""The matching rules' keys and decision, as tables (sync/matching.py is pure)."""

from __future__ import annotations

import pytest

from sync import matching
from sync.matching import EMAIL, NAME, PHONE, RULES, WEBSITE, Match


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Handmade Ltd", "handmade"),
        ("HANDMADE LIMITED", "handmade"),
        ("Handmade, Ltd.", "handmade"),
        ("Société Générale S.A.", "societe generale"),
        ("The Acme Company, Inc.", "acme"),
        ("Ben & Jerry's", "ben and jerry s"),
        ("Limited", "limited"),  # nothing but a legal form: keep it rather than match everyone
        ("", ""),
        (None, ""),
    ],
)
def test_company_name_key(name, key):
    assert matching.company_name_key(name) == key


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.Acme.com/about", "acme.com"),
        ("acme.com", "acme.com"),
        ("http://shop.acme.co.uk:8080", "shop.acme.co.uk"),
        ("www.acme.com", "acme.com"),
        ("localhost", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_domain_key(url, key):
    assert matching.domain_key(url) == key


@pytest.mark.parametrize(
    ("phone", "key"),
    [
        ("+1 (415) 555-0100", "4155550100"),
        ("415.555.0100", "4155550100"),
        ("+44 20 7946 0958", "2079460958"),
        ("555-01", ""),  # too short to tell companies apart
        (None, ""),
    ],
)
def test_phone_key(phone, key):
    assert matching.phone_key(phone) == key


@pytest.mark.parametrize(
    ("email", "key"),
    [
        ("ap@Acme.com", "acme.com"),
        ("someone@gmail.com", ""),  # free mail says nothing about the company
        ("not-an-email", ""),
        ("", ""),
    ],
)
def test_email_domain_key(email, key):
    assert matching.email_domain_key(email) == key


def test_an_accounts_email_key_is_its_websites_domain():
    keys = matching.account_keys({"Name": "Acme Inc", "Website": "https://acme.com", "Phone": ""})

    assert keys == {NAME: "acme", WEBSITE: "acme.com", PHONE: "", EMAIL: "acme.com"}


ACME = {NAME: "acme", WEBSITE: "acme.com", PHONE: "4155550100", EMAIL: "acme.com"}


@pytest.mark.parametrize(
    ("candidates", "enabled", "expected"),
    [
        ({NAME: ["7"]}, RULES, Match(NAME, ("7",))),
        ({NAME: ["7", "3"]}, RULES, Match(NAME, ("3", "7"))),  # ambiguous, never linked
        ({NAME: ["7", "7"]}, RULES, Match(NAME, ("7",))),  # one customer found twice
        # The first rule with any candidate decides, even if a later one would be unique.
        ({NAME: ["7", "3"], WEBSITE: ["3"]}, RULES, Match(NAME, ("3", "7"))),
        ({WEBSITE: ["3"], PHONE: ["9"]}, RULES, Match(WEBSITE, ("3",))),
        ({NAME: ["7"], WEBSITE: ["3"]}, (WEBSITE,), Match(WEBSITE, ("3",))),  # name switched off
        ({PHONE: ["9"]}, (NAME, WEBSITE), Match()),
        ({}, RULES, Match()),
    ],
)
def test_decide(candidates, enabled, expected):
    match = matching.decide(ACME, candidates, enabled=enabled)

    assert match == expected
    assert match.unique == (expected.candidates[0] if len(expected.candidates) == 1 else "")
    assert match.ambiguous is (len(expected.candidates) > 1)


def test_a_rule_without_a_key_on_the_account_decides_nothing():
    keys = {**ACME, NAME: ""}

    assert matching.decide(keys, {NAME: ["7"], WEBSITE: ["3"]}) == Match(WEBSITE, ("3",))


def test_candidates_among_compares_each_rule_separately():
    customers = [
        ("1", {NAME: "acme", WEBSITE: "", PHONE: "", EMAIL: ""}),
        ("2", {NAME: "other", WEBSITE: "acme.com", PHONE: "", EMAIL: "acme.com"}),
        ("3", {NAME: "", WEBSITE: "", PHONE: "", EMAIL: ""}),
    ]

    assert matching.candidates_among(ACME, customers) == {
        NAME: ["1"],
        WEBSITE: ["2"],
        PHONE: [],
        EMAIL: ["2"],
    }
