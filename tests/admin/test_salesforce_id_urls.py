"""
The admin's records at their Salesforce ids, 15 or 18 characters, as in the API and the
webhooks; an old numeric URL redirects there, and the admin's own links use the ids.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminHistory
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.ids import salesforce_id_18
from accounts.models import Account, Contact

from ..factories import AccountFactory, LogEntryFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

ID_15 = "001Hs00000aBcDe"
ID_18 = salesforce_id_18(ID_15)


@pytest.fixture
def account(field_mappings) -> Account:
    return AccountFactory(salesforce_id=ID_18, name="Acme")


def test_the_salesforce_id_urls_are_the_admins(account):
    assert reverse("admin:accounts_account_change", args=[ID_18]) == (
        f"/admin/accounts/account/{ID_18}/change/"
    )


@pytest.mark.parametrize("salesforce_id", [ID_18, ID_15, ID_18.lower()])
def test_an_account_answers_at_its_salesforce_id_in_either_form(
    admin_client, account, salesforce_id
):
    response = admin_client.get(f"/admin/accounts/account/{salesforce_id}/change/")

    assert response.status_code == 200
    assert response.context["original"] == account


def test_an_opportunity_and_a_contact_answer_at_their_salesforce_ids(admin_client, account):
    opportunity = OpportunityFactory(account=account)
    contact = Contact.objects.create(
        salesforce_id=salesforce_id_18("003Hs00000aBcDe"), account=account, name="Ada"
    )

    for record, url in (
        (opportunity, f"/admin/accounts/opportunity/{opportunity.salesforce_id[:15]}/change/"),
        (contact, "/admin/accounts/contact/003Hs00000aBcDe/change/"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert response.context["original"] == record


def test_an_old_numeric_url_redirects_to_the_salesforce_id(admin_client, account):
    for view in ("change", "history", "delete"):
        response = admin_client.get(
            f"/admin/accounts/account/{account.pk}/{view}/?_changelist_filters=q%3Dx"
        )

        assert response.status_code == 302, view
        assert response["Location"] == (
            f"/admin/accounts/account/{ID_18}/{view}/?_changelist_filters=q%3Dx"
        )


def test_an_unknown_id_is_not_found_not_an_error(admin_client, account):
    for object_id in ("001Hs00000zzzzz", "999999", "not-an-id"):
        response = admin_client.get(f"/admin/accounts/account/{object_id}/change/", follow=True)

        assert response.status_code == 200, object_id
        assert "doesn\u2019t exist" in response.content.decode(), object_id


def test_the_list_links_each_record_at_its_salesforce_id(admin_client, account):
    page = admin_client.get(reverse("admin:accounts_account_changelist")).content.decode()

    assert f'href="/admin/accounts/account/{ID_18}/change/"' in page
    assert f'href="/admin/accounts/account/{account.pk}/change/"' not in page


def test_the_history_of_a_record_is_found_at_its_salesforce_id(admin_client, account, admin_user):
    AdminHistory.objects.log_actions(
        user_id=admin_user.pk,
        queryset=[account],
        action_flag=CHANGE,
        change_message="Renamed by hand",
    )
    assert ContentType.objects.get_for_model(Account)

    page = admin_client.get(f"/admin/accounts/account/{ID_15}/history/").content.decode()

    assert "Renamed by hand" in page


def test_saving_an_account_continues_at_its_salesforce_id(admin_client, account):
    response = admin_client.post(
        f"/admin/accounts/account/{ID_15}/change/",
        {"name": "Acme Renamed", "netsuite_id": "", "_continue": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/admin/accounts/account/{ID_15}/change/"
    account.refresh_from_db()
    assert account.name == "Acme Renamed"


def test_adding_an_account_continues_at_its_salesforce_id(admin_client, field_mappings):
    new_id = salesforce_id_18("001Hs00000NewCo")
    response = admin_client.post(
        reverse("admin:accounts_account_add"),
        {"name": "New Co", "salesforce_id": new_id, "netsuite_id": "", "_continue": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/admin/accounts/account/{new_id}/change/"


def test_the_buttons_answer_at_the_salesforce_id(admin_client, account):
    page = admin_client.get(f"/admin/accounts/account/{ID_18}/change/").content.decode()

    for name in ("sync-to-netsuite", "update-from-netsuite", "preview"):
        assert f"/admin/accounts/account/{ID_18}/{name}/" in page
    assert f'href="/admin/accounts/account/{ID_18}/history/"' in page
    preview = admin_client.get(f"/admin/accounts/account/{ID_15}/preview/")
    assert preview.status_code == 200
    assert f'href="/admin/accounts/account/{ID_18}/change/"' in preview.content.decode()
    unknown = admin_client.post("/admin/accounts/account/001Hs00000zzzzz/sync-to-netsuite/")
    assert unknown.status_code == 404


def test_a_15_character_id_finds_the_record_and_its_log_entries(admin_client, account):
    LogEntryFactory(salesforce_id=ID_18, reason="pushed Acme")
    LogEntryFactory(salesforce_id="001000000000001AAA", reason="pushed another")

    accounts = admin_client.get(reverse("admin:accounts_account_changelist"), {"q": ID_15})
    log = admin_client.get(reverse("admin:integration_log_logentry_changelist"), {"q": ID_15})

    assert list(accounts.context["cl"].result_list) == [account]
    reasons = {e.reason for e in log.context["cl"].result_list}
    assert "pushed Acme" in reasons and "pushed another" not in reasons
