"""
The Account in the admin: its page says in words what Salesforce and NetSuite hold, its raw
fields cannot be edited, and the list says when its customer is locked in NetSuite.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.admin import record_admin_url
from accounts.models import Account

from ..factories import AccountFactory, CustomerFactory, LogEntryFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "Name": "Acme",
    "Phone": "+1 415 555 0100",
    "Website": "www.acme.example",
    "BillingStreet": "1 Market Street\nSuite 200",
    "BillingCity": "San Francisco",
    "BillingState": "CA",
    "BillingPostalCode": "94105",
    "BillingCountry": "United States",
    "ShippingStreet": "7 Harbour Road",
    "ShippingCity": "Oakland",
    "NetSuite_Balance__c": 1500.25,
    "NetSuite_Days_Overdue__c": 12,
}


def page_of(client, account: Account) -> str:
    response = client.get(record_admin_url(account))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def text_of(page: str, element_id: str) -> str:
    """An element's text, tags dropped and spaces squeezed."""
    start = page.index(f'id="{element_id}"')
    block = page[start : page.index("</table>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


@pytest.fixture
def linked(field_mappings):
    account = AccountFactory(name="Acme", netsuite_id="501", fields=FIELDS)
    CustomerFactory(
        netsuite_id="501",
        company_name="Acme Inc",
        locked=True,
        balance=Decimal("1500.25"),
        overdue_balance=Decimal("200.50"),
        credit_limit=Decimal("10000"),
        days_overdue=12,
    )
    return account


def test_the_account_page_reads_its_mapped_fields_in_words(admin_client, linked):
    shown = text_of(page_of(admin_client, linked), "sfns-salesforce-record")

    assert "Phone +1 415 555 0100" in shown
    assert "Website www.acme.example" in shown
    assert "Billing address 1 Market Street Suite 200 San Francisco, CA 94105 United States" in (
        shown
    )
    assert "Shipping address 7 Harbour Road Oakland" in shown
    # The fields NetSuite writes back, by the reverse mappings, as figures.
    assert "Balance 1,500.25" in shown and "Days overdue 12" in shown
    assert "Credit limit —" in shown  # not in the record yet


def test_the_website_links_out_but_never_to_a_script(admin_client, field_mappings):
    safe = AccountFactory(fields={"Website": "https://acme.example/shop"})
    unsafe = AccountFactory(fields={"Website": "javascript:alert(1)"})

    assert 'href="https://acme.example/shop"' in page_of(admin_client, safe)
    assert 'href="javascript' not in page_of(admin_client, unsafe)


def test_the_account_page_shows_its_raw_fields_read_only(admin_client, linked):
    page = page_of(admin_client, linked)

    raw = page[page.index('id="sfns-raw-fields"') :]
    assert '"NetSuite_Balance__c": 1500.25' in raw
    assert 'name="fields"' not in page  # no textarea, no input


def test_a_post_cannot_change_the_raw_fields(admin_client, linked):
    response = admin_client.post(
        record_admin_url(linked),
        {"name": "Acme Renamed", "netsuite_id": "501", "fields": '{"Phone": "hacked"}'},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    linked.refresh_from_db()
    assert linked.name == "Acme Renamed"
    assert linked.fields == FIELDS


def test_the_account_page_shows_its_customer_with_the_lock_and_financials(admin_client, linked):
    shown = text_of(page_of(admin_client, linked), "sfns-customer")

    assert "Customer Acme Inc (501)" in shown
    assert "Salesforce lock Locked in NetSuite" in shown
    assert "Balance 1,500.25" in shown and "Overdue balance 200.50" in shown
    assert "Credit limit 10,000.00" in shown and "Days overdue 12" in shown
    assert "Deposit balance —" in shown


def test_an_unlinked_or_unread_customer_is_said_so(admin_client, field_mappings):
    unlinked = AccountFactory(netsuite_id="")
    unread = AccountFactory(netsuite_id="777")

    assert "Not linked to a NetSuite customer yet" in page_of(admin_client, unlinked)
    assert "Linked to NetSuite customer 777, not read from NetSuite yet" in page_of(
        admin_client, unread
    )


def test_the_account_page_lists_its_latest_log_entries_with_their_outcomes(admin_client, linked):
    for n in range(9):
        LogEntryFactory(salesforce_id=linked.salesforce_id, reason=f"older {n}")
    entries = [
        LogEntryFactory(salesforce_id=linked.salesforce_id, outcome=outcome, reason=reason)
        for outcome, reason in [
            ("success", "pushed"),
            ("skipped", "Customer is locked"),
            ("error", "NetSuite said no"),
        ]
    ]
    LogEntryFactory(salesforce_id="001000000009999AAA", reason="another Account's")

    page = page_of(admin_client, linked)
    shown = page[page.index('id="sfns-recent-log"') :]
    rows = shown[: shown.index("</table>")].count("<tr>") - 1  # less the header

    assert rows == 10
    assert "older 1" not in shown and "older 2" in shown  # the latest ten
    assert "another Account's" not in shown
    for entry in entries:
        assert reverse("admin:integration_log_logentry_change", args=[entry.pk]) in shown
    assert "sfns-badge-success" in shown and "✓\xa0Success" in shown
    assert "sfns-badge-warning" in shown and "Skipped" in shown
    assert "sfns-badge-error" in shown and "Error" in shown
    assert f"?q={linked.salesforce_id}" in shown  # every entry of the record, one click away


# -- the list ------------------------------------------------------------------------------------
def test_the_list_says_which_customers_are_locked_in_netsuite(admin_client, field_mappings):
    AccountFactory(name="Locked Co", netsuite_id="601")
    CustomerFactory(netsuite_id="601", locked=True)
    AccountFactory(name="Open Co", netsuite_id="602")
    CustomerFactory(netsuite_id="602", locked=False)
    AccountFactory(name="Unlinked Co", netsuite_id="")
    url = reverse("admin:accounts_account_changelist")

    page = admin_client.get(url).content.decode()
    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", page, re.S)
        for name in ("Locked Co", "Open Co", "Unlinked Co")
        if name in row
    }
    assert "Locked in NetSuite" in rows["Locked Co"]
    assert "Locked in NetSuite" not in rows["Open Co"]
    assert "Linked, never synced" in rows["Open Co"]
    assert "Not linked" in rows["Unlinked Co"]

    locked = admin_client.get(url, {"netsuite_lock": "locked"}).content.decode()
    unlocked = admin_client.get(url, {"netsuite_lock": "unlocked"}).content.decode()
    assert "Locked Co" in locked and "Open Co" not in locked and "Unlinked Co" not in locked
    assert "Open Co" in unlocked and "Locked Co" not in unlocked and "Unlinked Co" not in unlocked


def test_the_list_shows_sync_times_to_the_second(admin_client, field_mappings):
    import datetime as dt

    AccountFactory(
        netsuite_id="603", last_synced_at=dt.datetime(2026, 11, 26, 5, 0, 7, tzinfo=dt.UTC)
    )

    page = admin_client.get(reverse("admin:accounts_account_changelist")).content.decode()

    assert "2026-11-26 05:00:07" in page
