"""Writes to the mirrors from what Salesforce and NetSuite send."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from .models import Account


def parse_salesforce_datetime(value: Any) -> dt.datetime | None:
    """Salesforce writes 2026-09-01T10:00:00.000Z (SOAP) or ...000+0000 (REST)."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("+0000", "-0000")):
        text = text[:-5] + "+00:00"
    parsed = parse_datetime(text)
    if parsed is None:
        raise ValueError(f"not a Salesforce date-time: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def account_modstamp(fields: dict[str, Any]) -> dt.datetime | None:
    return parse_salesforce_datetime(fields.get("SystemModstamp") or fields.get("LastModifiedDate"))


@transaction.atomic
def account_upsert_from_salesforce(*, fields: dict[str, Any]) -> tuple[Account, bool]:
    """
    Apply a Salesforce Account's latest values (an outbound message, a query row, an API call).
    Returns (account, applied). A version not newer than the one held is ignored: Salesforce
    delivers at least once and out of order, and every message carries whole values.
    """
    salesforce_id = fields["Id"]
    modstamp = account_modstamp(fields)
    account, created = Account.objects.select_for_update().get_or_create(
        salesforce_id=salesforce_id, defaults={"name": fields.get("Name") or salesforce_id}
    )
    if not created and account.last_modified and modstamp and modstamp <= account.last_modified:
        return account, False
    account.fields = {**account.fields, **fields}
    if fields.get("Name"):
        account.name = fields["Name"]
    if "ParentId" in fields:
        account.parent = (
            Account.objects.filter(salesforce_id=fields["ParentId"]).first()
            if fields["ParentId"]
            else None
        )
    account.last_modified = modstamp or account.last_modified
    account.save()
    return account, True
