"""
The pages behind the Salesforce buttons, end to end: GET says what will happen, a POST
confirms, the outcome page shows the NetSuite id or the error with a link back to Salesforce.
Against both emulators over real HTTP, tasks eager (the job has finished when the POST answers).
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import Opportunity
from sync.models import JobKind, SyncJob

from .factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db(transaction=True)

FINANCIALS = {"balance": 1500.25, "overdueBalance": 200.5, "creditLimit": 10000}


@pytest.fixture
def user(django_user_model):
    """A staff user with the buttons' permissions (the API's for the same work)."""
    user = django_user_model.objects.create_user("sales-ops", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="sync",
            codename__in=["update_account_from_netsuite", "create_quote", "sync_sales_order"],
        )
    )
    return user


@pytest.fixture
def browser(user):
    """A logged-in browser that checks CSRF tokens, as a real one would be checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def confirm(browser, url: str):
    """Submit the page's confirmation form, CSRF token included; follow to the outcome."""
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    return browser.post(url, {"csrfmiddlewaretoken": token}, follow=True)


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@pytest.fixture
def deal(salesforce, netsuite, field_mappings):
    """An Opportunity of an unlinked Account, both in Salesforce and mirrored in SFNS."""
    [account_id] = salesforce.seed_accounts({"Name": "Globex", "Phone": "+1 212 555 0199"})
    account = AccountFactory(salesforce_id=account_id, name="Globex")
    return OpportunityFactory(account=account, name="Globex deal", amount=Decimal("1234.50"))


def test_create_quote_from_a_15_character_id_shows_confirms_and_shows_the_estimate(
    browser, deal, netsuite, salesforce
):
    url = f"/actions/opportunities/{deal.salesforce_id[:15]}/quote/"

    page = browser.get(url)

    assert page.status_code == 200
    assert "Creates a NetSuite estimate for Opportunity Globex deal (1,234.50)." in text(page)
    assert "Account Globex is not linked to NetSuite yet" in text(page)
    assert not SyncJob.objects.exists()  # a GET changes nothing

    outcome = confirm(browser, url)

    deal.refresh_from_db()
    deal.account.refresh_from_db()
    assert outcome.redirect_chain[-1][0].startswith("/actions/jobs/")
    assert (
        f"NetSuite estimate {deal.netsuite_estimate_id} is ready, for customer "
        f"{deal.account.netsuite_id} (Globex)." in text(outcome)
    )
    assert netsuite.record("estimate", deal.netsuite_estimate_id)["entity"] == {
        "id": deal.account.netsuite_id
    }
    assert f'href="{salesforce.url}/{deal.salesforce_id}"' in text(outcome)
    assert 'http-equiv="refresh"' not in text(outcome)  # finished: the page stops reloading


def test_an_opportunity_not_in_sfns_yet_is_read_from_salesforce(
    browser, salesforce, netsuite, field_mappings
):
    [account_id] = salesforce.seed_accounts({"Name": "Initech"})
    [opportunity_id] = salesforce.seed_ids(
        Opportunity=[
            {
                "Name": "Initech deal",
                "AccountId": account_id,
                "StageName": "Prospecting",
                "CloseDate": "2026-12-31",
                "Amount": 99,
            }
        ]
    )["Opportunity"]

    page = browser.get(f"/actions/opportunities/{opportunity_id}/quote/")

    assert page.status_code == 200
    assert "Creates a NetSuite estimate for Opportunity Initech deal (99.00)." in text(page)
    assert Opportunity.objects.get(salesforce_id=opportunity_id).account.salesforce_id == (
        account_id
    )


