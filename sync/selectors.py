"""Reads the sync needs, kept in one place."""

from __future__ import annotations

from typing import Any

from accounts.models import Account

from .mapping import MappingRule, map_record
from .models import FieldMapping, MappingDirection


def mapping_rules(direction: str) -> list[MappingRule]:
    return [
        MappingRule(m.source, m.target, m.transform, m.argument)
        for m in FieldMapping.objects.filter(direction=direction, enabled=True)
    ]


def account_source(account: Account) -> dict[str, Any]:
    """The Account as the outbound mapping sees it: Salesforce's fields, SFNS's edits on top."""
    return {**account.fields, "Id": account.salesforce_id, "Name": account.name}


def account_outbound_payload(account: Account) -> dict[str, Any]:
    """Exactly what a push would send to NetSuite for this Account now (the preview)."""
    return map_record(account_source(account), mapping_rules(MappingDirection.TO_NETSUITE))
