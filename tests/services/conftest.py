"""Fixtures of the service tests: Accounts linked, or linked and synced, on both emulators."""

from __future__ import annotations

import pytest

from accounts.models import Customer

from ..factories import AccountFactory
from .helpers import FINANCIALS, forget_setup


@pytest.fixture
def linked(netsuite, field_mappings):
    """An Account linked to NetSuite customer 100, its first push done (NetSuite only)."""
    netsuite.seed(customer=[{"id": "100", "companyName": "Acme", "phone": "1"}])
    account = AccountFactory(name="Acme", netsuite_id="100")
    Customer.objects.create(
        netsuite_id="100", company_name="Acme", salesforce_id=account.salesforce_id
    )
    assert netsuite.record("customer", "100")["companyName"] == "Acme"
    netsuite.reset_stats()
    forget_setup()
    account.refresh_from_db()
    return account


@pytest.fixture
def synced(netsuite, salesforce, field_mappings, integration_settings):
    """
    An Account that exists in Salesforce, is linked to NetSuite customer 200 (with financial
    data) and was just pushed: its NetSuite Sync status waits to be written back.
    """
    integration_settings(salesforce_edition="Enterprise Edition")
    [salesforce_id] = salesforce.seed_accounts({"Name": "Acme", "Phone": "+1 555 0100"})
    netsuite.seed(
        customer=[{"id": "200", "companyName": "Acme", "externalId": salesforce_id, **FINANCIALS}]
    )
    account = AccountFactory(salesforce_id=salesforce_id, name="Acme", netsuite_id="200")
    account.refresh_from_db()
    assert account.status_pending_since is not None
    netsuite.reset_stats()
    salesforce.reset_stats()
    forget_setup()
    return account
