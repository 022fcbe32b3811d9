"""Writes to the mirrors from what Salesforce and NetSuite send."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from settings.models import IntegrationSettings
from sfns.bulk import bulk_insert, bulk_update

from .ids import salesforce_id_or_none
from .models import Account, Contact, Customer, Opportunity

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


def _newer(account: Account | None, modstamp: dt.datetime | None) -> bool:
    """Whether a version stamped modstamp may overwrite the Account as held."""
    return not (
        account and account.last_modified and modstamp and modstamp <= account.last_modified
    )


def _apply(account: Account, fields: dict[str, Any], modstamp: dt.datetime | None) -> None:
    """A Salesforce version's values onto the Account in memory (the parent aside)."""
    account.fields = {**account.fields, **fields}
    if fields.get("Name"):
        account.name = fields["Name"][:255]  # the full name stays in fields
    account.last_modified = modstamp or account.last_modified


def _attach_children(account: Account) -> None:
    """Children that arrived first (out of order) named this new Account as parent."""
    Account.objects.filter(parent__isnull=True, fields__ParentId=account.salesforce_id).exclude(
        pk=account.pk
    ).update(parent=account)


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
    if not _newer(account, modstamp):
        return account, False
    # Built in memory and saved once: each save runs the outbound mapping (the sync signal).
    account = account or Account(salesforce_id=salesforce_id, name=salesforce_id)
    _apply(account, fields, modstamp)
    if "ParentId" in fields:
        account.parent = (
            Account.objects.filter(salesforce_id=fields["ParentId"]).first()
            if fields["ParentId"]
            else None
        )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:  # another message created it meanwhile: apply on top of that one
        if not _retry:
            raise
        return account_upsert_from_salesforce(fields=fields, _retry=False)
    _attach_children(account)
    return account, True


SAVED_FIELDS = ["name", "fields", "parent", "last_modified", "updated_at"]
# What applying a message and deciding what to sync read of the Accounts held: loading whole
# rows (every date, the last pushed payload) was a tenth of a worker's CPU in a burst.
APPLY_READS = [*SAVED_FIELDS, "salesforce_id", "mapped_hash", "netsuite_id"]


@transaction.atomic
def accounts_upsert_from_salesforce(
    *,
    records: list[dict[str, Any]],
    before_save: Callable[[list[Account]], list[str]] | None = None,
) -> list[Account]:
    """
    account_upsert_from_salesforce for a whole outbound message in a few queries. Returns the
    Accounts a version was applied to. Saved in bulk, so no post_save signal runs: the caller
    does what saving an Account means to it (the sync: sync.services.push), before_save if it
    sets more fields to save in the same statement (it returns their names).
    """
    stamped = sorted(
        ((account_modstamp(fields), fields) for fields in records),
        key=lambda pair: pair[0] or dt.datetime.min.replace(tzinfo=dt.UTC),
    )
    held = {
        account.salesforce_id: account
        for account in Account.objects.select_for_update()
        .filter(salesforce_id__in={fields["Id"] for fields in records})
        .only(*APPLY_READS)
    }
    parent_ids = {fields["ParentId"] for fields in records if fields.get("ParentId")}
    parents = dict(
        Account.objects.filter(salesforce_id__in=parent_ids).values_list("salesforce_id", "pk")
    )
    applied: dict[str, Account] = {}
    for modstamp, fields in stamped:  # oldest first: two versions in one message both apply
        account = held.get(fields["Id"])
        if not _newer(account, modstamp):
            continue
        account = account or Account(salesforce_id=fields["Id"], name=fields["Id"])
        held[fields["Id"]] = applied[fields["Id"]] = account
        _apply(account, fields, modstamp)
        if "ParentId" in fields:
            account.parent_id = parents.get(fields["ParentId"])
    also = before_save(list(applied.values())) if before_save and applied else []
    new = [account for account in applied.values() if account.pk is None]
    try:
        with transaction.atomic():
            # Not an upsert: a version of a new Account that another message created meanwhile
            # must be compared with that one first.
            bulk_insert(new)
    except IntegrityError:  # one at a time, each compared with what is there now
        return [
            account_upsert_from_salesforce(fields=fields)[0]
            for _, fields in stamped
            if fields["Id"] in applied
        ]
    now = timezone.now()
    created = {id(account) for account in new}
    existing = [account for account in applied.values() if id(account) not in created]
    for account in existing:
        account.updated_at = now
    bulk_update(existing, SAVED_FIELDS + also)
    for account in new:
        _attach_children(account)
    return list(applied.values())


STAGE_MAX_LENGTH = Opportunity._meta.get_field("stage").max_length


def parse_amount(value: Any) -> Decimal | None:
    """An Opportunity's Amount as the mirror keeps it; ValueError says why it cannot."""
    try:
        number = None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if number is not None and (not number.is_finite() or abs(number) >= 10**16):
        raise ValueError(f"not an amount: {value!r}")
    return number


@transaction.atomic
def opportunity_upsert_from_salesforce(
    *, fields: dict[str, Any], won_stages: Collection[str] = ("Closed Won",)
) -> tuple[Opportunity, bool, bool]:
    """
    Apply a Salesforce Opportunity's latest values. Returns (opportunity, applied, won_now):
    won_now is True when this version is the one that moved it into one of won_stages. An
    Account not seen yet is created by id, to be filled in when it arrives (or read on first
    sync).
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
    was_won = bool(opportunity) and opportunity.stage in won_stages
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
        opportunity.amount = parse_amount(fields["Amount"])
    opportunity.last_modified = modstamp or opportunity.last_modified
    opportunity.save()
    return opportunity, True, opportunity.stage in won_stages and not was_won


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
        # Only a Salesforce id links the mirror back, in the form the Accounts have (a person
        # may have typed the 15-character id into NetSuite).
        "salesforce_id": salesforce_id_or_none(salesforce_id) or "",
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


@transaction.atomic
def contact_upsert_from_salesforce(*, fields: dict[str, Any]) -> tuple[Contact, bool]:
    """
    Apply a Salesforce Contact's latest values; returns (contact, applied). An Account not
    seen yet is created by id, to be filled in when it arrives; no AccountId: a private Contact.
    """
    salesforce_id = fields["Id"]
    modstamp = account_modstamp(fields)
    contact = Contact.objects.select_for_update().filter(salesforce_id=salesforce_id).first()
    if contact and contact.last_modified and modstamp and modstamp <= contact.last_modified:
        return contact, False
    contact = contact or Contact(salesforce_id=salesforce_id)
    contact.fields = {**contact.fields, **fields}
    name = " ".join(filter(None, (contact.fields.get("FirstName"), contact.fields.get("LastName"))))
    contact.name = (name or salesforce_id)[:255]
    if "AccountId" in fields:
        account_id = fields["AccountId"]
        contact.account = (
            Account.objects.get_or_create(salesforce_id=account_id, defaults={"name": account_id})[
                0
            ]
            if account_id
            else None
        )
    contact.last_modified = modstamp or contact.last_modified
    contact.save()
    return contact, True
