"""Writes to the mirrors from what Salesforce and NetSuite send."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from settings.models import IntegrationSettings

from .ids import SALESFORCE_ID
from .models import Account, Customer, Opportunity

# NetSuite's read-only financials on a customer -> the Customer mirror's fields.
FINANCIAL_FIELDS = {
    "balance": "balance",
    "overdueBalance": "overdue_balance",
    "creditLimit": "credit_limit",
    "daysOverdue": "days_overdue",
    "unbilledOrders": "unbilled_orders",
    "depositBalance": "deposit_balance",
}


def parse_salesforce_datetime(value: Any) -> dt.datetime | None:
    """Salesforce writes 2026-09-01T10:00:00.000Z (SOAP) or ...000+0000 (REST)."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("+0000", "-0000")):
        text = text[:-5] + "+00:00"
    try:
        parsed = parse_datetime(text)
    except ValueError:  # well formed but impossible ("month must be in 1..12"): say which value
        parsed = None
    if parsed is None:
        raise ValueError(f"not a Salesforce date-time: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if not 1970 <= parsed.year <= 4000:  # a database keeps it, and Salesforce never sends it
        raise ValueError(f"not a Salesforce date-time: {value!r}")
    return parsed


def account_modstamp(fields: dict[str, Any]) -> dt.datetime | None:
    return parse_salesforce_datetime(fields.get("SystemModstamp") or fields.get("LastModifiedDate"))


@transaction.atomic
def account_upsert_from_salesforce(
    *, fields: dict[str, Any], _retry: bool = True
) -> tuple[Account, bool]:
    """
    Apply a Salesforce Account's latest values (an outbound message, a query row, an API call).
    Returns (account, applied). A version not newer than the one held is ignored: Salesforce
    delivers at least once and out of order, and every message carries whole values.
    """
    salesforce_id = fields["Id"]
    modstamp = account_modstamp(fields)
    account = Account.objects.select_for_update().filter(salesforce_id=salesforce_id).first()
    if account and account.last_modified and modstamp and modstamp <= account.last_modified:
        return account, False
    # Built in memory and saved once: each save runs the outbound mapping (the sync signal).
    account = account or Account(salesforce_id=salesforce_id, name=salesforce_id)
    account.fields = {**account.fields, **fields}
    if fields.get("Name"):
        account.name = fields["Name"][:255]  # the full name stays in fields
    if "ParentId" in fields:
        account.parent = (
            Account.objects.filter(salesforce_id=fields["ParentId"]).first()
            if fields["ParentId"]
            else None
        )
    account.last_modified = modstamp or account.last_modified
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:  # another message created it meanwhile: apply on top of that one
        if not _retry:
            raise
        return account_upsert_from_salesforce(fields=fields, _retry=False)
    # Children that arrived first (out of order) named this Account as parent: attach them.
    Account.objects.filter(parent__isnull=True, fields__ParentId=salesforce_id).exclude(
        pk=account.pk
    ).update(parent=account)
    return account, True


WON_STAGES = {"Closed Won"}


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        number = None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if number is not None and (not number.is_finite() or abs(number) >= 10**16):
        raise ValueError(f"not an amount: {value!r}")
    return number


@transaction.atomic
def opportunity_upsert_from_salesforce(*, fields: dict[str, Any]) -> tuple[Opportunity, bool, bool]:
    """
    Apply a Salesforce Opportunity's latest values. Returns (opportunity, applied, won_now):
    won_now is True when this version is the one that closed it as won. An Account not seen
    yet is created by id, to be filled in when it arrives (or read on first sync).
    """
    salesforce_id = fields["Id"]
    account_id = fields.get("AccountId")
    modstamp = account_modstamp(fields)
    opportunity = (
        Opportunity.objects.select_for_update()
        .select_related("account")
        .filter(salesforce_id=salesforce_id)
        .first()
    )
    if (
        opportunity
        and opportunity.last_modified
        and modstamp
        and (modstamp <= opportunity.last_modified)
    ):
        return opportunity, False, False
    if opportunity is None and not account_id:
        raise ValueError(f"Opportunity {salesforce_id} has no AccountId")
    was_won = bool(opportunity) and opportunity.stage in WON_STAGES
    if account_id and (opportunity is None or opportunity.account.salesforce_id != account_id):
        account, _ = Account.objects.get_or_create(
            salesforce_id=account_id, defaults={"name": account_id}
        )
    else:
        account = opportunity.account
    opportunity = opportunity or Opportunity(salesforce_id=salesforce_id, account=account)
    opportunity.account = account
    opportunity.fields = {**opportunity.fields, **fields}
    opportunity.name = (fields.get("Name") or opportunity.name or salesforce_id)[:255]
    opportunity.stage = fields.get("StageName") or opportunity.stage
    if "Amount" in fields:
        opportunity.amount = _decimal_or_none(fields["Amount"])
    opportunity.last_modified = modstamp or opportunity.last_modified
    opportunity.save()
    return opportunity, True, opportunity.stage in WON_STAGES and not was_won


def _lenient_decimal(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def customer_upsert_from_netsuite(
    *, netsuite_id: str, fields: dict[str, Any], conf: IntegrationSettings
) -> Customer:
    """Copy what NetSuite says about a customer onto its mirror (financials, lock, names)."""
    salesforce_id = str(
        fields.get(conf.netsuite_salesforce_id_field) or fields.get("externalId") or ""
    )
    defaults: dict[str, Any] = {
        "company_name": str(fields.get("companyName") or "")[:255],
        # Only something shaped like a Salesforce id links the mirror back.
        "salesforce_id": salesforce_id if SALESFORCE_ID.fullmatch(salesforce_id) else "",
        "locked": bool(fields.get(conf.netsuite_lock_field)),
        "fields": fields,
        "refreshed_at": timezone.now(),
    }
    for source, target in FINANCIAL_FIELDS.items():
        if source in fields:
            # "3.0" or "n/a" must not fail the whole update.
            number = _lenient_decimal(fields[source])
            defaults[target] = (
                int(number) if target == "days_overdue" and number is not None else number
            )
    stamp = fields.get("lastModifiedDate")
    if stamp:
        defaults["last_modified"] = parse_salesforce_datetime(stamp)
    customer, _ = Customer.objects.update_or_create(netsuite_id=netsuite_id, defaults=defaults)
    return customer
