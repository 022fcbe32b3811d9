"""Which Salesforce editions get Update from NetSuite and the NetSuite Sync field; its text."""

from __future__ import annotations

import pytest

from settings.models import SalesforceEdition
from sync import rules


@pytest.mark.parametrize(
    ("edition", "qualifies"),
    [
        ("Enterprise Edition", True),
        ("Unlimited Edition", True),
        ("Performance Edition", True),
        ("Developer Edition", True),
        ("Professional Edition", False),
        ("Essentials Edition", False),
        ("", False),  # not known yet: refuse rather than guess
        ("Team Edition", False),
        ("Personal Edition", False),
        ("enterprise edition", False),  # Organization.OrganizationType is spelled exactly
        ("Enterprise", False),
    ],
)
def test_edition_supports_api_features(edition, qualifies):
    assert rules.edition_supports_api_features(edition) is qualifies


def test_every_edition_an_admin_can_choose_is_decided_as_documented():
    decided = {
        choice.label: rules.edition_supports_api_features(choice.value)
        for choice in SalesforceEdition
    }
    assert decided == {
        "Detect from Salesforce": False,
        "Essentials": False,
        "Professional": False,
        "Enterprise": True,
        "Unlimited": True,
        "Performance": True,
        "Developer": True,
    }


@pytest.mark.parametrize(
    ("synced_at_iso", "error", "expected"),
    [
        ("2026-09-01T10:00:00+00:00", "", "2026-09-01T10:00:00+00:00"),
        (None, "", ""),
        (None, "INVALID_FLD: bad phone", "Error: INVALID_FLD: bad phone"),
        # an error wins over an older success: the field shows what went wrong last
        ("2026-09-01T10:00:00+00:00", "timeout", "Error: timeout"),
    ],
)
def test_status_text(synced_at_iso, error, expected):
    assert rules.status_text(synced_at_iso=synced_at_iso, error=error) == expected


def test_status_text_fits_the_salesforce_field():
    text = rules.status_text(synced_at_iso=None, error="x" * 1000)
    assert len(text) == 255
    assert text.startswith("Error: xxx")
    assert rules.status_text(synced_at_iso=None, error="abcdef", limit=10) == "Error: abc"
