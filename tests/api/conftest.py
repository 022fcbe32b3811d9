"""What the API tests share: users with given permissions, calls by token, and rows to call on."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from ..factories import (
    AccountFactory,
    CustomerFactory,
    FieldMappingFactory,
    LogEntryFactory,
    OpportunityFactory,
    SyncJobFactory,
)

# Every permission the API checks, as Django names them.
WORK = [
    "sync.sync_account",
    "sync.link_account",
    "sync.update_account_from_netsuite",
    "sync.create_quote",
    "sync.sync_sales_order",
    "sync.retry_job",
]
EVERY = [
    *WORK,
    "sync.add_fieldmapping",
    "sync.change_fieldmapping",
    "sync.delete_fieldmapping",
    "settings.change_integrationsettings",
]


@pytest.fixture
def make_user(django_user_model):
    """make_user("name", "sync.sync_account", ..., staff=True): a user with those permissions."""

    def make(username: str, *permissions: str, staff: bool = True):
        # No password: hashing one costs a quarter second, and tokens need none.
        user = django_user_model.objects.create_user(username, is_staff=staff)
        for permission in permissions:
            app_label, codename = permission.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return user

    return make


@pytest.fixture
def staff(make_user):
    """Staff with no permission at all: may read, may start nothing."""
    return make_user("reader")


@pytest.fixture
def operator(make_user):
    """Staff with every permission the API checks."""
    return make_user("operator", *EVERY)


@pytest.fixture
def call(client):
    """call(user, method, url, body): a request by the user's token (None: anonymous)."""

    def request(user, method: str, url: str, body=None):
        headers = {}
        if user is not None:
            headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
        return client.generic(
            method,
            url,
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=headers,
        )

    return request


@pytest.fixture
def world(db, integration_settings):
    """One row of each kind to call on; Enterprise Edition, so nothing asks Salesforce."""
    integration_settings(salesforce_edition="Enterprise Edition")
    linked = AccountFactory(name="Acme", netsuite_id="5000", fields={"Phone": "+1 555 0100"})
    unlinked = AccountFactory(name="Globex")
    return SimpleNamespace(
        linked=linked,
        unlinked=unlinked,
        customer=CustomerFactory(
            netsuite_id="5000", salesforce_id=linked.salesforce_id, company_name="Acme Inc"
        ),
        opportunity=OpportunityFactory(account=linked),
        failed_job=SyncJobFactory(status="failed", record_id=linked.salesforce_id),
        entry=LogEntryFactory(salesforce_id=linked.salesforce_id),
        mapping=FieldMappingFactory(source="Fax", target="fax"),
    )
