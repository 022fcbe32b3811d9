"""accounts.services: Salesforce dates, and Account/Opportunity versions applied to the mirrors."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from accounts.models import Account, Opportunity
from accounts.services import (
    account_upsert_from_salesforce,
    opportunity_upsert_from_salesforce,
    parse_salesforce_datetime,
)

ACME = "001000000000001AAA"
CHILD = "001000000000002AAA"
DEAL = "006000000000001AAA"


def stamp(minute: int) -> str:
    return f"2026-09-01T10:{minute:02d}:00.000Z"


# ============================================================================================
# Dates
# ============================================================================================
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-01T10:00:00.000Z", dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)),  # SOAP
        ("2026-09-01T10:00:00.000+0000", dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)),  # REST
        ("2026-09-01T10:00:00.000-0000", dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)),
        ("2026-09-01T10:00:00Z", dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)),
        ("2026-09-01T10:00:00.123Z", dt.datetime(2026, 9, 1, 10, 0, 0, 123000, tzinfo=dt.UTC)),
        ("2026-09-01T12:00:00.000+02:00", dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)),
        ("2026-09-01T10:00:00", dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)),  # naive is UTC
        (" 2026-09-01T10:00:00.000Z ", dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)),
        (None, None),
        ("", None),
        (1767261600, None),  # not text: not a date Salesforce sends
    ],
)
def test_parse_salesforce_datetime(text, expected):
    parsed = parse_salesforce_datetime(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    "text", ["soon", "01/09/2026 10:00", "2026-13-01T10:00:00Z", "2026-09-01T25:00Z", "T"]
)
def test_parse_salesforce_datetime_refuses_other_text(text):
    with pytest.raises(ValueError, match=r"^not a Salesforce date-time: "):
        parse_salesforce_datetime(text)


# ============================================================================================
# Accounts
# ============================================================================================
@pytest.mark.django_db
def test_older_or_equal_versions_never_overwrite_a_newer_one():
    versions = [
        {
            "Id": ACME,
            "Name": f"Acme v{minute}",
            "Phone": f"+1 555 01{minute:02d}",
            "SystemModstamp": stamp(minute),
        }
        for minute in range(20)
    ]
    shuffled = random.Random(20260901).sample(versions, k=len(versions))
    assert shuffled != versions  # the seed really shuffles

    newest_so_far = -1
    for version in shuffled:
        minute = int(version["Name"].removeprefix("Acme v"))
        _, applied = account_upsert_from_salesforce(fields=version)
        assert applied is (minute > newest_so_far), version
        newest_so_far = max(newest_so_far, minute)
    # Redelivered, the newest is not newer than itself; an equal stamp with other values neither.
    assert account_upsert_from_salesforce(fields=versions[-1])[1] is False
    assert account_upsert_from_salesforce(fields={**versions[-1], "Name": "Same stamp"})[1] is False

    account = Account.objects.get(salesforce_id=ACME)
    assert account.name == "Acme v19"
    assert account.fields["Phone"] == "+1 555 0119"
    assert account.fields["SystemModstamp"] == stamp(19)
    assert account.last_modified == dt.datetime(2026, 9, 1, 10, 19, tzinfo=dt.UTC)
    assert Account.objects.count() == 1


@pytest.mark.django_db
def test_last_modified_date_is_the_version_when_there_is_no_system_modstamp():
    account_upsert_from_salesforce(fields={"Id": ACME, "Name": "New", "LastModifiedDate": stamp(5)})
    _, applied = account_upsert_from_salesforce(
        fields={"Id": ACME, "Name": "Old", "LastModifiedDate": stamp(4)}
    )
    assert applied is False
    assert Account.objects.get(salesforce_id=ACME).name == "New"


@pytest.mark.django_db
def test_partial_field_sets_merge_into_the_fields_held():
    account_upsert_from_salesforce(
        fields={"Id": ACME, "Name": "Acme", "Phone": "1", "SystemModstamp": stamp(1)}
    )
    account, applied = account_upsert_from_salesforce(
        fields={"Id": ACME, "Website": "https://acme.example", "SystemModstamp": stamp(2)}
    )

    assert applied is True
    account.refresh_from_db()
    assert account.name == "Acme"  # a message without Name keeps the name
    assert account.fields == {
        "Id": ACME,
        "Name": "Acme",
        "Phone": "1",
        "Website": "https://acme.example",
        "SystemModstamp": stamp(2),
    }


@pytest.mark.django_db
def test_a_new_account_without_a_name_is_named_by_its_id():
    account, applied = account_upsert_from_salesforce(fields={"Id": ACME})
    assert applied is True
    assert account.name == ACME
    assert account.last_modified is None


@pytest.mark.django_db
def test_parent_id_sets_and_clears_the_parent():
    parent, _ = account_upsert_from_salesforce(fields={"Id": ACME, "Name": "Acme Group"})
    child, _ = account_upsert_from_salesforce(
        fields={"Id": CHILD, "Name": "Acme EU", "ParentId": ACME, "SystemModstamp": stamp(1)}
    )
    assert Account.objects.get(salesforce_id=CHILD).parent == parent
    assert list(parent.children.all()) == [child]

    # A message without ParentId leaves the parent alone; ParentId null removes it.
    account_upsert_from_salesforce(fields={"Id": CHILD, "Phone": "2", "SystemModstamp": stamp(2)})
    assert Account.objects.get(salesforce_id=CHILD).parent == parent
    account_upsert_from_salesforce(
        fields={"Id": CHILD, "ParentId": None, "SystemModstamp": stamp(3)}
    )
    assert Account.objects.get(salesforce_id=CHILD).parent is None


@pytest.mark.django_db
def test_a_child_that_arrives_before_its_parent_is_attached_when_the_parent_arrives():
    account_upsert_from_salesforce(
        fields={"Id": CHILD, "Name": "Acme EU", "ParentId": ACME, "SystemModstamp": stamp(1)}
    )
    assert Account.objects.get(salesforce_id=CHILD).parent is None  # nothing to point at yet

    parent, _ = account_upsert_from_salesforce(fields={"Id": ACME, "Name": "Acme Group"})

    assert Account.objects.get(salesforce_id=CHILD).parent == parent


# ============================================================================================
# Opportunities
# ============================================================================================
def deal(minute: int, **fields) -> dict:
    return {"Id": DEAL, "AccountId": ACME, "SystemModstamp": stamp(minute), **fields}


@pytest.mark.django_db
def test_opportunity_for_an_unknown_account_creates_a_placeholder_account():
    opportunity, applied, won_now = opportunity_upsert_from_salesforce(
        fields=deal(1, Name="Big deal", StageName="Prospecting", Amount="1000.50")
    )

    assert (applied, won_now) == (True, False)
    placeholder = Account.objects.get(salesforce_id=ACME)
    assert placeholder.name == ACME  # filled in when the Account arrives (or is read)
    assert placeholder.last_modified is None
    opportunity.refresh_from_db()
    assert opportunity.account == placeholder
    assert (opportunity.name, opportunity.stage) == ("Big deal", "Prospecting")
    assert opportunity.amount == Decimal("1000.50")

    # The Account's own message later fills the placeholder in.
    account_upsert_from_salesforce(fields={"Id": ACME, "Name": "Acme", "SystemModstamp": stamp(2)})
    assert Account.objects.get().name == "Acme"


@pytest.mark.django_db
def test_won_now_only_on_the_transition_to_closed_won():
    steps = [
        (deal(1, Name="Deal", StageName="Prospecting"), True, False),
        (deal(2, StageName="Negotiation/Review"), True, False),
        (deal(3, StageName="Closed Won"), True, True),
        (deal(4, Amount="500"), True, False),  # still won, not newly won
        (deal(3, StageName="Closed Won"), False, False),  # a redelivery
        (deal(2, StageName="Negotiation/Review"), False, False),  # stale: stays won
        (deal(5, StageName="Closed Lost"), True, False),
        (deal(6, StageName="Closed Won"), True, True),  # won again after being lost
    ]
    for fields, applied, won_now in steps:
        _, was_applied, was_won_now = opportunity_upsert_from_salesforce(fields=fields)
        assert (was_applied, was_won_now) == (applied, won_now), fields

    opportunity = Opportunity.objects.get(salesforce_id=DEAL)
    assert opportunity.stage == "Closed Won"
    assert opportunity.amount == Decimal("500")


@pytest.mark.django_db
def test_an_opportunity_created_as_closed_won_is_won_now():
    _, applied, won_now = opportunity_upsert_from_salesforce(
        fields=deal(1, Name="Deal", StageName="Closed Won")
    )
    assert (applied, won_now) == (True, True)


@pytest.mark.django_db
def test_an_opportunity_moves_to_another_account():
    opportunity_upsert_from_salesforce(fields=deal(1, Name="Deal"))
    opportunity_upsert_from_salesforce(fields=deal(2, AccountId=CHILD))
    assert Opportunity.objects.get().account.salesforce_id == CHILD


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["a lot", "1,000.00", "$100"])
def test_non_numeric_amount_is_refused_and_nothing_is_written(amount):
    with pytest.raises(ValueError, match="not a number"):
        opportunity_upsert_from_salesforce(fields=deal(1, Name="Deal", Amount=amount))

    assert not Opportunity.objects.exists()
    assert not Account.objects.exists()  # the placeholder went with the rest


@pytest.mark.django_db
def test_non_numeric_amount_leaves_the_held_version_alone():
    opportunity_upsert_from_salesforce(fields=deal(1, Name="Deal", Amount="10"))
    with pytest.raises(ValueError):
        opportunity_upsert_from_salesforce(fields=deal(2, Name="Renamed", Amount="ten"))

    opportunity = Opportunity.objects.get()
    assert (opportunity.name, opportunity.amount) == ("Deal", Decimal("10"))
    assert opportunity.last_modified == dt.datetime(2026, 9, 1, 10, 1, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_an_empty_amount_clears_it():
    opportunity_upsert_from_salesforce(fields=deal(1, Name="Deal", Amount="10"))
    opportunity_upsert_from_salesforce(fields=deal(2, Amount=None))
    assert Opportunity.objects.get().amount is None


@pytest.mark.django_db
def test_a_new_opportunity_without_an_account_is_refused():
    with pytest.raises(ValueError, match="has no AccountId"):
        opportunity_upsert_from_salesforce(fields={"Id": DEAL, "Name": "Orphan"})
    assert not Opportunity.objects.exists()
