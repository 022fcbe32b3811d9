"""Faults in Salesforce's format and the control endpoints (emulators/salesforce/app.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from emulators.salesforce.products import STANDARD_PRICEBOOK_ID

from .helpers import create_account, error_of


@pytest.fixture
def faults(sf):
    """Set injected faults for one test and always put them back."""
    yield lambda **values: sf.control("faults", values)
    sf.control("faults", {"latency_ms": 0, "fail_rate": 0.0, "concurrency_limit": 0})


def test_concurrency_limit_answers_long_transaction_403(sf, faults):
    faults(latency_ms=400, concurrency_limit=1)

    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(lambda _: sf("GET", "limits"), range(3)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 200 and 403 in statuses
    refused = next(r for r in responses if r.status_code == 403)
    assert refused.json() == [
        {
            "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "fields": [],
        }
    ]


def test_injected_failure_is_a_json_503(sf, faults):
    faults(fail_rate=1.0)

    response = sf("GET", "limits")

    assert response.status_code == 503
    assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"


def test_ui_edit_is_validated_like_the_api(sf):
    response = sf.session.post(
        f"{sf.url}/__emulator__/edit", json={"type": "Account", "fields": {"Phone": "1"}}, timeout=5
    )

    assert error_of(response)[:2] == (400, "REQUIRED_FIELD_MISSING")


def test_state_is_json_and_reset_empties_it(sf):
    create_account(sf)

    state = sf.session.get(f"{sf.url}/__emulator__/state", timeout=5).json()
    sf.control("reset")
    after = sf.session.get(f"{sf.url}/__emulator__/state", timeout=5).json()

    assert len(state["records"]["Account"]) == 1
    assert after["records"]["Account"] == {} and after["records"]["Opportunity"] == {}
    # What a new org has: the standard price book (test_products.py) and no other record.
    left = {sobject: list(rows) for sobject, rows in after["records"].items() if rows}
    assert left == {"Pricebook2": [STANDARD_PRICEBOOK_ID]}
