"""
Hostile input found by fuzzing (tests/test_fuzz_*.py), one test each: correctly signed NetSuite
events with values SFNS must not take, bodies over the limits, and API requests the database
would choke on. Each answers a 4xx saying what is wrong, is logged, and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
from django.conf import settings

from accounts.models import Account, Customer
from integration_log.models import LogEntry
from sync.models import InboundEvent
from sync.webhooks import NETSUITE_MAX_BODY, SALESFORCE_MAX_BODY, salesforce_webhook_token

from .factories import CustomerFactory
from .soap import outbound_message

pytestmark = pytest.mark.django_db
NS_URL = "/webhooks/netsuite/customer/"
LOCK = "custentity_sfns_lock_record"
SFID = "custentity_sfns_salesforce_id"


def sign(body: bytes) -> dict:
    """The headers the SFNS SuiteScript (and emulators/netsuite/webhook.py) sends."""
    stamp = str(int(time.time()))
    digest = hmac.new(
        settings.SFNS_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return {"X-SFNS-Timestamp": stamp, "X-SFNS-Signature": f"sha256={digest}"}


def post_event(client, body: bytes):
    return client.post(NS_URL, data=body, content_type="application/json", headers=sign(body))


def event_body(fields: str = "{}", **top: str) -> bytes:
    """An event as raw JSON text, so it can hold what json.dumps never writes (1e999...)."""
    parts = {
        "event": '"update"',
        "recordType": '"customer"',
        "id": '"100"',
        "lastModifiedDate": '"2026-09-01T10:00:00.000Z"',
        "fields": fields,
        **top,
    }
    return ("{" + ",".join(f'"{k}":{v}' for k, v in parts.items()) + "}").encode()


@pytest.fixture
def customer(db):
    return CustomerFactory(netsuite_id="100", company_name="Acme", balance=Decimal("5"))


def snapshot(customer: Customer) -> dict:
    customer.refresh_from_db()
    return {f.name: getattr(customer, f.name) for f in Customer._meta.fields}


def assert_refused(response, message: str, customer: Customer, before: dict) -> None:
    """400 with the message, logged as an error, nothing applied."""
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert message in error
    entry = LogEntry.objects.get(operation="netsuite_customer_event")
    assert (entry.outcome, entry.direction, entry.reason) == ("error", "from_netsuite", error)
    assert snapshot(customer) == before
    assert not InboundEvent.objects.exists()


# ============================================================================================
# NetSuite events: values SFNS reads, checked when the event is parsed
# ============================================================================================
@pytest.mark.parametrize(
    ("body", "message"),
    [
        # The JSON column refused these with a 500 (PostgreSQL's jsonb, SQLite's JSON check).
        (event_body('{"tags": ["a", NaN]}'), "fields.tags[1] is NaN"),
        (event_body('{"address": {"lines": [1, {"x": Infinity}]}}'), "fields.address.lines[1].x"),
        (event_body('{"credit": -Infinity}'), "fields.credit is -Infinity"),
        (event_body('{"huge": 1e999}'), "fields.huge is Infinity"),
        (event_body(extra="NaN"), "extra is NaN"),
        (event_body('{"odd key": [NaN]}'), "fields['odd key'][0] is NaN"),
    ],
)
def test_a_non_finite_number_anywhere_is_refused_saying_where(client, customer, body, message):
    before = snapshot(customer)

    response = post_event(client, body)

    assert_refused(response, message, customer, before)
    assert "numbers must be finite" in response.json()["error"]


@pytest.mark.parametrize("value", ['"yes"', '"true"', "1", "0", '""', "[true]", '{"v": true}'])
def test_a_lock_value_that_is_not_a_checkbox_is_refused(client, customer, value):
    before = snapshot(customer)

    response = post_event(client, event_body(f'{{"{LOCK}": {value}}}'))

    assert_refused(response, f"fields.{LOCK} is a checkbox", customer, before)


@pytest.mark.parametrize(("value", "locked"), [("true", True), ('"T"', True), ('"F"', False)])
def test_a_lock_as_suiteql_writes_it_is_read_as_a_boolean(client, customer, value, locked):
    """ "F" is a non-empty text: it used to lock the customer."""
    customer.locked = not locked
    customer.save()

    response = post_event(client, event_body(f'{{"{LOCK}": {value}}}'))

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.locked is locked
    assert customer.fields[LOCK] is locked


def test_a_lock_under_a_configured_field_id_is_checked(client, customer, integration_settings):
    integration_settings(netsuite_lock_field="custentity_our_lock")
    before = snapshot(customer)

    response = post_event(client, event_body('{"custentity_our_lock": "locked"}'))

    assert_refused(response, "fields.custentity_our_lock is a checkbox", customer, before)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (event_body(externalId="NaN"), "externalId is NaN"),
        (event_body(externalId="5"), "externalId must be a text or null, not 5"),
        (event_body('{"externalId": NaN}'), "fields.externalId is NaN"),
        (event_body('{"externalId": 1.5}'), "fields.externalId must be a text or null"),
        (event_body('{"externalId": ["001000000000001AAA"]}'), "fields.externalId must be a text"),
        (event_body(f'{{"{SFID}": {{"id": 1}}}}'), f"fields.{SFID} must be a text or null"),
        (event_body('{"companyName": ["Acme"]}'), "fields.companyName must be a text or null"),
    ],
)
def test_an_id_or_name_that_is_not_text_is_refused(client, customer, body, message):
    before = snapshot(customer)

    response = post_event(client, body)

    assert_refused(response, message, customer, before)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # No database text holds NUL; PostgreSQL answered with its SQL, SQLite stored it.
        (event_body('{"phone": "1\\u0000"}'), "fields.phone contains a NUL character"),
        (event_body('{"a\\u0000b": 1}'), "a key in fields contains a NUL character"),
        # Not Unicode at all: the event's hash (and SQLite, and psycopg) failed with a 500.
        (event_body('{"companyName": "\\ud800"}'), "fields.companyName contains an unpaired"),
        (event_body('{"x": ["\\udfff"]}'), "fields.x[0] contains an unpaired surrogate"),
    ],
)
def test_text_no_database_can_hold_is_refused(client, customer, body, message):
    before = snapshot(customer)

    response = post_event(client, body)

    assert_refused(response, message, customer, before)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Read by the mirror when the event has no date of its own: a 500.
        (
            event_body('{"lastModifiedDate": "yesterday"}', lastModifiedDate="null"),
            "fields.lastModifiedDate: not a Salesforce date-time",
        ),
        (event_body('{"lastModifiedDate": 12}'), "fields.lastModifiedDate must be an ISO 8601"),
        # An integer column: PostgreSQL refused it with its SQL in the answer.
        (event_body('{"daysOverdue": 1e10}'), "fields.daysOverdue is out of range"),
        # float() and Decimal() read these; NetSuite never writes them.
        (event_body('{"balance": "\\u0661\\u0662"}'), "fields.balance must be a number"),
        (event_body('{"balance": "1_000"}'), "fields.balance must be a number"),
        (event_body('{"balance": true}'), "fields.balance must be a number"),
        # Python's json gives up with a RecursionError long before 100,000 levels; SFNS
        # refuses past 32.
        (event_body("[" * 40 + "]" * 40), "fields[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"),
        (event_body("[" * 100_000 + "]" * 100_000), "body is nested deeper than 32 levels"),
    ],
)
def test_other_values_the_mirror_cannot_take_are_refused(client, customer, body, message):
    before = snapshot(customer)

    response = post_event(client, body)

    assert_refused(response, message, customer, before)


def test_a_well_formed_event_with_everything_checked_is_applied(client, customer):
    """The checks let through what the SuiteScript really sends."""
    fields = {
        "companyName": "Acme Corp",
        "externalId": "001000000000001AAA",
        SFID: "001000000000001AAA",
        LOCK: False,
        "balance": 10.5,
        "daysOverdue": "3",
        "addressBook": {"items": [{"addressBookAddress": {"country": {"id": "US"}}}]},
        "tags": [1, 2.5, None, "x"],
    }
    body = json.dumps(
        {
            "event": "update",
            "recordType": "customer",
            "id": "100",
            "externalId": None,
            "lastModifiedDate": "2026-09-01T10:00:00.000Z",
            "fields": fields,
        }
    ).encode()

    response = post_event(client, body)

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.company_name, customer.salesforce_id) == ("Acme Corp", "001000000000001AAA")
    assert (customer.balance, customer.days_overdue, customer.locked) == (Decimal("10.5"), 3, False)
    assert customer.fields["tags"] == [1, 2.5, None, "x"]


# ============================================================================================
# Salesforce outbound messages
# ============================================================================================
@pytest.mark.parametrize("encoding", ["EBCDIC-x", "UTF-32", "Shift_JIS"])
def test_an_xml_encoding_the_parser_cannot_read_is_refused(client, db, encoding):
    """An unknown encoding raised LookupError inside the parser: a 500."""
    body = outbound_message(settings.SALESFORCE_ORG_ID, [{"Id": "001000000000001AAA"}])
    body = body.replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)

    response = client.post(
        f"/webhooks/salesforce/{salesforce_webhook_token()}/",
        data=body,
        content_type="text/xml; charset=utf-8",
    )

    assert response.status_code == 400
    assert "XML" in response.content.decode()
    assert LogEntry.objects.get(operation="salesforce_outbound_message").outcome == "error"
    assert not Account.objects.exists()


# ============================================================================================
# Body size: refused before it is read, with a message
# ============================================================================================
def test_a_netsuite_event_over_the_limit_is_refused_unread(client, customer):
    body = event_body(json.dumps({"notes": "n" * NETSUITE_MAX_BODY}))

    response = post_event(client, body)

    assert response.status_code == 413
    assert f"over {NETSUITE_MAX_BODY} bytes" in response.json()["error"]
    assert not InboundEvent.objects.exists()
    # Unauthenticated as far as SFNS knows (the signature needs the body): not in the log.
    assert not LogEntry.objects.exists()


def test_a_salesforce_message_over_djangos_form_limit_but_under_ours_is_applied(
    client, field_mappings
):
    """
    100 notifications with long text: over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, which
    answered a bare 400) and well under the webhook's own limit. A refused message would be
    retried for a day and then lost.
    """
    records = [
        {"Id": f"001{i:012d}AAA", "Name": f"Account {i}", "Description": "d" * 30_000}
        for i in range(100)
    ]
    body = outbound_message(settings.SALESFORCE_ORG_ID, records)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(body) < SALESFORCE_MAX_BODY

    response = client.post(
        f"/webhooks/salesforce/{salesforce_webhook_token()}/",
        data=body,
        content_type="text/xml; charset=utf-8",
    )

    assert response.status_code == 200, response.content[:300]
    assert Account.objects.count() == 100


def test_a_salesforce_message_over_the_limit_is_refused_and_logged(client, db):
    body = outbound_message(
        settings.SALESFORCE_ORG_ID,
        [{"Id": "001000000000001AAA", "Description": "d" * SALESFORCE_MAX_BODY}],
    )

    response = client.post(
        f"/webhooks/salesforce/{salesforce_webhook_token()}/",
        data=body,
        content_type="text/xml; charset=utf-8",
    )

    assert response.status_code == 413
    assert f"over {SALESFORCE_MAX_BODY} bytes" in response.content.decode()
    assert b"<faultcode>soapenv:Client</faultcode>" in response.content
    entry = LogEntry.objects.get(operation="salesforce_outbound_message")
    assert entry.outcome == "error" and f"over {SALESFORCE_MAX_BODY} bytes" in entry.reason
    assert not Account.objects.exists()


# ============================================================================================
# The REST API
# ============================================================================================
@pytest.fixture
def api(client, django_user_model):
    # A superuser: the requests below must reach the parsing, past every permission.
    user = django_user_model.objects.create_user("admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_an_api_body_over_djangos_limit_is_413_with_a_message(api):
    body = json.dumps({"create": True, "pad": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    response = api.post(
        "/api/accounts/001000000000001AAA/link/", data=body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["detail"] == (
        f"request body over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"
    )


def test_api_json_nested_too_deeply_for_python_is_400(api):
    response = api.post(
        "/api/accounts/001000000000001AAA/link/",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/jobs/?status=failed%00", "status"),
        ("/api/log/?salesforce_id=%00", "salesforce_id"),
        ("/api/log/?netsuite_id=1%00", "netsuite_id"),
        ("/api/accounts/?anything=%00", "anything"),
    ],
)
def test_a_nul_in_a_query_parameter_is_400(api, url, param):
    """PostgreSQL cannot compare text with a NUL in it: the query itself failed, a 500."""
    response = api.get(url)

    assert response.status_code == 400
    assert response.json() == {param: ["must not contain a NUL character"]}


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/accounts/%00/", 400, "is not a Salesforce id"),
        ("/api/jobs/1%00/", 400, "is not an id"),
        ("/api/opportunities/a%00b/preview/", 404, "Not Found"),  # no such route
    ],
)
def test_an_id_that_cannot_be_one_is_refused_before_the_database(api, url, status, message):
    response = api.get(url)

    assert response.status_code == status
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/jobs/?status=broken", "must be one of pending"),
        ("/api/log/?outcome=bad", "must be one of success"),
        ("/api/log/?operation=nope", "must be one of"),
    ],
)
def test_an_unknown_filter_value_is_400_not_an_empty_list(api, url, message):
    response = api.get(url)

    assert response.status_code == 400
    assert message in next(iter(response.json().values()))[0]
