"""
The emulated account's pages (emulators/netsuite/ui.py): the records by type at /, each record's
page at /records/<type>/<id>, whose form saves as a user's edit in NetSuite would (a customer's
save runs the script, which posts to SFNS), and a customer's financials, which transactions
change without a customer save (no script runs).
"""

from __future__ import annotations

import pytest
import requests

from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator

from ..pages import form_data, message
from .test_webhook import LOCK, Listener

HOSTILE = "Acme <img src=x onerror=alert(1)>"
SEEDED = "2026-09-01T10:00:00.000Z"


@pytest.fixture
def account():
    """A NetSuite account whose script posts to a listener: a customer, an estimate, an item."""
    listener = Listener()
    running = start_emulator(NetSuiteEmulator(notify_url=listener.url))
    requests.post(
        f"{running.url}/__emulator__/seed",
        json={
            "customer": [
                {"id": "100", "companyName": HOSTILE, "phone": "1", "balance": 1250.0}
                | {LOCK: False, "lastModifiedDate": SEEDED}
            ],
            "inventoryItem": [{"id": "20", "itemId": "WIDGET", "basePrice": 25.0}],
            "estimate": [
                {"id": "30", "entity": {"id": "100"}, "title": "Quote"}
                | {"item": {"items": [{"item": {"id": "20"}, "quantity": 10, "rate": 25.0}]}}
            ],
        },
        timeout=10,
    ).raise_for_status()
    yield running.url, listener
    running.stop()
    listener.stop()


def record(url: str, rtype: str, rid: str) -> dict:
    return requests.get(f"{url}/__emulator__/state", timeout=10).json()["records"][rtype][rid]


def save(url: str, path: str, index: int = 0, **changes: str) -> requests.Response:
    """Submit the page's form (its index-th) as a browser would, with these changes."""
    page = requests.get(f"{url}{path}", timeout=10)
    assert page.status_code == 200, page.text
    form = {**form_data(page.text, index), **changes}
    return requests.post(f"{url}{path}", data=form, headers={"Origin": url}, timeout=10)


def test_the_root_lists_the_records_by_type_with_their_text_escaped(account):
    url, _ = account

    page = requests.get(f"{url}/", timeout=10).text

    for heading in ("Customers", "Contacts", "Estimates", "Sales Orders", "Items"):
        assert f"<h2>{heading}</h2>" in page
    assert HOSTILE not in page
    assert "Acme &lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="/records/customer/100"' in page
    assert "WIDGET &times; 10 at 25" in page
    assert ">Services</td>" in page  # the item every account starts with


def test_ticking_the_lock_is_a_users_save_that_the_script_posts(account):
    url, listener = account

    answer = save(url, "/records/customer/100", **{LOCK: "on"})

    assert (
        message(answer.text)
        == "Saved Salesforce Lock Record. The script posted the change to SFNS."
    )
    [(_, body)] = listener.wait_for(1)
    assert b'"custentity_sfns_lock_record": true' in body
    assert record(url, "customer", "100")["companyName"] == HOSTILE


def test_financials_change_as_transactions_do_with_no_customer_save(account):
    url, listener = account

    answer = save(url, "/records/customer/100", index=1, balance="2000")

    assert (
        message(answer.text)
        == "Saved Balance. As posted transactions do: no customer saved, nothing posted."
    )
    customer = record(url, "customer", "100")
    assert (customer["balance"], customer["lastModifiedDate"]) == (2000.0, SEEDED)
    assert listener.wait_for(1, timeout=1) == []


def test_a_transaction_changes_nothing_but_financials(account):
    url, _ = account
    edit = {"type": "customer", "id": "100", "source": "transaction", "fields": {"phone": "2"}}

    answer = requests.post(f"{url}/__emulator__/edit", json=edit, timeout=10)

    assert answer.status_code == 400
    assert record(url, "customer", "100")["phone"] == "1"


def test_a_value_that_is_not_a_number_is_refused_on_the_page(account):
    url, _ = account

    answer = save(url, "/records/inventoryItem/20", basePrice="lots")

    assert answer.status_code == 400
    assert message(answer.text, "error") == "Not saved: Base Price: 'lots' is not a number."
    assert record(url, "inventoryItem", "20")["basePrice"] == 25.0


def test_an_item_saves_and_the_estimate_page_shows_its_lines(account):
    url, listener = account

    answer = save(url, "/records/inventoryItem/20", basePrice="30", isInactive="on")
    estimate = requests.get(f"{url}/records/estimate/30", timeout=10).text

    assert "The script runs on customer saves only" in message(answer.text)
    item = record(url, "inventoryItem", "20")
    assert (item["basePrice"], item["isInactive"]) == (30.0, True)
    assert "<td>WIDGET</td>" in estimate
    assert listener.wait_for(1, timeout=0.5) == []


def test_a_form_without_the_pages_token_is_refused(account):
    url, _ = account

    answer = save(url, "/records/customer/100", token="guessed", phone="2")

    assert answer.status_code == 403
    assert record(url, "customer", "100")["phone"] == "1"


def test_the_api_still_needs_its_signature(account):
    url, _ = account

    assert requests.get(f"{url}/records/customer/100", timeout=10).status_code == 200
    assert requests.get(f"{url}/records/customer/999", timeout=10).status_code == 404
    api = requests.get(f"{url}/services/rest/record/v1/customer/100", timeout=10)
    assert api.status_code == 401
