"""Reads the sync needs, kept in one place: the mapping rules and what they make of a record."""

from __future__ import annotations

import math
from typing import Any

from accounts.ids import salesforce_id_or_none
from accounts.models import Account, Contact, Customer

from . import address_book, rules
from .errors import SyncRefused
from .mapping import (
    MISSING,
    MappingError,
    MappingRule,
    apply_rule,
    diff,
    map_record,
    payload_hash,
    rule_problem,
    target_conflict,
)
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


def account_payload_as_pushed(
    account: Account, rules_: list[MappingRule] | None = None
) -> dict[str, Any]:
    """
    What a push would send now, in the form SFNS keeps of what it sent (pushed_payload): the
    address lines SFNS owns carry the ids NetSuite gave them, so the two compare as equal when
    nothing changed (address_book.with_line_ids).
    """
    return address_book.with_line_ids(
        account_outbound_payload(account, rules_), account.pushed_payload
    )


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


def mapping_rules_with(
    *, direction: str, rule: MappingRule | None, position: int, replaces: int | None = None
) -> list[MappingRule]:
    """
    The enabled rules of a direction as they would be with `rule` in place at `position`
    (an edit of mapping `replaces`, else a new one, after those at the same position); None
    for a rule that would be disabled.
    """
    rows = FieldMapping.objects.filter(direction=direction, enabled=True)
    if replaces is not None:
        rows = rows.exclude(pk=replaces)
    ordered = [
        ((m.position, m.pk), MappingRule(m.source, m.target, m.transform, m.argument)) for m in rows
    ]
    if rule is not None:
        ordered.append(((position, replaces if replaces is not None else math.inf), rule))
    return [rule_ for _, rule_ in sorted(ordered, key=lambda pair: pair[0])]


def mapping_conflict(*, direction: str, target: str, replaces: int | None = None) -> str:
    """Why a rule setting `target` cannot stand beside the direction's other enabled rules
    ("" when it can); `replaces`: the mapping it is an edit of."""
    others = FieldMapping.objects.filter(direction=direction, enabled=True)
    if replaces is not None:
        others = others.exclude(pk=replaces)
    return target_conflict(target, others.values_list("target", flat=True))


def mapping_source(*, direction: str, record: str) -> dict[str, Any]:
    """
    The record a mapping of `direction` reads, as the mapping sees it: an Account
    (sf_to_ns) or a Contact (contact_to_ns) by its Salesforce id (15 or 18 characters), a
    customer (ns_to_sf) by its NetSuite internal id. LookupError says which is missing.
    """
    if direction == MappingDirection.TO_SALESFORCE:
        customer = Customer.objects.filter(netsuite_id=record).first()
        if customer is None:
            raise LookupError(f"no NetSuite customer {record[:40]!r} in SFNS")
        return customer.fields
    salesforce_id = salesforce_id_or_none(record)
    model = Contact if direction == MappingDirection.CONTACT_TO_NETSUITE else Account
    found = model.objects.filter(salesforce_id=salesforce_id).first() if salesforce_id else None
    if found is None:
        raise LookupError(f"no {model.__name__} {record[:40]!r} in SFNS")
    if isinstance(found, Account):
        return account_source(found)
    return {**found.fields, "Id": found.salesforce_id}


def mapping_preview(
    *,
    direction: str,
    rule: MappingRule,
    position: int,
    enabled: bool,
    replaces: int | None,
    source: dict[str, Any],
) -> dict[str, Any]:
    """
    What `rule` makes of a record: its value ("sets" false when it sets nothing), the whole
    payload of the direction's rules with it in place, and the top-level fields that differ
    from today's payload ({field: [now, then]}). A rule that cannot apply to this record
    gives its error, and no payload.
    """
    rules_then = mapping_rules_with(
        direction=direction, rule=rule if enabled else None, position=position, replaces=replaces
    )
    try:
        value = apply_rule(rule, source)
        then = map_record(source, rules_then)
    except MappingError as exc:
        return {"value": None, "sets": False, "payload": None, "changes": None, "error": str(exc)}
    try:
        now = map_record(source, mapping_rules(direction))
    except MappingError:  # today's rules fail on this record: everything is a change
        now = {}
    sets = value is not MISSING
    return {
        "value": value if sets else None,
        "sets": sets,
        "payload": then,
        "changes": diff(now, then),
        "error": "",
    }


def mapping_problems(
    *,
    direction: str,
    rule: MappingRule,
    enabled: bool,
    replaces: int | None = None,
) -> dict[str, str]:
    """
    A rule's problems by field ({} when it may be saved): on its own (mapping.rule_problem),
    then beside the direction's other rules. The API and the admin both ask before saving one;
    `replaces`: the mapping it is an edit of.
    """
    if problem := rule_problem(rule):
        return problem
    if direction == MappingDirection.TO_SALESFORCE and "." in rule.target:
        return {"target": "a Salesforce field's API name (Salesforce fields hold no objects)"}
    taken = FieldMapping.objects.filter(direction=direction, target=rule.target)
    if (taken.exclude(pk=replaces) if replaces else taken).exists():
        return {"target": f"{rule.target} is already mapped in {direction}: change that mapping"}
    if enabled and (
        conflict := mapping_conflict(direction=direction, target=rule.target, replaces=replaces)
    ):
        return {"target": conflict}
    return {}
