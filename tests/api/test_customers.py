"""/api/customers/: the NetSuite customer mirrors, read-only, by NetSuite internal id."""

from __future__ import annotations

import pytest

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_customer_is_read_with_its_figures_and_the_account_it_names(call, staff):
    CustomerFactory(
        netsuite_id="77",
        salesforce_id="0019000000B98deAAB",
        company_name="Acme Inc",
        locked=True,
        balance="1500.25",
        days_overdue=12,
        fields={"companyName": "Acme Inc", "balance": 1500.25},
    )

    response = call(staff, "GET", "/api/customers/77/")

    assert response.status_code == 200
    assert response.json() == {
        "netsuite_id": "77",
        "salesforce_id": "0019000000B98deAAB",
        "company_name": "Acme Inc",
        "locked": True,
        "balance": "1500.25",
        "overdue_balance": None,
        "credit_limit": None,
        "days_overdue": 12,
        "unbilled_orders": None,
        "deposit_balance": None,
        "fields": {"companyName": "Acme Inc", "balance": 1500.25},
        "last_modified": None,
        "refreshed_at": None,
    }
    assert call(staff, "GET", "/api/customers/78/").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [("POST", "/api/customers/"), ("PUT", "/api/customers/77/"), ("DELETE", "/api/customers/77/")],
)
def test_the_mirror_cannot_be_written_through_the_api(call, operator, method, url):
    CustomerFactory(netsuite_id="77")

    assert call(operator, method, url, {"company_name": "Mine"}).status_code == 405
