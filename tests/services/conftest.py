"""Fixtures of the service tests: Accounts linked, or linked and synced, on both emulators."""

from __future__ import annotations

import pytest

from accounts.models import Customer

from ..conftest import SalesforceControl
from ..factories import AccountFactory
from .helpers import FINANCIALS, configure, forget_setup


@pytest.fixture
def sf(salesforce_emulator, salesforce_ca):
    return SalesforceControl(salesforce_emulator.url, verify=salesforce_ca)


@pytest.fixture
def linked(ns, field_mappings):
    """An Account linked to NetSuite customer 100, its first push done (NetSuite only)."""
    ns.seed(customer=[{"id": "100", "companyName": "Acme", "phone": "1"}])
    account = AccountFactory(name="Acme", netsuite_id="100")
    Customer.objects.create(
        netsuite_id="100", company_name="Acme", salesforce_id=account.salesforce_id
    )
    assert ns.record("customer", "100")["companyName"] == "Acme"
    ns.reset_stats()
    forget_setup()
    account.refresh_from_db()
    return account


@pytest.fixture
def synced(ns, sf, field_mappings):
    """
    An Account that exists in Salesforce, is linked to NetSuite customer 200 (with financial
    data) and was just pushed: its NetSuite Sync status waits to be written back.
    """
    configure(salesforce_edition="Enterprise Edition")
    [salesforce_id] = sf.seed_accounts({"Name": "Acme", "Phone": "+1 555 0100"})
    ns.seed(
        customer=[{"id": "200", "companyName": "Acme", "externalId": salesforce_id, **FINANCIALS}]
    )
    account = AccountFactory(salesforce_id=salesforce_id, name="Acme", netsuite_id="200")
    account.refresh_from_db()
    assert account.status_pending_since is not None
    ns.reset_stats()
    sf.reset_stats()
    forget_setup()
    return account
