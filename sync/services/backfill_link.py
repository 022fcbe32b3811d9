"""
The backfill's decision for one Account, in the product's order: the customer that already
carries the Account's Salesforce id; the customer the Account's NetSuite Id names; the one
customer the matching rules find. Several candidates, or a customer another Account has, are
reported and never linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.ids import salesforce_id_18, salesforce_id_or_none
from settings.models import IntegrationSettings

from .. import matching
from .backfill_index import BackfillIndex

LINKED, ALREADY_LINKED, AMBIGUOUS, UNMATCHED, CONFLICT, FAILED = (
    "linked",
    "already linked",
    "ambiguous",
    "unmatched",
    "conflict",
    "failed",
)
ON_CUSTOMER = "Salesforce id on the customer"
ON_ACCOUNT = "NetSuite Id on the Account"


@dataclass(frozen=True)
class AccountOutcome:
    salesforce_id: str
    name: str
    action: str
    netsuite_id: str = ""
    rule: str = ""
    reason: str = ""
    write_netsuite: bool = False  # the customer gets the Account's id (external id, field)
    write_salesforce: bool = False  # the Account gets the customer's NetSuite Id


def owner_id(value: Any) -> str:
    """The 18-character Salesforce id a customer carries, "" if none (or another system's)."""
    text = str(value or "").strip()
    return salesforce_id_or_none(text) or text


def decide_link(
    row: dict[str, Any], index: BackfillIndex, conf: IntegrationSettings, enabled: list[str]
) -> AccountOutcome:
    salesforce_id = salesforce_id_18(row["Id"])
    name = str(row.get("Name") or "")
    on_account = str(row.get(conf.salesforce_netsuite_id_field) or "").strip()

    def outcome(action: str, netsuite_id: str = "", rule: str = "", reason: str = "", **writes):
        if action == LINKED:
            index.claim(netsuite_id, salesforce_id)
        return AccountOutcome(salesforce_id, name, action, netsuite_id, rule, reason, **writes)

    owned = index.owned_by(salesforce_id)
    if len(owned) > 1:
        return outcome(CONFLICT, reason=f"customers {', '.join(owned)} all carry this Account's id")
    if owned:
        if on_account == owned[0]:
            return outcome(ALREADY_LINKED, owned[0], ON_CUSTOMER)
        note = f"the Account named customer {on_account}" if on_account else ""
        return outcome(LINKED, owned[0], ON_CUSTOMER, note, write_salesforce=True)
    missing = ""
    if on_account:
        customer = index.customer(on_account)
        if customer is None:
            missing = f"the Account's NetSuite Id {on_account} is no customer; "
        elif customer.owner or customer.claimed_by not in ("", salesforce_id):
            other = customer.owner or customer.claimed_by
            return outcome(CONFLICT, on_account, ON_ACCOUNT, f"customer belongs to {other}")
        else:
            return outcome(LINKED, on_account, ON_ACCOUNT, write_netsuite=True)
    keys = matching.account_keys(row)
    found = matching.decide(keys, index.candidates(keys, enabled, salesforce_id), enabled=enabled)
    if found.ambiguous:
        customers = ", ".join(found.candidates)
        return outcome(AMBIGUOUS, rule=found.rule, reason=f"{missing}customers {customers} match")
    if found.unique:
        return outcome(
            LINKED,
            found.unique,
            found.rule,
            missing.rstrip("; "),
            write_netsuite=True,
            write_salesforce=True,
        )
    return outcome(UNMATCHED, reason=f"{missing}no customer matches")