def test_update_from_netsuite_shows_confirms_and_shows_the_figures(
    browser, salesforce, netsuite, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Enterprise Edition")
    [account_id] = salesforce.seed_accounts({"Name": "Acme"})
    netsuite.seed(customer=[{"id": "200", "companyName": "Acme", **FINANCIALS}])
    AccountFactory(salesforce_id=account_id, name="Acme", netsuite_id="200")
    url = f"/actions/accounts/{account_id}/update-from-netsuite/"

    page = browser.get(url)
    assert "Reads NetSuite customer 200 and writes its balance" in text(page)

    outcome = confirm(browser, url)

    assert "Account Acme now holds NetSuite customer 200's figures." in text(outcome)
    assert salesforce.account(account_id)["NetSuite_Balance__c"] == 1500.25


def test_below_enterprise_update_from_netsuite_says_why_and_cannot_be_posted(
    browser, user, salesforce, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Professional Edition")
    account = AccountFactory(netsuite_id="200")
    url = f"/actions/accounts/{account.salesforce_id}/update-from-netsuite/"

    page = browser.get(url)
    poster = Client()  # a POST made without the page (no CSRF check): still refused
    poster.force_login(user)
    refused = poster.post(url)

    assert page.status_code == 200
    assert (
        "Update from NetSuite is not available: Update from NetSuite needs Salesforce "
        "Enterprise Edition or higher; this org is Professional Edition." in text(page)
    )
    assert 'value="Update from NetSuite"' not in text(page)  # no confirmation to give
    assert refused.status_code == 409
    assert "this org is Professional Edition" in text(refused)
    assert not SyncJob.objects.filter(kind=JobKind.ACCOUNT_UPDATE_FROM_NETSUITE).exists()


def test_sync_as_sales_order_shows_confirms_and_shows_the_sales_order(
    browser, deal, netsuite, salesforce
):
    url = f"/actions/opportunities/{deal.salesforce_id[:15]}/sales-order/"

    page = browser.get(url)
    assert "Creates a NetSuite sales order for Opportunity Globex deal (1,234.50)." in text(page)

    outcome = confirm(browser, url)

    deal.refresh_from_db()
    deal.account.refresh_from_db()
    order = netsuite.record("salesOrder", deal.netsuite_sales_order_id)
    assert order["entity"] == {"id": deal.account.netsuite_id}
    assert (
        f"NetSuite sales order {deal.netsuite_sales_order_id} is ready, for customer "
        f"{deal.account.netsuite_id} (Globex)." in text(outcome)
    )
    assert f'href="{salesforce.url}/{deal.salesforce_id}"' in text(outcome)


def test_a_sales_order_refusal_is_shown_before_anything_is_sent(
    browser, deal, integration_settings
):
    integration_settings(sync_account_on_sales_order=False)

    page = browser.get(f"/actions/opportunities/{deal.salesforce_id}/sales-order/")

    assert "Sync as Sales Order is not available:" in text(page)
    assert "'Sync Account on Sales Order' is off" in text(page)
    assert not SyncJob.objects.exists()


def test_a_failed_job_shows_the_error_in_plain_words_and_offers_to_try_again(
    browser, deal, netsuite
):
    netsuite.seed(customer=[{"id": "300", "companyName": "Globex"}])
    deal.account.netsuite_id = "300"
    deal.account.save()
    netsuite.faults(fail_rate=1.0)
    try:
        outcome = confirm(browser, f"/actions/opportunities/{deal.salesforce_id}/quote/")
    finally:
        netsuite.faults(fail_rate=0.0)

    job = SyncJob.objects.get(kind=JobKind.OPPORTUNITY_QUOTE)
    assert job.status == "pending"  # a 503 is retried: the page says so and keeps reloading
    assert f"attempt 1 of {job.max_attempts} did not go through" in text(outcome)
    assert 'http-equiv="refresh"' in text(outcome)

    SyncJob.objects.filter(pk=job.pk).update(status="failed", last_error="NetSuite said no")
    failed = browser.get(f"/actions/jobs/{job.pk}/")

    assert "Create Quote failed: NetSuite said no" in text(failed)
    assert f'action="/actions/opportunities/{deal.salesforce_id}/quote/"' in text(failed)


def test_anonymous_users_are_sent_to_log_in_first(deal):
    url = f"/actions/opportunities/{deal.salesforce_id[:15]}/quote/"

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/actions/opportunities/")


def test_staff_without_the_permission_are_refused_and_nothing_is_queued(deal, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    # Changing Opportunities is not enough: Create Quote has its own permission.
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_opportunity", "change_opportunity"])
    )
    client = Client()
    client.force_login(user)
    url = f"/actions/opportunities/{deal.salesforce_id}/quote/"

    page, posted = client.get(url), client.post(url)

    assert (page.status_code, posted.status_code) == (403, 403)
    assert "needs a staff login with the permission sync.create_quote" in text(page)
    assert not SyncJob.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(browser, deal):
    response = browser.post(f"/actions/opportunities/{deal.salesforce_id}/quote/")

    assert response.status_code == 403
    assert not SyncJob.objects.exists()


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("opportunities/not-an-id/quote/", 400, "is not a Salesforce id"),
        # "E" marks the third character upper case, but it is a digit: no id has this suffix.
        ("opportunities/006000000000999EAA/quote/", 400, "are not the checksum of the first 15"),
        ("opportunities/006000000000999AAA/quote/", 404, "Salesforce has no Opportunity"),
        ("opportunities/006000000000999AAA/invoice/", 404, ""),
    ],
)
def test_bad_ids_and_unknown_records_get_a_clear_error(
    browser, salesforce, netsuite, path, status, message
):
    response = browser.get(f"/actions/{path}")

    assert response.status_code == status
    assert message in text(response)
    assert not SyncJob.objects.exists()
