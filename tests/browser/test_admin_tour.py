"""
The admin as a person uses it, in Chromium: log in, find an Account, sync it, read the log
entry, switch Create Only, use the page behind a Salesforce button, open the API docs. The
demo's data (emulators/demo.py) on both emulators over real HTTP; tasks eager. The screenshots
go to docs/screenshots/, which the README shows.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account
from emulators.demo import INITECH, demo_seed
from integration_log.models import Direction, LogEntry, Operation
from integration_log.services import record
from settings.models import IntegrationSettings

pytestmark = pytest.mark.django_db(transaction=True)


REASONS = {
    "success": "phone: +1 512 555 0142 → +1 512 555 0199",
    "skipped": "locked in NetSuite",
    "error": "NetSuite answered 503 UNEXPECTED_ERROR: An unexpected error occurred. (will retry)",
}


@pytest.fixture
def demo(netsuite, salesforce, field_mappings, integration_settings):
    """The demo's Accounts, customers and Opportunity, as `make run` seeds them."""
    demo_seed(salesforce_url=salesforce.url, netsuite_url=netsuite.url, verify=salesforce.verify)
    return netsuite


def test_a_person_logs_in_finds_an_account_and_syncs_it(page, admin_user, demo, screenshot):
    page.goto("/admin/")
    assert page.url.endswith("/admin/login/?next=/admin/")
    assert "SFNS" in page.title() and "Django" not in page.content()
    screenshot("01-login")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "browser-test-password")
    page.click("input[type=submit]")

    page.get_by_role("link", name="Accounts", exact=True).click()
    page.fill("#searchbar", "Initech")
    page.press("#searchbar", "Enter")
    page.click("#result_list >> text=Initech")
    assert f"/admin/accounts/account/{INITECH}/change/" in page.url
    page.click("button:has-text('Sync to NetSuite')")
    expect(page.locator(".messagelist")).to_be_visible()

    initech = Account.objects.get(salesforce_id=INITECH)
    assert initech.is_linked  # the customer was created, and linked
    assert demo.record("customer", initech.netsuite_id)["companyName"] == "Initech"
    page.reload()
    assert page.locator("text=Locked in NetSuite").count() == 0
    screenshot("03-account")

    page.goto("/admin/integration_log/logentry/")
    row = page.locator("#result_list tbody tr").filter(has_text="Initech").first
    assert "Success" in row.inner_text()
    assert re.search(r"\d{2}:\d{2}:\d{2}", row.inner_text())  # times to the second
    screenshot("04-integration-log")
    row.locator("a").first.click()
    expect(page.locator("#content")).to_contain_text("customer created")
    screenshot("05-log-entry")


def test_the_account_list_shows_which_customers_are_locked(logged_in, demo, screenshot):
    logged_in.goto("/admin/accounts/account/")

    globex = logged_in.locator("#result_list tr").filter(has_text="Globex")
    assert "Locked in NetSuite" in globex.inner_text()
    screenshot("02-accounts")


def test_create_only_is_switched_on_in_the_settings(logged_in, demo, screenshot):
    logged_in.goto("/admin/settings/integrationsettings/")
    logged_in.check("#id_create_only")
    screenshot("06-settings")
    logged_in.click("input[name=_save]")

    expect(logged_in.locator(".messagelist .success")).to_be_visible()
    assert IntegrationSettings.load().create_only is True
    assert logged_in.is_checked("#id_create_only")
    change = LogEntry.objects.get(operation="settings_change")
    assert change.diff == {"create_only": [False, True]}
    assert change.reason == "admin changed create_only (admin)"


def test_the_page_behind_update_from_netsuite_confirms_then_shows_the_outcome(
    logged_in, demo, screenshot
):
    acme = Account.objects.get(name="Acme Corporation")
    demo.edit(type="customer", id=acme.netsuite_id, fields={"balance": 4321.5})
    logged_in.goto(f"/actions/accounts/{acme.salesforce_id[:15]}/update-from-netsuite/")
    assert "Update from NetSuite" in logged_in.content()
    logged_in.click("#content-main input[type=submit]")

    expect(logged_in.locator("#outcome")).not_to_contain_text("Working on it")
    screenshot("07-action-page")
    acme.refresh_from_db()
    assert acme.fields["NetSuite_Balance__c"] == 4321.5
    assert LogEntry.objects.filter(operation="account_update_from_netsuite").exists()


def test_the_dashboard_draws_syncs_per_hour(logged_in, demo, screenshot):
    """A day of the log: each hour a few pushes, some skipped (locked), an error now and then."""
    now = timezone.now()
    for hours_ago in range(24):
        outcomes = ["success"] * (3 + hours_ago % 5) + ["skipped"] * (hours_ago % 3)
        outcomes += ["error"] * (hours_ago % 7 == 2)
        for outcome in outcomes:
            entry = record(
                operation=Operation.ACCOUNT_PUSH,
                direction=Direction.TO_NETSUITE,
                outcome=outcome,
                salesforce_id=INITECH,
                reason=REASONS[outcome],
            )
            moment = now - dt.timedelta(hours=hours_ago, minutes=5)
            LogEntry.objects.filter(pk=entry.pk).update(created_at=moment)

    logged_in.goto("/admin/")
    logged_in.click("text=Dashboard")

    chart = logged_in.locator("#sfns-chart svg")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    hours = [title.text_content() for title in chart.locator("g.sfns-bar > title").all()]
    drawn = [hour for hour in hours if re.search(r"[1-9]\d* success", hour)]
    assert len(drawn) >= 23, hours  # every hour of the day (the oldest may fall before the window)
    assert any("1 error" in hour for hour in hours)
    assert chart.locator("g.sfns-bar rect:not(.sfns-hover)").count() > 24  # stacked
    screenshot("08-dashboard", full_page=True)


def test_the_api_docs_open(logged_in, screenshot):
    logged_in.goto("/api/docs/")

    logged_in.wait_for_selector("text=/api/accounts/")
    screenshot("09-api-docs")
