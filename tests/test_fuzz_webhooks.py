"""
Fuzzing the two webhooks with generated bodies (hypothesis): Salesforce outbound messages built
from strategies (field names and values, ids, dates, nesting, sizes, encodings, broken XML) and
correctly signed NetSuite events (NaN, huge numbers, deep nesting, wrong types, bad text).
Never a 5xx; a refusal says why; what is accepted lands in the mirror as sent. Run on SQLite and
on PostgreSQL (CI), whose stricter columns found the NaN bug SQLite did not.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import string
from xml.sax.saxutils import escape, quoteattr

import hypothesis
import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from accounts.ids import salesforce_id_canonical
from accounts.models import Account, Contact, Customer, Opportunity
from accounts.services import FINANCIAL_FIELDS
from integration_log.models import LogEntry
from sync.models import InboundEvent
from sync.webhooks import salesforce_webhook_token

from .fuzzing import (
    FUZZ,
    any_text,
    assert_answered,
    clean_json,
    clean_text,
    deeply_nested,
    json_scalars,
    json_values,
    mostly,
    rolled_back,
)
from .test_hostile_input import LOCK, SFID, sign

pytestmark = pytest.mark.django_db
ORG = settings.SALESFORCE_ORG_ID
SF_URL = f"/webhooks/salesforce/{salesforce_webhook_token()}/"
NS_URL = "/webhooks/netsuite/customer/"


# ============================================================================================
# Salesforce outbound messages (SOAP)
# ============================================================================================
# Characters XML 1.0 allows, and sometimes any character at all (the document is then broken).
# Long texts repeat a short one: hypothesis draws thousands of characters slowly.
xml_char = st.characters(
    min_codepoint=0x20, exclude_categories=("Cs",), exclude_characters="\ufffe\uffff"
) | st.sampled_from("\t\n\r")
xml_text = st.text(xml_char, max_size=40)
long_text = st.tuples(xml_text, st.integers(10, 200)).map(lambda pair: pair[0] * pair[1])
text_values = mostly(xml_text | long_text, st.text(max_size=20))

ALNUM = string.ascii_letters + string.digits
salesforce_ids = st.text(st.sampled_from(ALNUM), min_size=15, max_size=15) | st.text(
    st.sampled_from(ALNUM), min_size=18, max_size=18
)
iso = "%Y-%m-%dT%H:%M:%S.000Z"
dates = mostly(
    st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(3999, 1, 1)).map(
        lambda d: d.strftime(iso)
    ),
    st.datetimes().map(lambda d: d.isoformat()) | text_values,
)
numbers = mostly(
    st.decimals(min_value=-(10**15) + 1, max_value=10**15 - 1, places=2).map(str),
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
        st.integers().map(str),
        st.sampled_from(["NaN", "-Infinity", "1e400", "1e-400", "", " 12 ", "1_000", "0x10"]),
        text_values,
    ),
)
FIELD_VALUES = {
    "Id": mostly(salesforce_ids, text_values),
    "ParentId": mostly(salesforce_ids, text_values),
    "AccountId": mostly(salesforce_ids, text_values),
    "LastModifiedDate": dates,
    "SystemModstamp": dates,
    "CloseDate": dates,
    "Amount": numbers,
    "Name": text_values,
    "StageName": st.sampled_from(["Prospecting", "Closed Won"]) | text_values,
}
field_names = st.sampled_from([*FIELD_VALUES, "Phone", "BillingStreet"]) | st.tuples(
    st.sampled_from(string.ascii_letters + "_"),
    st.text(st.sampled_from(ALNUM + "_.-"), max_size=30),
).map("".join)


@st.composite
def sobject_fields(draw: st.DrawFn, sobject_type: str) -> list[tuple[str, str | None, str]]:
    """(name, value or None for xsi:nil, extra child elements) for one sObject."""
    names = draw(st.lists(field_names, max_size=6))
    # Nearly always an Id (an Opportunity's AccountId too), so the message gets past the parser.
    required = ["Id", "AccountId"] if sobject_type.endswith("Opportunity") else ["Id"]
    names = [name for name in required if draw(mostly(st.just(True), st.just(False)))] + names
    fields = []
    for name in names:
        value = draw(mostly(FIELD_VALUES.get(name, text_values), st.none(), odds=10))
        nested = draw(mostly(st.just(""), st.sampled_from(["<sf:In>x</sf:In>", "<o>y</o>"])))
        fields.append((name, value, nested))
    return fields


def _escape(text: str) -> str:
    return escape(text, {'"': "&quot;"})


@st.composite
def outbound_messages(draw: st.DrawFn) -> tuple[bytes, list[dict]]:
    """A SOAP outbound message as Salesforce sends it, or bent out of shape; and its records."""
    org = draw(mostly(st.sampled_from([ORG, ORG[:15]]), st.just(ORG.lower()) | xml_text, 10))
    count = draw(mostly(st.sampled_from([1, 1, 2, 3, 5]), st.sampled_from([0, 101]), 10))
    sobject_types = mostly(
        st.sampled_from(["sf:Account", "sf:Opportunity", "Account"]),
        st.sampled_from(["sf:Contact", "", "sf:"]),
    )
    records, notes = [], []
    for index in range(count):
        note_id = draw(mostly(st.just(f"04l{index:012d}AAA"), text_values))
        sobject_type = draw(sobject_types)
        fields = (
            draw(sobject_fields(sobject_type)) if count < 100 else [("Id", f"001{index:015d}", "")]
        )
        body = "".join(
            f'<sf:{name} xsi:nil="true"/>'
            if value is None
            else f"<sf:{name}>{_escape(value)}{nested}</sf:{name}>"
            for name, value, nested in fields
        )
        type_attr = f" xsi:type={quoteattr(sobject_type)}" if sobject_type else ""
        notes.append(
            f"<Notification><Id>{_escape(note_id)}</Id>"
            f'<sObject{type_attr} xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{body}</sObject></Notification>"
        )
        records.append({"note": note_id, "type": sobject_type, "fields": fields})
    encoding = draw(st.sampled_from(["UTF-8", "UTF-16", "ISO-8859-1"]))
    declared = draw(
        mostly(st.just(encoding), st.sampled_from(["UTF-8", "UTF-32", "Shift_JIS", "EBCDIC-x"]), 5)
    )
    text = (
        f'<?xml version="1.0" encoding="{declared}"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{_escape(org)}</OrganizationId>"
        "<ActionId>04k000000000001AAA</ActionId>"
        '<SessionId xsi:nil="true"/>' + "".join(notes) + "</notifications></soapenv:Body>"
        "</soapenv:Envelope>"
    )
    body = text.encode(encoding, "xmlcharrefreplace" if encoding != "UTF-16" else "surrogatepass")
    if encoding == "UTF-8" and any("\ud800" <= c <= "\udfff" for c in text):
        body = text.encode("utf-8", "surrogatepass")  # bytes no XML parser can read
    mangle = draw(mostly(st.just("none"), st.sampled_from(["truncate", "insert", "doctype"]), 10))
    if mangle == "truncate":
        body = body[: draw(st.integers(0, len(body)))]
    elif mangle == "insert":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:]
    elif mangle == "doctype":  # entity expansion and external entities: defusedxml's job
        body = (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;"><!ENTITY c SYSTEM "file:///etc/passwd">]>'
            + body.split(b"?>", 1)[-1].replace(b"<ActionId>", b"<ActionId>&b;&c;", 1)
        )
    return body, records if mangle == "none" else []


@FUZZ
@given(message=outbound_messages())
def test_salesforce_outbound_messages_never_get_a_server_error(client, field_mappings, message):
    body, records = message
    with rolled_back():
        response = client.post(SF_URL, data=body, content_type="text/xml; charset=utf-8")

        assert_answered(response)
        hypothesis.event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: the spread
        if response.status_code == 200:
            assert b"<Ack>true</Ack>" in response.content
            seen = set()
            for record in records:  # the first notification with a given id is applied
                if record["note"] in seen:
                    continue
                seen.add(record["note"])
                ids = [value for name, value, _ in record["fields"] if name == "Id" and value]
                model = {"Opportunity": Opportunity, "Contact": Contact}.get(
                    record["type"].rpartition(":")[2], Account
                )
                # Stored in the 18-character form, whichever form the message carried.
                stored = salesforce_id_canonical(ids[-1])
                assert model.objects.filter(salesforce_id=stored).exists()
        else:
            entry = LogEntry.objects.filter(operation="salesforce_outbound_message").last()
            assert entry is not None and entry.outcome == "error"
            assert not InboundEvent.objects.exists()


# ============================================================================================
# NetSuite customer events (signed JSON)
# ============================================================================================
good_dates = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
amounts = mostly(
    st.floats(min_value=-(10**14), max_value=10**14) | st.integers(-(10**6), 10**6) | numbers,
    st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**20), 10**20),
)
EVENT_FIELDS = {
    "companyName": text_values,
    "externalId": salesforce_ids,
    SFID: salesforce_ids,
    LOCK: mostly(st.sampled_from([True, False, "T", "F", None]), json_scalars, 10),
    "lastModifiedDate": good_dates,
    **dict.fromkeys(FINANCIAL_FIELDS, amounts),  # NetSuite's names
}


@st.composite
def netsuite_events(draw: st.DrawFn) -> dict:
    """An event as the SuiteScript sends it, with any of its values swapped for anything."""

    def value(good: st.SearchStrategy) -> object:
        return draw(mostly(good, json_values | deeply_nested()))

    fields = {}
    for name in draw(st.lists(st.sampled_from(list(EVENT_FIELDS)), unique=True)):
        fields[name] = value(EVENT_FIELDS[name])
    for _ in range(draw(st.integers(0, 3))):  # the mapped fields and whatever else is there
        fields[draw(mostly(clean_text, any_text))] = draw(
            mostly(clean_json, json_values | deeply_nested(), 10)
        )
    event = {
        "event": value(st.sampled_from(["create", "update", "delete"])),
        "recordType": value(st.just("customer")),
        "id": value(st.integers(0, 10**6).map(str)),
        "externalId": value(st.none() | salesforce_ids),
        "lastModifiedDate": value(st.none() | good_dates),
        "fields": value(st.just(fields)),
    }
    for key in draw(mostly(st.just([]), st.lists(st.sampled_from(list(event)), max_size=2))):
        event.pop(key, None)
    return event


def _expected_lock(fields: dict) -> bool:
    return {True: True, "T": True}.get(fields.get(LOCK), False)


@FUZZ
@given(event=netsuite_events(), ascii_only=st.booleans())
def test_signed_netsuite_events_never_get_a_server_error(client, event, ascii_only):
    body = json.dumps(event, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    with rolled_back():
        response = client.post(
            NS_URL, data=body, content_type="application/json", headers=sign(body)
        )

        assert_answered(response)
        assert response.status_code in (200, 400), response.content
        hypothesis.event(f"HTTP {response.status_code}")
        if response.status_code == 400:
            reason = response.json()["error"]
            entry = LogEntry.objects.get(operation="netsuite_customer_event")
            assert (entry.outcome, entry.reason) == ("error", reason)
            assert not Customer.objects.exists() and not InboundEvent.objects.exists()
            return
        # Accepted: what SFNS read from it is what was sent, with the types it expects.
        assert response.json()["result"] in ("applied", "unlinked")
        if event["event"] == "delete":
            return
        fields = event.get("fields", {})
        customer = Customer.objects.get(netsuite_id=event["id"])
        assert customer.locked is _expected_lock(fields)
        assert customer.company_name == (fields.get("companyName") or "")[:255]
        for name, column in FINANCIAL_FIELDS.items():
            if fields.get(name) is not None and name != "daysOverdue":
                stored = float(getattr(customer, column))
                assert math.isclose(stored, float(fields[name]), rel_tol=1e-12, abs_tol=0.01)


@FUZZ
@given(body=st.binary(max_size=300) | json_scalars.map(lambda v: json.dumps(v).encode()))
def test_signed_bodies_that_are_not_events_are_refused(client, body):
    with rolled_back():
        response = client.post(
            NS_URL, data=body, content_type="application/json", headers=sign(body)
        )

        assert_answered(response)
        assert response.status_code == 400
