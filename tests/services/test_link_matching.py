"""
Matching at link time: before creating a customer, SFNS links the one customer in NetSuite
that the matching rules find; several are refused, naming them, until an admin chooses one or
a new customer. Against the NetSuite emulator (SuiteQL) over real HTTP, tasks eager.
"""

from __future__ import annotations

import pytest

from integration_log.models import LogEntry
from sync.errors import SyncRefused
from sync.models import SyncJob
from sync.services import link

from ..factories import AccountFactory
from .helpers import customers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handmade(netsuite, field_mappings):
    """The "Handmade Ltd" Account, not linked; NetSuite has customers made by hand."""
    return AccountFactory(
        name="Handmade Ltd",
        fields={
            "Name": "Handmade Ltd",
            "Website": "https://www.handmade.example/",
            "Phone": "+1 (415) 555-0199",
        },
    )


def link_log() -> LogEntry:
    return LogEntry.objects.filter(operation="account_link").latest("id")


def test_a_customer_made_by_hand_is_linked_not_duplicated(handmade, netsuite):
    netsuite.seed(customer=[{"id": "700", "companyName": "HANDMADE LIMITED", "phone": "1"}])

    netsuite_id = link.account_link(account=handmade)

    assert netsuite_id == "700"
    assert list(customers(netsuite)) == ["700"]
    customer = netsuite.record("customer", "700")
    assert customer["externalId"] == handmade.salesforce_id
    assert customer["custentity_sfns_salesforce_id"] == handmade.salesforce_id
    assert customer["companyName"] == "Handmade Ltd"  # then pushed like any linked customer
    assert link_log().reason == "linked to the existing customer, found by company name"


def test_a_customer_is_found_by_website_when_the_names_differ(handmade, netsuite):
    netsuite.seed(
        customer=[{"id": "701", "companyName": "HM Holdings", "url": "http://handmade.example"}]
    )

    assert link.account_link(account=handmade) == "701"
    assert link_log().reason.endswith("found by website domain")


def test_phone_and_email_rules_are_off_until_switched_on(handmade, netsuite, integration_settings):
    netsuite.seed(
        customer=[
            {"id": "702", "companyName": "Somebody", "phone": "415.555.0199"},
            {"id": "703", "companyName": "Someone", "email": "ap@handmade.example"},
        ]
    )
    integration_settings(match_by_name=False, match_by_website=False, match_by_phone=True)

    assert link.account_link(account=handmade) == "702"
    assert link_log().reason.endswith("found by phone")


def test_the_email_domain_rule_matches_the_accounts_website(
    handmade, netsuite, integration_settings
):
    netsuite.seed(
        customer=[{"id": "703", "companyName": "Someone", "email": "ap@handmade.example"}]
    )
    integration_settings(match_by_name=False, match_by_website=False, match_by_email_domain=True)

    assert link.account_link(account=handmade) == "703"


def test_with_every_rule_off_a_new_customer_is_created(handmade, netsuite, integration_settings):
    netsuite.seed(customer=[{"id": "700", "companyName": "Handmade Ltd"}])
    integration_settings(match_by_name=False, match_by_website=False)

    netsuite_id = link.account_link(account=handmade)

    assert netsuite_id != "700"
    assert sorted(customers(netsuite)) == sorted(["700", netsuite_id])


@pytest.mark.parametrize(
    "taken",
    [
        {"externalId": "001000000000777AAA"},  # another Account's customer
        {"custentity_sfns_salesforce_id": "001000000000777"},
        {"externalId": "ERP-1"},  # another system's external id: never overwritten
        {"isInactive": True},
    ],
)
def test_a_customer_that_is_taken_or_inactive_is_not_a_match(handmade, netsuite, taken):
    netsuite.seed(customer=[{"id": "700", "companyName": "Handmade Ltd", **taken}])

    netsuite_id = link.account_link(account=handmade)

    assert netsuite_id != "700"
    assert link_log().reason == "customer created"


