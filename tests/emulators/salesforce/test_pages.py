"""
The emulated org's pages (emulators/salesforce/ui.py): the records by type at /, each record's
page at /<id> with the package's buttons and a form that saves as a person's edit would, sending
the outbound message the package's flows send.
"""

from __future__ import annotations

import pytest
import requests

from emulators.salesforce.products import STANDARD_PRICEBOOK_ID

from ..pages import form_data, message
from .receiver import sobjects, wait_for

HOSTILE = '<script>alert("x")</script>'


def get(api, path: str) -> requests.Response:
    response = requests.get(f"{api.url}{path}", timeout=10, verify=api.session.verify)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response


def save(api, path: str, **changes: str) -> requests.Response:
    """Open the record's page and submit its form as a browser would, with these changes."""
    form = {**form_data(get(api, path).text), **changes}
    return requests.post(
        f"{api.url}{path}",
        data=form,
        headers={"Origin": api.url},
        timeout=10,
        verify=api.session.verify,
    )


@pytest.fixture
def org(notifying):
    """An org that sends outbound messages to a receiver, with an Account, a Contact and an
    Opportunity with one product."""
    api, receiver = notifying([])
    ids = api.control(
        "seed",
        {
            "Account": [{"Name": HOSTILE, "Phone": "+1 415 555 0100"}],
            "Product2": [{"Name": "Widget", "ProductCode": "WIDGET", "IsActive": True}],
        },
    ).json()["ids"]
    account, product = ids["Account"][0], ids["Product2"][0]
    ids |= api.control(
        "seed",
        {
            "Contact": [{"LastName": "Lumbergh", "AccountId": account}],
            "Opportunity": [
                {"Name": "Deal", "AccountId": account, "StageName": "Prospecting"}
                | {"CloseDate": "2026-12-31"}
            ],
            "PricebookEntry": [
                {"Pricebook2Id": STANDARD_PRICEBOOK_ID, "Product2Id": product}
                | {"UnitPrice": 25, "IsActive": True}
            ],
        },
    ).json()["ids"]
    ids |= api.control(
        "seed",
        {
            "OpportunityLineItem": [
                {"OpportunityId": ids["Opportunity"][0], "Product2Id": product}
                | {"Quantity": 10, "UnitPrice": 25}
            ]
        },
    ).json()["ids"]
    return api, receiver, {sobject: found[0] for sobject, found in ids.items()}


def test_the_root_lists_the_records_by_type_with_their_text_escaped(org):
    api, _, ids = org

    page = get(api, "/").text

    for heading in ("Accounts", "Contacts", "Opportunities", "Products"):
        assert f"<h2>{heading}</h2>" in page
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert f'href="/{ids["Account"]}"' in page
    assert "Lumbergh" in page
    assert f'<a href="/{ids["OpportunityLineItem"]}">Widget</a> &times; 10 at 25' in page


def test_a_record_opens_by_its_15_or_18_character_id_with_the_package_buttons(org, settings):
    api, _, ids = org
    settings.SFNS_BASE_URL = "https://sfns.example.test"

    account = get(api, f"/{ids['Account'][:15]}").text
    opportunity = get(api, f"/{ids['Opportunity']}").text

    assert (
        f'href="https://sfns.example.test/actions/accounts/{ids["Account"]}/update-from-netsuite/"'
        in account
    )
    assert ">Update from NetSuite</a>" in account
    quote = f"https://sfns.example.test/actions/opportunities/{ids['Opportunity']}/quote/"
    assert f'href="{quote}"' in opportunity
    assert ">Sync as Sales Order</a>" in opportunity
    assert requests.get(f"{api.url}/001000000000009AAA", timeout=10).status_code == 404


def test_saving_the_form_is_a_persons_edit_that_sends_the_outbound_message(org):
    api, receiver, ids = org

    answer = save(api, f"/{ids['Account']}", Phone="+1 415 555 0199")

    assert answer.status_code == 200
    assert message(answer.text) == "Saved Phone. Salesforce sent 1 outbound message(s) to SFNS."
    wait_for(receiver, 1)
    assert sobjects(receiver) == [("sf:Account", ids["Account"])]
    assert b"<sf:Phone>+1 415 555 0199</sf:Phone>" in receiver.requests[0][1]
    account = api.state()["records"]["Account"][ids["Account"]]
    assert (account["Phone"], account["Name"]) == ("+1 415 555 0199", HOSTILE)


def test_a_form_saved_unchanged_changes_nothing(org):
    api, receiver, ids = org
    before = api.state()["records"]["Account"][ids["Account"]]

    answer = save(api, f"/{ids['Account']}")

    assert message(answer.text) == "Nothing changed."
    assert api.state()["records"]["Account"][ids["Account"]] == before
    assert receiver.requests == []


def test_a_form_opened_before_a_change_saved_since_does_not_undo_it(org):
    api, _, ids = org
    path = f"/{ids['Account']}"
    form = {**form_data(get(api, path).text), "Phone": "+1 415 555 0199"}
    written_back = {"NetSuite_Sync__c": "2026-09-01T10:00:00+00:00", "Website": "https://a.example"}
    api.control("edit", {"type": "Account", "id": ids["Account"], "fields": written_back})

    answer = requests.post(f"{api.url}{path}", data=form, headers={"Origin": api.url}, timeout=10)

    assert message(answer.text).startswith("Saved Phone.")
    account = api.state()["records"]["Account"][ids["Account"]]
    assert account["Phone"] == "+1 415 555 0199"
    assert {name: account[name] for name in written_back} == written_back


def test_a_line_item_saves_with_its_price_worked_out_and_no_message(org):
    api, receiver, ids = org

    answer = save(api, f"/{ids['OpportunityLineItem']}", Quantity="4")

    assert "No outbound message" in message(answer.text)
    line = api.state()["records"]["OpportunityLineItem"][ids["OpportunityLineItem"]]
    assert (line["Quantity"], line["TotalPrice"]) == (4, 100)
    assert receiver.requests == []


def test_what_salesforce_refuses_is_shown_and_not_saved(org):
    api, receiver, ids = org

    answer = save(api, f"/{ids['Account']}", Name="")

    assert answer.status_code == 400
    assert "REQUIRED_FIELD_MISSING" in message(answer.text, "error")
    assert api.state()["records"]["Account"][ids["Account"]]["Name"] == HOSTILE
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("changes", "headers"),
    [({"token": "guessed"}, {}), ({}, {"Origin": "https://attacker.example"})],
    ids=["no token", "another site"],
)
def test_a_form_not_from_this_page_is_refused(org, changes, headers):
    api, _, ids = org
    path = f"/{ids['Account']}"
    form = {**form_data(get(api, path).text), "Phone": "0", **changes}

    answer = requests.post(f"{api.url}{path}", data=form, headers=headers, timeout=10)

    assert answer.status_code == 403
    assert api.state()["records"]["Account"][ids["Account"]]["Phone"] == "+1 415 555 0100"


def test_the_page_is_served_over_https_with_the_org(salesforce_emulator, salesforce_ca):
    url = salesforce_emulator.url

    page = requests.get(f"{url}/", timeout=10, verify=salesforce_ca)
    stats = requests.get(f"{url}/__emulator__/stats", timeout=10, verify=salesforce_ca).json()

    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert stats["calls"] == {}  # a page is not an API call
