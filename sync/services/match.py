"""
Matching at link time: before the link creates a customer, the customer an admin chose, or
the one customer in NetSuite the matching rules find (company name, website, phone, email
domain; sync/matching.py). Several found: refused, naming them, for a person to choose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from accounts.ids import salesforce_id_or_none
from accounts.models import Account
from settings.models import IntegrationSettings

from .. import matching, rules
from ..clients.errors import NotFound
from ..clients.netsuite import NetSuiteClient, suiteql_checkbox, suiteql_text
from ..errors import SyncRefused
from ..selectors import account_source

CANDIDATE_LIMIT = 200  # customers a link-time search reads at most


@dataclass(frozen=True)
class Found:
    netsuite_id: str
    locked: bool
    how: str  # "found by company name", "chosen by an admin"


def enabled_rules(conf: IntegrationSettings) -> list[str]:
    switches = {
        matching.NAME: conf.match_by_name,
        matching.WEBSITE: conf.match_by_website,
        matching.PHONE: conf.match_by_phone,
        matching.EMAIL: conf.match_by_email_domain,
    }
    return [rule for rule in matching.RULES if switches[rule]]


def customer_for_link(
    *, client: NetSuiteClient, account: Account, conf: IntegrationSettings
) -> Found | None:
    """The customer to link instead of creating one, or None: create a new customer."""
    if account.link_choice == Account.LINK_NEW:
        return None
    if account.link_choice:
        return _chosen(client, account, conf)
    enabled = enabled_rules(conf)
    keys = matching.account_keys(account_source(account))
    if not enabled or not any(keys[rule] for rule in enabled):
        return None
    rows = {str(row["id"]): row for row in _search(client, keys, enabled, conf)}
    free = [
        (netsuite_id, matching.customer_keys(row))
        for netsuite_id, row in rows.items()
        if not linked_elsewhere(row, account.salesforce_id, conf)
    ]
    found = matching.decide(keys, matching.candidates_among(keys, free), enabled=enabled)
    if found.ambiguous:
        names = [f"{i} ({rows[i].get('companyname') or 'no name'})" for i in found.candidates]
        raise SyncRefused(
            rules.ambiguous_match_refusal(
                salesforce_id=account.salesforce_id, rule=found.rule, candidates=names
            )
        )
    if not found.unique:
        return None
    locked = suiteql_checkbox(rows[found.unique].get(conf.netsuite_lock_field.lower()))
    return Found(found.unique, locked, f"found by {found.rule}")


def linked_elsewhere(row: dict[str, Any], salesforce_id: str, conf: IntegrationSettings) -> bool:
    """
    Whether a customer belongs to another record: its external id or Salesforce ID field
    names another Account, or its external id is another system's (never overwritten).
    """
    for value in (row.get("externalid"), row.get(conf.netsuite_salesforce_id_field.lower())):
        text = str(value or "")
        if not text:
            continue
        if salesforce_id_or_none(text) != salesforce_id:  # its own id in any case is its own
            return True
    return False


def _chosen(client: NetSuiteClient, account: Account, conf: IntegrationSettings) -> Found:
    netsuite_id = account.link_choice
    fields = ["externalId", conf.netsuite_salesforce_id_field, conf.netsuite_lock_field]
    try:
        customer = client.get("customer", netsuite_id, fields=fields)
    except NotFound:
        raise SyncRefused(rules.chosen_customer_refusal(netsuite_id=netsuite_id)) from None
    row = {
        "externalid": customer.get("externalId"),
        conf.netsuite_salesforce_id_field.lower(): customer.get(conf.netsuite_salesforce_id_field),
    }
    if linked_elsewhere(row, account.salesforce_id, conf):
        owner = str(row["externalid"] or row[conf.netsuite_salesforce_id_field.lower()])
        raise SyncRefused(rules.chosen_customer_refusal(netsuite_id=netsuite_id, linked_to=owner))
    return Found(netsuite_id, bool(customer.get(conf.netsuite_lock_field)), "chosen by an admin")


def _search(
    client: NetSuiteClient, keys: dict[str, str], enabled: list[str], conf: IntegrationSettings
) -> list[dict[str, Any]]:
    """Active customers that may share a key with the Account (a coarse SuiteQL filter)."""
    wanted = []
    if matching.NAME in enabled and keys[matching.NAME]:
        longest = max(keys[matching.NAME].split(), key=len)
        wanted.append(f"LOWER(companyname) LIKE '%{suiteql_text(longest)}%'")
    if matching.WEBSITE in enabled and keys[matching.WEBSITE]:
        wanted.append(f"LOWER(url) LIKE '%{suiteql_text(keys[matching.WEBSITE])}%'")
    if matching.PHONE in enabled and keys[matching.PHONE]:
        wanted.append(f"phone LIKE '%{keys[matching.PHONE][-4:]}%'")
    if matching.EMAIL in enabled and keys[matching.EMAIL]:
        wanted.append(f"LOWER(email) LIKE '%@{suiteql_text(keys[matching.EMAIL])}'")
    columns = ", ".join(
        [
            "id",
            "companyname",
            "url",
            "phone",
            "email",
            "externalid",
            column(conf.netsuite_salesforce_id_field),
            column(conf.netsuite_lock_field),
        ]
    )
    # Every value in it is a key of letters, digits, dots and dashes, quoted: no injection.
    query = (
        f"SELECT {columns} FROM customer WHERE isinactive = 'F' "  # noqa: S608
        f"AND ({' OR '.join(wanted)}) ORDER BY id"
    )
    rows = []
    for row in client.suiteql(query, page_size=CANDIDATE_LIMIT):
        rows.append(row)
        if len(rows) >= CANDIDATE_LIMIT:
            break
    return rows


def column(field_id: str) -> str:
    """A field id from the settings, as a SuiteQL column; refused unless it is one."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,99}", field_id):
        raise SyncRefused(f"{field_id!r} is not a NetSuite field id: correct the settings.")
    return field_id.lower()