def test_a_locked_match_is_linked_but_only_the_link_fields_are_written(handmade, netsuite):
    netsuite.seed(
        customer=[
            {
                "id": "700",
                "companyName": "HANDMADE LIMITED",
                "phone": "1",
                "custentity_sfns_lock_record": True,
            }
        ]
    )

    assert link.account_link(account=handmade) == "700"

    customer = netsuite.record("customer", "700")
    assert customer["externalId"] == handmade.salesforce_id
    assert (customer["companyName"], customer["phone"]) == ("HANDMADE LIMITED", "1")
    assert link_log().reason == (
        "linked to the existing customer (locked: not updated), found by company name"
    )


def test_an_ambiguous_match_is_refused_naming_the_candidates_and_nothing_is_made(
    handmade, netsuite
):
    netsuite.seed(
        customer=[
            {"id": "700", "companyName": "Handmade Ltd"},
            {"id": "710", "companyName": "HANDMADE, Inc."},
        ]
    )

    with pytest.raises(SyncRefused) as refused:
        link.account_link(account=handmade)

    expected = (
        f"Account {handmade.salesforce_id} matches 2 NetSuite customers by company name: "
        "700 (Handmade Ltd), 710 (HANDMADE, Inc.)."
    )
    assert refused.value.message.startswith(expected)
    assert sorted(customers(netsuite)) == ["700", "710"]
    assert all("externalId" not in c for c in customers(netsuite).values())
    handmade.refresh_from_db()
    assert not handmade.is_linked
    assert handmade.last_sync_error.startswith(expected)
    assert link_log().outcome == "error"


def test_an_admin_links_the_customer_chosen_after_an_ambiguous_match(handmade, netsuite):
    netsuite.seed(
        customer=[
            {"id": "700", "companyName": "Handmade Ltd"},
            {"id": "710", "companyName": "HANDMADE, Inc."},
        ]
    )

    job = link.account_request_link_choice(account=handmade, netsuite_id="710")

    assert SyncJob.objects.get(pk=job.pk).status == "done"
    handmade.refresh_from_db()
    assert (handmade.netsuite_id, handmade.link_choice) == ("710", "")
    assert netsuite.record("customer", "710")["externalId"] == handmade.salesforce_id
    assert link_log().reason == "linked to the existing customer, chosen by an admin"


def test_an_admin_creates_a_new_customer_after_an_ambiguous_match(handmade, netsuite):
    netsuite.seed(
        customer=[
            {"id": "700", "companyName": "Handmade Ltd"},
            {"id": "710", "companyName": "HANDMADE, Inc."},
        ]
    )

    link.account_request_link_choice(account=handmade)

    handmade.refresh_from_db()
    assert handmade.netsuite_id not in ("", "700", "710")
    assert len(customers(netsuite)) == 3
    assert link_log().reason == "customer created (chosen over the matching customers)"


@pytest.mark.parametrize(
    ("seeded", "message"),
    [
        ([], "NetSuite has no customer 720"),
        (
            [{"id": "720", "companyName": "X", "externalId": "001000000000777AAA"}],
            "NetSuite customer 720 is already linked to Account 001000000000777AAA",
        ),
    ],
)
def test_a_chosen_customer_that_is_missing_or_taken_is_refused(handmade, netsuite, seeded, message):
    netsuite.seed(customer=seeded)

    link.account_request_link_choice(account=handmade, netsuite_id="720")

    handmade.refresh_from_db()
    assert not handmade.is_linked
    assert handmade.last_sync_error.startswith(message)


def test_a_linked_account_has_nothing_to_choose(netsuite, field_mappings):
    account = AccountFactory(netsuite_id="100")

    with pytest.raises(SyncRefused, match="is already linked to NetSuite customer 100"):
        link.account_request_link_choice(account=account, netsuite_id="700")
