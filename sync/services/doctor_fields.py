"""
What the doctor checks fields against: the Salesforce and NetSuite fields that the settings and
the field mappings name, what each must be (type, length, editable), and the fix when it is not.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accounts.services import FINANCIAL_FIELDS
from settings.models import IntegrationSettings

from .. import rules
from ..models import FieldMapping, MappingDirection, Transform
from .order_lines import LINE_FIELDS

SALESFORCE_PACKAGE = (
    "deploy the Salesforce package (README, Connect your org: sf project deploy start "
    "--source-dir deploy/salesforce/force-app)"
)


NETSUITE_PACKAGE = (
    "deploy the NetSuite package (README, Connect your org: suitecloud project:deploy in "
    "deploy/netsuite)"
)


# The Opportunity fields SFNS reads to make estimates and sales orders.
OPPORTUNITY_FIELDS = ("Name", "AccountId", "StageName", "Amount")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Need:
    """A field SFNS reads or writes, and what it must be for that."""

    record: str
    field: str
    why: str
    types: frozenset[str] = frozenset()
    writable: bool = False
    min_length: int = 0


# -- what the settings and mappings need --------------------------------------------------------
def _top(path: str) -> str:
    return path.split(".", 1)[0]


def _read_fields(mapping: FieldMapping) -> set[str]:
    """The Salesforce fields an outbound mapping reads: its source, or its template's fields."""
    if mapping.transform != Transform.TEMPLATE:
        return {_top(mapping.source)} - {""}
    return _template_fields(mapping.argument)


def _template_fields(argument: Any) -> set[str]:
    if not isinstance(argument, str):
        return set()
    try:
        parsed = string.Formatter().parse(argument)
        return {_top(name) for _, name, _, _ in parsed if name}
    except ValueError:  # a broken template: the mapping's own error says so at push time
        return set()


def _first_of_each(needs: Iterable[Need]) -> list[Need]:
    """One need a field, the first named (the settings' before the mappings')."""
    unique: dict[tuple[str, str], Need] = {}
    for need in needs:
        unique.setdefault((need.record, need.field), need)
    return list(unique.values())


def salesforce_needs(conf: IntegrationSettings, mappings: list[FieldMapping]) -> list[Need]:
    needs = [
        Need("Account", conf.salesforce_netsuite_id_field, "NetSuite Id", rules.TEXT, True, 10),
        Need(
            "Account", conf.salesforce_netsuite_sync_field, "NetSuite Sync", rules.TEXT, True, 255
        ),
    ]
    for mapping in mappings:
        if mapping.direction == MappingDirection.TO_NETSUITE:
            for name in _read_fields(mapping):
                needs.append(Need("Account", name, f"mapped to NetSuite {mapping.target}"))
        elif mapping.direction == MappingDirection.CONTACT_TO_NETSUITE:
            for name in _read_fields(mapping):
                why = f"mapped to NetSuite contact {mapping.target}"
                needs.append(Need("Contact", name, why))
        else:
            numbers = rules.NUMBER if mapping.source in FINANCIAL_FIELDS else frozenset()
            why = f"mapped from NetSuite {mapping.source}"
            needs.append(Need("Account", _top(mapping.target), why, numbers, writable=True))
    needs += [
        Need("Opportunity", name, "read for estimates and orders") for name in (OPPORTUNITY_FIELDS)
    ]
    needs += [
        Need("OpportunityLineItem", name, "read for estimate and order lines")
        for name in ("OpportunityId", *LINE_FIELDS)
    ]
    needs.append(Need("Product2", conf.product_key_field, "the key of a product's NetSuite item"))
    return _first_of_each(need for need in needs if need.field)


def netsuite_needs(conf: IntegrationSettings, mappings: list[FieldMapping]) -> list[Need]:
    needs = [
        Need(
            "customer", conf.netsuite_lock_field, "Salesforce Lock Record", frozenset({"boolean"})
        ),
        Need("customer", conf.netsuite_salesforce_id_field, "Salesforce ID", frozenset({"string"})),
    ]
    for mapping in mappings:
        if mapping.direction == MappingDirection.TO_NETSUITE:
            why = f"mapped from Salesforce {mapping.source or mapping.transform}"
            needs.append(Need("customer", _top(mapping.target), why))
        elif mapping.direction == MappingDirection.CONTACT_TO_NETSUITE:
            why = f"mapped from Salesforce Contact {mapping.source or mapping.transform}"
            needs.append(Need("contact", _top(mapping.target), why))
        elif mapping.source:
            needs.append(Need("customer", _top(mapping.source), f"mapped to {mapping.target}"))
    return _first_of_each(needs)


def reverse_mapped_netsuite_fields(mappings: list[FieldMapping]) -> list[str]:
    """
    The customer fields the reverse mappings read, in their order: the NetSuite script's
    Mapped Fields, whose changes it posts to SFNS (manage.py prepare_deploy writes them).
    """
    fields: dict[str, None] = {}
    for mapping in mappings:
        if mapping.direction == MappingDirection.TO_SALESFORCE:
            fields.update(dict.fromkeys(sorted(_read_fields(mapping))))
    return list(fields)


def salesforce_field_check(need: Need, fields: dict[str, dict[str, dict]]) -> Check:
    name = f"Salesforce field {need.record}.{need.field}"
    field = fields[need.record].get(need.field)
    problem = rules.salesforce_field_problem(
        field, types=need.types, writable=need.writable, min_length=need.min_length
    )
    if not problem:
        return Check(name, True, f"{field['type']} ({need.why})")
    if field is None:
        fix = SALESFORCE_PACKAGE if need.field.endswith("__c") else "check the field mapping"
        fix += f", or correct the name in the settings or field mappings ({need.why})"
    elif "read-only" in problem:
        fix = "give the integration user edit access (permission set SFNS_Integration)"
    else:
        kinds = " or ".join(sorted(need.types))
        fix = f"make it a {kinds} field of at least {need.min_length or 1} characters"
    return Check(name, False, f"{problem} ({need.why})", fix)
