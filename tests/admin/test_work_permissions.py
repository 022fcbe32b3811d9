"""
The admin asks for the same work permissions as the API and the buttons' pages: a staff user
who may change Accounts but not sync them sees no sync button or action, and a POST to the
button is refused; given the permission, the same user may.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from sync.models import SyncJob

from ..factories import AccountFactory

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
