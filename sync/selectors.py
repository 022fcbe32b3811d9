"""Reads the sync needs, kept in one place: the mapping rules and what they make of a record."""

from __future__ import annotations

from typing import Any

from accounts.models import Account

from . import rules
from .errors import SyncRefused
from .mapping import MappingError, MappingRule, map_record, payload_hash
from .models import FieldMapping, MappingDirection


def mapping_rules(direction: str) -> list[MappingRule]:
    return [
        MappingRule(m.source, m.target, m.transform, m.argument)
        for m in FieldMapping.objects.filter(direction=direction, enabled=True)
    ]


def account_source(account: Account) -> dict[str, Any]:
    """The Account as the outbound mapping sees it: Salesforce's fields, SFNS's edits on top."""
    return {**account.fields, "Id": account.salesforce_id, "Name": account.name}


def account_outbound_payload(
    account: Account, rules_: list[MappingRule] | None = None
) -> dict[str, Any]:
    """
    Exactly what a push would send to NetSuite for this Account now (the preview). A mapping
    that cannot apply is a refusal that names the rule. rules_: the outbound mapping rules,
    when the caller maps many Accounts.
    """
    if rules_ is None:
        rules_ = mapping_rules(MappingDirection.TO_NETSUITE)
    try:
        return map_record(account_source(account), rules_)
    except MappingError as exc:
        raise SyncRefused(rules.mapping_refusal(error=str(exc))) from exc


def account_mapped_hash(account: Account, payload: dict[str, Any]) -> str:
    """
    The fingerprint of what a push would send: the mapped payload, and the Account's parent
    (a new ParentId re-parents the customer, sync/services/parents.py).
    """
    return payload_hash({**payload, "parent": account.parent_id} if account.parent_id else payload)


def customer_inbound_values(customer: dict[str, Any]) -> dict[str, Any]:
    """The Salesforce values the reverse mappings give for a NetSuite customer."""
    try:
        return map_record(customer, mapping_rules(MappingDirection.TO_SALESFORCE))
    except MappingError as exc:
        raise SyncRefused(rules.mapping_refusal(error=str(exc), reverse=True)) from exc
