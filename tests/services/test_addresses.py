"""
Addresses: the billing and shipping addresses as the default billing and shipping lines of the
customer's address book, streets split over three lines, countries as NetSuite's ids, and only
SFNS's own lines touched. Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

import pytest

from accounts.models import Account
from integration_log.models import LogEntry
from sync.services import link

from ..factories import AccountFactory
from .helpers import only_log

pytestmark = pytest.mark.django_db(transaction=True)

BILLING = {
    "BillingStreet": "1 Main St\nSuite 400\nBuilding B\nFloor 3",
    "BillingCity": "Springfield",
    "BillingPostalCode": "12345",
    "BillingCountry": "United States",
}
SHIPPING = {
    "ShippingStreet": "9 Dock Rd",
    "ShippingCity": "Portland",
    "ShippingState": "OR",
    "ShippingCountry": "de",
}
BY_HAND = {"addressBookAddress": {"addr1": "7 Hand Ln", "city": "Salem"}, "label": "Warehouse"}


def _lines(netsuite, netsuite_id="100"):
    return netsuite.record("customer", netsuite_id).get("addressBook", {}).get("items", [])


def _edit(account: Account, **fields) -> None:
    """A change from Salesforce to the Account as SFNS holds it now (its last push included)."""
    account.refresh_from_db()
    account.fields = {**account.fields, **fields}
    account.save()


def test_billing_and_shipping_become_the_default_lines_street_split_country_as_an_id(
    linked, netsuite
):
    _edit(linked, **BILLING, **SHIPPING)

    billing, shipping = _lines(netsuite)
    assert billing["defaultBilling"] is True
    assert billing["addressBookAddress"] == {
        "addr1": "1 Main St",
        "addr2": "Suite 400",
        "addr3": "Building B, Floor 3",  # the lines left over join the last
        "city": "Springfield",
        "zip": "12345",
        "country": {"id": "US"},
    }
    assert shipping["defaultShipping"] is True
    assert shipping["addressBookAddress"] == {
        "addr1": "9 Dock Rd",
        "city": "Portland",
        "state": "OR",
        "country": {"id": "DE"},
    }


def test_a_push_updates_sfns_lines_in_place_and_leaves_a_line_added_by_hand(linked, netsuite):
    _edit(linked, **BILLING, **SHIPPING)
    ids = [line["id"] for line in _lines(netsuite)]
    netsuite.edit(id="100", fields={"addressBook": {"items": [BY_HAND]}})  # a NetSuite user
    hand_id = _lines(netsuite)[2]["id"]

    _edit(linked, BillingStreet="2 Main St", ShippingCity="Eugene")

    lines = _lines(netsuite)
    assert [line["id"] for line in lines] == [*ids, hand_id]
    assert lines[0]["addressBookAddress"]["addr1"] == "2 Main St"
    assert "addr2" not in lines[0]["addressBookAddress"]
    assert lines[1]["addressBookAddress"]["city"] == "Eugene"
    assert {k: lines[2][k] for k in BY_HAND} == BY_HAND
    linked.refresh_from_db()
    assert [line["id"] for line in linked.pushed_payload["addressBook"]["items"]] == ids


def test_an_address_cleared_in_salesforce_leaves_netsuite_and_the_rest_stays(linked, netsuite):
    _edit(linked, **BILLING, **SHIPPING)
    billing_id = _lines(netsuite)[0]["id"]
    netsuite.edit(id="100", fields={"addressBook": {"items": [BY_HAND]}})  # a NetSuite user

    _edit(linked, **dict.fromkeys(SHIPPING))

    lines = _lines(netsuite)
    assert [line.get("label") for line in lines] == ["1 Main St", "Warehouse"]
    assert lines[0]["id"] == billing_id
    pushes = LogEntry.objects.filter(operation="account_push")
    assert [entry.outcome for entry in pushes] == ["success", "success"]


def test_a_country_netsuite_does_not_know_fails_the_push_naming_it(linked, netsuite):
    _edit(linked, **{**BILLING, "BillingCountry": "Atlantis"})

    entry = only_log("account_push")
    assert entry.outcome == "error"
    assert "'Atlantis' is not a country NetSuite knows" in entry.reason
    assert _lines(netsuite) == []
    linked.refresh_from_db()
    assert "Atlantis" in linked.last_sync_error


def test_a_new_customer_gets_the_lines_and_the_next_push_does_not_add_them_again(
    netsuite, field_mappings
):
    account = AccountFactory(name="Globex", fields={"Name": "Globex", **BILLING, **SHIPPING})

    netsuite_id = link.account_link(account=account)
    account.refresh_from_db()
    _edit(account, ShippingCity="Eugene")

    lines = _lines(netsuite, netsuite_id)
    assert len(lines) == 2
    assert lines[1]["addressBookAddress"]["city"] == "Eugene"


def test_linking_an_existing_customer_takes_over_its_default_line_and_keeps_the_others(
    netsuite, field_mappings
):
    account = AccountFactory(name="Umbrella", fields={"Name": "Umbrella", **BILLING})
    head_office = {
        "addressBookAddress": {"addr1": "1 Old Rd"},
        "defaultBilling": True,
        "defaultShipping": True,
    }
    netsuite.seed(
        customer=[
            {
                "id": "300",
                "companyName": "Umbrella (old)",
                "externalId": account.salesforce_id,
                "addressBook": {"items": [head_office, BY_HAND]},
            }
        ]
    )
    office_id, hand_id = (line["id"] for line in _lines(netsuite, "300"))

    link.account_link(account=account)

    ours, hand = _lines(netsuite, "300")
    assert (ours["id"], hand["id"]) == (office_id, hand_id)  # no second copy of an address
    assert ours["addressBookAddress"]["addr1"] == "1 Main St"
    assert ours["defaultBilling"] is ours["defaultShipping"] is True
    assert {k: hand[k] for k in BY_HAND} == BY_HAND
    account.refresh_from_db()
    assert account.pushed_payload["addressBook"]["items"][0]["id"] == office_id


def test_the_first_push_to_a_linked_customer_takes_over_its_default_billing_line(linked, netsuite):
    netsuite.edit(
        id="100", fields={"addressBook": {"items": [{**BY_HAND, "defaultBilling": True}]}}
    )
    (held,) = _lines(netsuite)

    _edit(linked, **BILLING)

    (line,) = _lines(netsuite)
    assert line["id"] == held["id"]
    assert line["addressBookAddress"]["addr1"] == "1 Main St"


def test_an_address_book_an_admin_mapped_is_left_to_them_by_the_migration(db):
    from importlib import import_module

    from django.apps import apps

    from sync.models import FieldMapping

    FieldMapping.objects.all().delete()
    import_module("sync.migrations.0002_default_field_mappings").add_defaults(apps, None)
    FieldMapping.objects.filter(target__endswith=".country").update(
        transform="lookup", argument={"United States": "US", "*": "GB"}
    )
    before = set(FieldMapping.objects.values_list("source", "target", "transform"))

    import_module("sync.migrations.0007_address_lines").add_addresses(apps, None)

    assert set(FieldMapping.objects.values_list("source", "target", "transform")) == before


@pytest.mark.parametrize("reread", [True, False], ids=["lock re-read", "mirror"])
def test_a_line_a_netsuite_user_deleted_is_sent_anew_once(
    linked, netsuite, integration_settings, reread
):
    integration_settings(check_lock_before_push=reread)
    _edit(linked, **BILLING)
    (ours,) = _lines(netsuite)
    record = netsuite.record("customer", "100")
    netsuite.seed(customer=[{**record, "id": "100", "addressBook": {"items": [BY_HAND]}}])

    _edit(linked, BillingCity="Ely")
    _edit(linked, BillingCity="Diss")
    _edit(linked, Phone="+1 555 0199")  # lines unchanged: not sent at all

    hand, new = _lines(netsuite)
    assert hand["label"] == "Warehouse"
    assert new["id"] != ours["id"]
    assert new["addressBookAddress"]["city"] == "Diss"
    linked.refresh_from_db()
    assert linked.pushed_payload["addressBook"]["items"][0]["id"] == new["id"]
