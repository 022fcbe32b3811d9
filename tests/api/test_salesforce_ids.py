"""
Salesforce ids in either form, everywhere a person or a system names a record: the 15-character
id of Salesforce's URLs and reports (case-sensitive) and the 18-character id of its API (any
case) find the same record, which the mirrors hold in the 18-character form.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from accounts.ids import InvalidSalesforceId, salesforce_id_canonical, salesforce_id_or_none
from accounts.models import Account, Customer
from integration_log.models import LogEntry
from sync.models import SyncJob
from sync.webhooks import salesforce_webhook_token

from ..factories import AccountFactory, LogEntryFactory, OpportunityFactory, SyncJobFactory
from ..soap import outbound_message
from ..test_hostile_input import SFID, sign

# Real pairs, as Salesforce's CASESAFEID() gives them: ids shown in Salesforce's help pages
# and tutorials ("0019000000B98de", "a0D30000001n7Pi", "70130000001tcyI"), Salesforce's own
# URLs ("90630000000gy8o", a success.salesforce.com answer), an org id (sigmavirus24's
# salesforceid tests: "00D000000000062") and SFNS's demo Account.
PAIRS = [
    ("0019000000B98de", "0019000000B98deAAB"),
    ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
    ("70130000001tcyI", "70130000001tcyIAAQ"),
    ("90630000000gy8o", "90630000000gy8oAAA"),
    ("003D0000001aH2A", "003D0000001aH2AIAU"),
    ("0A3D0000001aH2A", "0A3D0000001aH2AKAU"),
    ("00D000000000062", "00D000000000062EAA"),
    ("001000000000001", "001000000000001AAA"),
    ("AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA555"),
    ("aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaAAA"),
]


@pytest.mark.parametrize(("short", "full"), PAIRS)
def test_a_15_character_id_gets_its_computed_suffix(short, full):
    assert salesforce_id_canonical(short) == full


@pytest.mark.parametrize(("short", "full"), PAIRS)
def test_an_18_character_id_is_the_same_in_any_case(short, full):
    assert salesforce_id_canonical(full) == full
    assert salesforce_id_canonical(full.lower()) == full
    assert salesforce_id_canonical(full.upper()) == full
    assert salesforce_id_canonical(full.swapcase()) == full


def test_15_character_ids_that_differ_in_case_are_different_records():
    assert salesforce_id_canonical("0019000000B98de") != salesforce_id_canonical("0019000000b98de")
    assert salesforce_id_canonical("0019000000b98de") == "0019000000b98deAAA"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("001000000000062EAA", "not the checksum"),  # "E": the 3rd character, a digit, upper
        ("00100000000006299A", "not the checksum"),  # "9" is no suffix character
        ("0019000000B98de", None),
        ("0019000000B98d", "15 or 18 letters and digits"),
        ("0019000000B98deAA", "15 or 18 letters and digits"),
        ("0019000000B98de-AB", "15 or 18 letters and digits"),
        ("", "15 or 18 letters and digits"),
        ("0019000000B98de\x00AB", "15 or 18 letters and digits"),
    ],
)
def test_what_is_not_an_id_is_refused_with_the_reason(value, why):
    if why is None:
        assert salesforce_id_or_none(value) == "0019000000B98deAAB"
        return
    with pytest.raises(InvalidSalesforceId, match=why):
        salesforce_id_canonical(value)
    assert salesforce_id_or_none(value) is None


def test_a_value_that_is_not_text_is_not_an_id():
    assert salesforce_id_or_none(None) is None
    assert salesforce_id_or_none(1234) is None


# ============================================================================================
# The API
# ============================================================================================
@pytest.fixture
def acme(db):
    return AccountFactory(salesforce_id="0019000000B98deAAB", name="Acme")


@pytest.mark.parametrize("given", ["0019000000B98de", "0019000000B98deAAB", "0019000000b98DEaab"])
def test_an_account_is_found_by_either_form(call, operator, acme, given):
    response = call(operator, "GET", f"/api/accounts/{given}/")

    assert response.status_code == 200
    assert response.json()["salesforce_id"] == "0019000000B98deAAB"


def test_a_15_character_id_in_another_case_is_another_record(call, operator, acme):
    response = call(operator, "GET", "/api/accounts/0019000000b98de/")

    assert response.status_code == 404


def test_work_on_a_15_character_id_is_queued_for_the_stored_record(call, operator, acme):
    response = call(operator, "POST", "/api/accounts/0019000000B98de/sync/")

    assert response.status_code == 202
    assert response.json()["record_id"] == "0019000000B98deAAB"


def test_an_opportunity_is_found_by_its_15_character_id(call, operator, db):
    deal = OpportunityFactory(salesforce_id="0069000000Zx1cFAAR")

    response = call(operator, "POST", f"/api/opportunities/{deal.salesforce_id[:15]}/quote/")

    assert response.status_code == 202
    assert response.json()["record_id"] == "0069000000Zx1cFAAR"


def test_a_bad_checksum_is_a_400_that_says_so(call, operator, acme):
    response = call(operator, "GET", "/api/accounts/0019000000B98de999/")

    assert response.status_code == 400
    assert response.json() == {
        "salesforce_id": [
            "'0019000000B98de999' is not a Salesforce id: its last 3 characters are not the "
            "checksum of the first 15"
        ]
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/opportunities/?account={}",
        "/api/jobs/?record_id={}",
        "/api/log/?salesforce_id={}",
        "/api/customers/?salesforce_id={}",
    ],
)
def test_filters_take_either_form_too(call, operator, acme, url):
    LogEntry.objects.all().delete()  # what saving the Account logged
    SyncJob.objects.all().delete()
    OpportunityFactory(account=acme)
    OpportunityFactory()
    SyncJobFactory(record_id=acme.salesforce_id)
    SyncJobFactory(record_id="001000000000002AAA", dedupe_key="other")
    LogEntryFactory(salesforce_id=acme.salesforce_id)
    LogEntryFactory(salesforce_id="001000000000002AAA")
    Customer.objects.create(netsuite_id="1", salesforce_id=acme.salesforce_id)
    Customer.objects.create(netsuite_id="2", salesforce_id="001000000000002AAA")

    short = call(operator, "GET", url.format("0019000000B98de")).json()
    folded = call(operator, "GET", url.format("0019000000b98deaab")).json()
    bad = call(operator, "GET", url.format("0019000000B98de999"))

    assert short["count"] == folded["count"] == 1
    assert short["results"] == folded["results"]
    assert bad.status_code == 400
    assert "not the checksum" in json.dumps(bad.json())


# ============================================================================================
# The webhooks
# ============================================================================================
SF_URL = f"/webhooks/salesforce/{salesforce_webhook_token()}/"


def test_an_outbound_message_with_15_character_ids_updates_the_stored_records(client, acme):
    child = {"Id": "0019000000C11aa", "Name": "Acme Europe", "ParentId": "0019000000B98de"}
    body = outbound_message(
        settings.SALESFORCE_ORG_ID, [{"Id": "0019000000B98de", "Name": "Acme Corp"}, child]
    )

    response = client.post(SF_URL, data=body, content_type="text/xml; charset=utf-8")

    assert response.status_code == 200
    assert Account.objects.get(salesforce_id="0019000000B98deAAB").name == "Acme Corp"
    europe = Account.objects.get(salesforce_id="0019000000C11aaAAB")
    assert europe.parent.salesforce_id == "0019000000B98deAAB"
    assert not Account.objects.filter(salesforce_id__in=["0019000000B98de", "0019000000C11aa"])


def test_an_outbound_message_with_a_bad_checksum_is_refused(client, acme):
    body = outbound_message(settings.SALESFORCE_ORG_ID, [{"Id": "0019000000B98de999", "Name": "X"}])

    response = client.post(SF_URL, data=body, content_type="text/xml; charset=utf-8")

    assert response.status_code == 400
    assert b"is not a Salesforce id: its last 3 characters are not the checksum" in response.content
    assert Account.objects.get().name == "Acme"


@pytest.mark.parametrize("typed", ["0019000000B98de", "0019000000b98deaab"])
def test_a_customer_event_naming_the_account_by_either_form_is_stored_as_18(
    client, db, integration_settings, typed
):
    integration_settings()
    body = json.dumps(
        {
            "recordType": "customer",
            "event": "update",
            "id": "77",
            "fields": {"companyName": "Acme Inc", SFID: typed},
        }
    ).encode()

    response = client.post(
        "/webhooks/netsuite/customer/",
        data=body,
        content_type="application/json",
        headers=sign(body),
    )

    assert response.status_code == 200, response.content
    assert Customer.objects.get(netsuite_id="77").salesforce_id == "0019000000B98deAAB"
