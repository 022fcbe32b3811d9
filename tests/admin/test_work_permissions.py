"""
The admin asks for the same work permissions as the API and the buttons' pages: a staff user
who may change Accounts but not sync them sees no sync button or action, and a POST to the
button is refused; given the permission, the same user may.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.ids import salesforce_id_18
from sync.models import SyncJob

from ..factories import AccountFactory, LogEntryFactory, SyncJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client, django_user_model):
    """Staff who may view and change Accounts, and no work permission."""
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["view_account", "change_account"]
        )
    )
    client.force_login(user)
    client.user = user
    return client


def grant(user, codename: str) -> None:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sync", codename=codename)
    )


def test_without_the_permission_there_is_no_button_no_action_and_the_post_is_refused(
    clerk, field_mappings
):
    account = AccountFactory(name="Initech")
    page = clerk.get(f"/admin/accounts/account/{account.salesforce_id}/change/").content.decode()
    listing = clerk.get("/admin/accounts/account/").content.decode()

    answer = clerk.post(f"/admin/accounts/account/{account.salesforce_id}/sync-to-netsuite/")

    assert "Sync to NetSuite</button>" not in page and "Update from NetSuite</button>" not in page
    assert 'value="sync_to_netsuite"' not in listing
    assert answer.status_code == 403
    assert b"sync.sync_account" in answer.content
    assert not SyncJob.objects.exists()


def test_with_the_permission_the_button_queues_the_sync(clerk, field_mappings):
    account = AccountFactory(name="Initech")
    grant(clerk.user, "sync_account")
    page = clerk.get(f"/admin/accounts/account/{account.salesforce_id}/change/").content.decode()
    listing = clerk.get("/admin/accounts/account/").content.decode()

    answer = clerk.post(f"/admin/accounts/account/{account.salesforce_id}/sync-to-netsuite/")

    assert "Sync to NetSuite</button>" in page and "Update from NetSuite</button>" not in page
    assert 'value="sync_to_netsuite"' in listing and 'value="update_from_netsuite"' not in listing
    assert answer.status_code == 302
    assert SyncJob.objects.filter(record_id=account.salesforce_id).count() == 1


def test_the_log_lists_retry_needs_the_permission_and_takes_failed_jobs_only(
    client, django_user_model
):
    reader = django_user_model.objects.create_user("reader", password="pw", is_staff=True)
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="integration_log", codename="view_logentry")
    )
    client.force_login(reader)
    failed = SyncJobFactory(status="failed", record_id=salesforce_id_18("001000000000001"))
    done = SyncJobFactory(status="done", record_id=salesforce_id_18("001000000000002"))
    entries = [LogEntryFactory(job_id=job.pk) for job in (failed, done)]
    retry = {"action": "retry", "_selected_action": [e.pk for e in entries]}

    refused = client.post("/admin/integration_log/logentry/", retry)
    assert 'value="retry"' not in client.get("/admin/integration_log/logentry/").content.decode()
    grant(reader, "retry_job")
    client.post("/admin/integration_log/logentry/", retry)

    assert refused.status_code in (200, 302)  # the admin ignores an action it does not offer
    again = SyncJob.objects.exclude(pk__in=[failed.pk, done.pk])
    assert list(again.values_list("record_id", flat=True)) == [failed.record_id]  # once


def test_the_link_choice_asks_for_the_permission_before_reading_the_form(clerk, field_mappings):
    account = AccountFactory(name="Initech")
    url = f"/admin/accounts/account/{account.salesforce_id}/link-choice/"

    assert clerk.get(url).status_code == 405
    assert clerk.post(url, {"netsuite_id": "not digits"}).status_code == 403
    assert clerk.post(url, {"create": "1"}).status_code == 403
    assert not SyncJob.objects.exists()


def test_an_upgrade_gives_the_work_permissions_to_those_who_did_that_work():
    """Migration 0010: whoever could change Accounts, Opportunities or jobs keeps their buttons."""
    clerks = Group.objects.create(name="Account clerks")
    clerks.permissions.add(Permission.objects.get(codename="change_account"))
    seller = User.objects.create_user("seller", is_staff=True)
    seller.user_permissions.add(Permission.objects.get(codename="change_opportunity"))
    bystander = User.objects.create_user("bystander", is_staff=True)

    # The migration's own registry, as migrate gives it (it changes the apps' configs).
    state = MigrationExecutor(connection).loader.project_state(
        ("sync", "0010_grant_work_permissions")
    )
    import_module("sync.migrations.0010_grant_work_permissions").grant(state.apps, None)

    assert {p.codename for p in clerks.permissions.all()} == {
        "change_account",
        "sync_account",
        "link_account",
        "update_account_from_netsuite",
    }
    seller = User.objects.get(pk=seller.pk)  # a fresh user: permissions are cached
    assert seller.has_perm("sync.create_quote") and seller.has_perm("sync.sync_sales_order")
    assert not seller.has_perm("sync.sync_account")
    assert not User.objects.get(pk=bystander.pk).get_all_permissions()
