"""
Financials on their own: when NetSuite reports a linked customer changed (its SuiteScript
webhook, or the reconcile), the reverse-mapped values the report carries (the financials by
default) go onto the customer's Accounts and wait for the write-back, which writes them to
Salesforce in batches (sObject Collections) with the NetSuite Sync status: no button. A
setting, on by default; Salesforce Enterprise Edition and up, as Update from NetSuite. Values
brought back are never pushed back to NetSuite.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from accounts.models import Account
from accounts.services import FINANCIAL_FIELDS
from integration_log.models import Direction, Operation, Outcome
from settings.models import IntegrationSettings

from .. import rules
from ..mapping import MappingError, diff, map_record
from ..models import MappingDirection
from ..selectors import mapping_rules
from .attempts import Attempt, status_changes, writeback_soon
from .update_from_netsuite import account_values_from_netsuite

logger = logging.getLogger(__name__)
REASON = "NetSuite reported new values; the write-back takes them to Salesforce"


def _number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return int(number) if number == number.to_integral_value() else float(number)


def _same(held: Any, reported: Any) -> bool:
    """Equal values, a number and its text alike (the reconcile reads SuiteQL's text, the
    webhook sends numbers)."""
    if held == reported:
        return True
    try:
        return Decimal(str(held)) == Decimal(str(reported))
    except (InvalidOperation, ValueError):
        return False


def _values(fields: dict[str, Any]) -> dict[str, Any]:
    """The reverse mappings of the fields the report holds (a report has only some)."""
    present = [
        rule
        for rule in mapping_rules(MappingDirection.TO_SALESFORCE)
        if rule.source and rule.source.split(".")[0] in fields
    ]
    # SuiteQL (the reconcile) gives numbers as text: the financials go to Salesforce as numbers.
    fields = {k: _number(v) if k in FINANCIAL_FIELDS else v for k, v in fields.items()}
    try:
        return map_record(fields, present) if present else {}
    except MappingError as exc:  # a broken reverse mapping: Update from NetSuite says so too
        logger.warning("reverse mapping cannot apply to a NetSuite report: %s", exc)
        return {}


def customer_values_arrived(
    *, netsuite_id: str, fields: dict[str, Any], conf: IntegrationSettings
) -> int:
    """The report's values onto the customer's Accounts that differ; returns how many."""
    edition = conf.salesforce_edition or conf.salesforce_edition_detected
    if not conf.financials_on_their_own or (
        edition and not rules.edition_supports_api_features(edition)
    ):
        return 0
    values = _values(fields)
    changed_accounts = 0
    now = timezone.now()
    for account in Account.objects.filter(netsuite_id=netsuite_id, deleted_at=None):
        changed = {k: v for k, v in values.items() if not _same(account.fields.get(k), v)}
        if not changed:
            continue
        before = {k: account.fields.get(k) for k in changed}
        account_values_from_netsuite(account, changed, now, synced=False)
        Account.objects.filter(pk=account.pk).update(values_pending=True, **status_changes(now=now))
        Attempt(
            Operation.ACCOUNT_UPDATE_FROM_NETSUITE,
            Direction.TO_SALESFORCE,
            salesforce_id=account.salesforce_id,
            netsuite_id=netsuite_id,
        ).log(Outcome.SUCCESS, REASON, diff=diff(before, changed))
        changed_accounts += 1
    if changed_accounts:
        writeback_soon()
    return changed_accounts
