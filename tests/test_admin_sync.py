"""The sync's buttons and actions in Django admin: they queue work, or say why not."""

from __future__ import annotations

import html

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from sync.models import FieldMapping, JobKind, JobStatus, SyncJob

from .factories import AccountFactory, LogEntryFactory, OpportunityFactory, SyncJobFactory

# Plain transactions: on_commit never fires, so queued jobs stay queued for the assertions.
pytestmark = pytest.mark.django_db


def queued(kind: str) -> list[str]:
    return list(
        SyncJob.objects.filter(kind=kind, status=JobStatus.PENDING).values_list(
            "record_id", flat=True
        )
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def run_action(client, changelist: str, action: str, objects) -> object:
    return client.post(
        reverse(changelist),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [o.pk for o in objects]},
        follow=True,
    )


def test_account_page_offers_the_sync_buttons(admin_client, field_mappings):
    account = AccountFactory()
    page = admin_client.get(reverse("admin:accounts_account_change", args=[account.salesforce_id]))

    content = page.content.decode()
    for name in (
        "accounts_account_sync_to_netsuite",
        "accounts_account_update_from_netsuite",
        "accounts_account_preview",
    ):
        assert reverse(f"admin:{name}", args=[account.salesforce_id]) in content


def test_sync_button_queues_the_sync_and_says_so(admin_client, field_mappings):
    account = AccountFactory()
    url = reverse("admin:accounts_account_sync_to_netsuite", args=[account.salesforce_id])

    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url, follow=True)

    assert response.redirect_chain[-1][0].endswith(
        f"/accounts/account/{account.salesforce_id}/change/"
    )
    assert "Sync to NetSuite: 1 queued." in messages_of(response)
    assert queued(JobKind.ACCOUNT_LINK_OR_PUSH) == [account.salesforce_id]


def test_update_from_netsuite_button_explains_a_refusal(
    admin_client, field_mappings, integration_settings
):
    integration_settings(salesforce_edition="Professional Edition")
    account = AccountFactory(netsuite_id="100")

    response = admin_client.post(
        reverse("admin:accounts_account_update_from_netsuite", args=[account.pk]), follow=True
    )

    assert any("needs Salesforce Enterprise Edition" in m for m in messages_of(response))
    assert queued(JobKind.ACCOUNT_UPDATE_FROM_NETSUITE) == []


def test_buttons_need_an_admin_login(client, field_mappings):
    account = AccountFactory()
    response = client.post(reverse("admin:accounts_account_sync_to_netsuite", args=[account.pk]))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert queued(JobKind.ACCOUNT_LINK_OR_PUSH) == []


def test_preview_shows_the_payload_or_the_mapping_error(admin_client, field_mappings):
    account = AccountFactory(name="Acme", fields={"Phone": "+1 555 0100"})
    url = reverse("admin:accounts_account_preview", args=[account.pk])

    content = html.unescape(admin_client.get(url).content.decode())
    assert '"companyName": "Acme"' in content and '"phone": "+1 555 0100"' in content

    FieldMapping.objects.create(
        direction="sf_to_ns",
        source="Name",
        target="comments",
        transform="truncate",
        argument="x",
    )
    content = admin_client.get(url).content.decode()
    assert "field mappings cannot be applied" in content


def test_account_actions_queue_each_selected_account(admin_client, field_mappings):
    accounts = [AccountFactory(), AccountFactory()]

    response = run_action(
        admin_client, "admin:accounts_account_changelist", "sync_to_netsuite", accounts
    )

    assert "Sync to NetSuite: 2 queued." in messages_of(response)
    assert sorted(queued(JobKind.ACCOUNT_LINK_OR_PUSH)) == sorted(a.salesforce_id for a in accounts)


def test_opportunity_actions_queue_quotes_and_refuse_unlinked_sales_orders(
    admin_client, field_mappings, integration_settings
):
    integration_settings(sync_account_on_sales_order=False)
    opportunity = OpportunityFactory()  # its Account is not linked

    quote = run_action(
        admin_client, "admin:accounts_opportunity_changelist", "create_quote", [opportunity]
    )
    order = run_action(
        admin_client, "admin:accounts_opportunity_changelist", "sync_sales_order", [opportunity]
    )

    assert "Create Quote: 1 queued." in messages_of(quote)
    assert queued(JobKind.OPPORTUNITY_QUOTE) == [opportunity.salesforce_id]
    assert any("'Sync Account on Sales Order' is off" in m for m in messages_of(order))
    assert queued(JobKind.OPPORTUNITY_SALES_ORDER) == []


def test_retry_from_the_log_queues_the_entrys_work_again(admin_client):
    failed = SyncJobFactory(status=JobStatus.FAILED)
    entry = LogEntryFactory(
        outcome="error",
        reason="boom",
        salesforce_id="001000000000001AAA",
        job_id=failed.pk,
    )

    response = run_action(
        admin_client, "admin:integration_log_logentry_changelist", "retry", [entry]
    )

    assert "1 job(s) queued again." in messages_of(response)
    assert queued(JobKind.ACCOUNT_PUSH) == ["001000000000001AAA"]


def test_only_failed_jobs_are_retried_from_the_jobs_list(admin_client):
    failed, done = (
        SyncJobFactory(record_id=rid, status=status)
        for rid, status in (
            ("001000000000001AAA", JobStatus.FAILED),
            ("001000000000002AAA", JobStatus.DONE),
        )
    )

    response = run_action(admin_client, "admin:sync_syncjob_changelist", "retry", [failed, done])

    assert "1 job(s) queued again; 1 not failed, left alone." in messages_of(response)
    assert queued(JobKind.ACCOUNT_PUSH) == ["001000000000001AAA"]
