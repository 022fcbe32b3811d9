"""Hostile or broken webhook input: a 4xx with a message, nothing changed, never a 500; and
the Salesforce URL token never reaches a log line."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import pytest
from django.conf import settings

from accounts.models import Account, Customer
from sfns.logging import RedactWebhookTokens
from sync.webhooks import salesforce_webhook_token

from .soap import outbound_message

pytestmark = pytest.mark.django_db
ORG = settings.SALESFORCE_ORG_ID
SF_URL = "/webhooks/salesforce/{}/"
NS_URL = "/webhooks/netsuite/customer/"


def post_soap(client, body: bytes, token: str | None = None):
    return client.post(
        SF_URL.format(token or salesforce_webhook_token()),
        data=body,
        content_type="text/xml; charset=utf-8",
    )


def post_signed(client, event: dict, *, stamp: str | None = None):
    body = json.dumps(event).encode()
    stamp = stamp or str(int(time.time()))
    signature = hmac.new(
        settings.SFNS_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return client.post(
        NS_URL,
        data=body,
        content_type="application/json",
        HTTP_X_SFNS_TIMESTAMP=stamp,
        HTTP_X_SFNS_SIGNATURE=f"sha256={signature}",
    )


def test_the_raw_webhook_secret_is_not_the_salesforce_url_token(client):
    body = outbound_message(ORG, [{"Id": "001000000000001AAA", "Name": "X"}])

    assert post_soap(client, body, token=settings.SFNS_WEBHOOK_SECRET).status_code == 403
    assert not Account.objects.exists()


def test_the_15_character_org_id_is_the_same_org(client, field_mappings):
    body = outbound_message(ORG[:15], [{"Id": "001000000000001AAA", "Name": "Fifteen"}])

    assert post_soap(client, body).status_code == 200
    assert Account.objects.get().name == "Fifteen"


@pytest.mark.parametrize(
    ("org", "records", "message"),
    [
        ("00D0000000000é1EAA", [{"Id": "001000000000001AAA"}], "is not this org"),
        (ORG, [{"Id": "001000000000001AAA" + "X" * 30}], "is not a Salesforce id"),
        (ORG, [{"Id": "001000000000001AAA", "ParentId": "not an id"}], "is not a Salesforce id"),
    ],
)
def test_salesforce_message_with_impossible_values_is_refused(client, org, records, message):
    response = post_soap(client, outbound_message(org, records))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"Amount": "NaN"}, "not an amount"),
        ({"Amount": "Infinity"}, "not an amount"),
        ({"LastModifiedDate": "9999-12-31T23:59:59-14:00"}, "not a Salesforce date-time"),
    ],
)
def test_opportunity_with_impossible_values_is_refused(client, field_mappings, fields, message):
    record = {
        "Id": "006000000000001AAA",
        "AccountId": "001000000000001AAA",
        "Name": "Deal",
        **fields,
    }
    response = post_soap(client, outbound_message(ORG, [record], sobject="Opportunity"))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Account.objects.exists()


def test_a_name_longer_than_the_mirror_holds_is_kept_whole_in_the_fields(client, field_mappings):
    name = "N" * 300
    response = post_soap(
        client, outbound_message(ORG, [{"Id": "001000000000001AAA", "Name": name}])
    )

    assert response.status_code == 200
    account = Account.objects.get()
    assert account.name == name[:255] and account.fields["Name"] == name


def test_an_absurd_timestamp_is_refused_before_anything_else(client):
    response = post_signed(client, {"event": "update"}, stamp="1" + "0" * 400)

    assert response.status_code == 401
    assert "not a Unix time" in response.json()["error"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"id": "1" * 40}, "id must be"),
        ({"fields": {"daysOverdue": 1e30}}, "fields.daysOverdue is out of range"),
        ({"fields": {"balance": "1e20"}}, "fields.balance is out of range"),
        ({"fields": {"balance": int("1" + "0" * 400)}}, "fields.balance must be a number"),
        ({"lastModifiedDate": "9999-12-31T23:59:59-14:00"}, "not a Salesforce date-time"),
    ],
)
def test_netsuite_event_with_impossible_values_is_refused(client, event, message):
    base = {"event": "update", "recordType": "customer", "id": "100", "fields": {}}
    response = post_signed(client, {**base, **event})

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Customer.objects.exists()


def test_netsuite_event_with_a_long_name_and_a_non_id_is_stored_safely(client):
    event = {
        "event": "update",
        "recordType": "customer",
        "id": "100",
        "fields": {
            "companyName": "C" * 300,
            "custentity_sfns_salesforce_id": "x" * 40,
        },
    }
    assert post_signed(client, event).status_code == 200

    customer = Customer.objects.get()
    assert customer.company_name == "C" * 255
    assert customer.salesforce_id == ""


def test_the_url_token_is_redacted_from_log_lines():
    token = salesforce_webhook_token()
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Forbidden: %s",
        (f"/webhooks/salesforce/{token}/",),
        None,
    )

    RedactWebhookTokens().filter(record)

    assert record.getMessage() == "Forbidden: /webhooks/salesforce/[redacted]/"
    assert token not in record.getMessage()


def test_every_log_line_goes_through_the_redaction():
    handlers = settings.LOGGING["handlers"]
    assert all("redact_tokens" in handler["filters"] for handler in handlers.values())
    for logger in ("django", "django.server"):  # Django's own handlers are replaced
        assert settings.LOGGING["loggers"][logger]["handlers"] == ["console"]
        assert settings.LOGGING["loggers"][logger]["propagate"] is False
