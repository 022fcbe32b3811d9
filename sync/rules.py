"""
Pure decisions of the sync and the words it says about them: push or skip and why, link an
existing customer or not, refusals, retries, write-back batching. No ORM, no HTTP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CREATE_ONLY = "create only"
NOT_LINKED = "not linked"
LOCKED = "locked in NetSuite"
UNCHANGED = "no change since the last sync"

CUSTOMER_CREATED = "customer created"
CUSTOMER_CREATED_AS_CHOSEN = "customer created (chosen over the matching customers)"
LINKED_EXISTING = "linked to the existing customer"
LINKED_EXISTING_LOCKED = "linked to the existing customer (locked: not updated)"
LINKED_EXISTING_CREATE_ONLY = "linked to the existing customer (create only: not updated)"


@dataclass(frozen=True)
class Decision:
    push: bool
    reason: str = ""


PUSH = Decision(push=True)


def precheck_push(
    *, create_only: bool, linked: bool, unchanged: bool, force: bool = False
) -> Decision:
    """
    The checks that need no call to NetSuite, in the product's order: Create Only, then the
    link. An unchanged payload is skipped before the lock is read, to save that call; an
    admin's explicit "Sync to NetSuite" (force) pushes anyway.
    """
    if create_only:
        return Decision(False, CREATE_ONLY)
    if not linked:
        return Decision(False, NOT_LINKED)
    if unchanged and not force:
        return Decision(False, UNCHANGED)
    return PUSH


ACCOUNT_NOT_LINKED = "its Account is not linked (the Contact follows it once it is)"
NO_ACCOUNT = "no Account: a private Contact has no customer to follow"


def precheck_contact(
    *, has_account: bool, account_linked: bool, create_only: bool, new: bool, unchanged: bool
) -> Decision:
    """
    A Contact follows its Account: none until the Account is linked; then it is created (Create
    Only never stops a creation) and updated by the rules of a push.
    """
    if not has_account:
        return Decision(False, NO_ACCOUNT)
    if not account_linked:
        return Decision(False, ACCOUNT_NOT_LINKED)
    if new:
        return PUSH
    if create_only:
        return Decision(False, CREATE_ONLY)
    if unchanged:
        return Decision(False, UNCHANGED)
    return PUSH


def parent_chain_too_deep(*, depth: int) -> str:
    return f"parent chain deeper than {depth} levels: the customer's parent is left as it was"


def lock_check(*, locked: bool) -> Decision:
    """NetSuite's Salesforce Lock Record box wins over everything Salesforce sends."""
    return Decision(False, LOCKED) if locked else PUSH


def link_existing(*, locked: bool, create_only: bool) -> Decision:
    """
    A customer with the Account's external id already exists: link it, and push the Account's
    values onto it unless it is locked or Create Only is on (a link is not a creation).
    """
    if locked:
        return Decision(False, LINKED_EXISTING_LOCKED)
    if create_only:
        return Decision(False, LINKED_EXISTING_CREATE_ONLY)
    return Decision(True, LINKED_EXISTING)


# Salesforce editions with the API access "Update from NetSuite" and the NetSuite Sync field
# need (Organization.OrganizationType). Professional and Essentials do not qualify.
ENTERPRISE_OR_HIGHER = frozenset(
    {"Enterprise Edition", "Unlimited Edition", "Performance Edition", "Developer Edition"}
)


def edition_supports_api_features(edition: str) -> bool:
    return edition in ENTERPRISE_OR_HIGHER


# -- refusals: the text a user sees, or "" when the operation may go ahead -------------------
def update_from_netsuite_not_linked(*, salesforce_id: str) -> str:
    return (
        f"Account {salesforce_id} is not linked to a NetSuite customer yet: "
        "there is nothing to update from."
    )


def update_from_netsuite_edition_refusal(*, edition: str) -> str:
    if edition_supports_api_features(edition):
        return ""
    return (
        "Update from NetSuite needs Salesforce Enterprise Edition or higher; this org "
        f"is {edition or 'of an unknown edition'}."
    )


def sales_order_refusal(
    *, salesforce_id: str, linked: bool, sync_account_on_sales_order: bool
) -> str:
    if linked or sync_account_on_sales_order:
        return ""
    return (
        f"Account {salesforce_id} is not linked to a NetSuite customer and 'Sync Account on "
        "Sales Order' is off: link the account first (Sync to NetSuite) or turn the setting on."
    )


def ambiguous_match_refusal(*, salesforce_id: str, rule: str, candidates: list[str]) -> str:
    """candidates: "101 (Acme Inc)"-style descriptions of the customers the rule found."""
    return (
        f"Account {salesforce_id} matches {len(candidates)} NetSuite customers by {rule}: "
        f"{', '.join(candidates)}. SFNS links an Account to one customer only: link it to one of "
        "them (Link to an existing customer) or create a new one (Create a new customer)."
    )


def chosen_customer_refusal(*, netsuite_id: str, linked_to: str = "") -> str:
    if linked_to:
        return (
            f"NetSuite customer {netsuite_id} is already linked to Account {linked_to}: "
            "choose another customer, or create a new one."
        )
    return f"NetSuite has no customer {netsuite_id}: check the internal id and choose again."


def already_linked_refusal(*, salesforce_id: str, netsuite_id: str) -> str:
    return (
        f"Account {salesforce_id} is already linked to NetSuite customer {netsuite_id}: "
        "there is nothing to choose."
    )


def mapping_refusal(*, error: str, reverse: bool = False) -> str:
    which = "reverse field mappings" if reverse else "field mappings"
    return f"The {which} cannot be applied: {error}"


# -- the NetSuite Sync field ----------------------------------------------------------------
def status_text(*, synced_at_iso: str | None, error: str, limit: int = 255) -> str:
    """What the Account's NetSuite Sync field shows: the error, else the last sync time."""
    if error:
        return f"Error: {error}"[:limit]
    return synced_at_iso or ""


# -- retries --------------------------------------------------------------------------------
def will_retry(*, retryable: bool, rate_limited: bool, attempts: int, max_attempts: int) -> bool:
    """
    Transient errors are retried until the job runs out of attempts. Rate limits are retried
    for as long as they last: the allocation comes back (the backoff grows to its cap), and
    failing the work because it had to wait would lose it.
    """
    if rate_limited:
        return True
    return retryable and attempts < max_attempts


# -- write-back batching --------------------------------------------------------------------
# Write-backs wait for a quiet spell this long (no new status) to fill a batch, and at most
# WRITEBACK_MAX_WAIT in all.
WRITEBACK_QUIET = dt.timedelta(seconds=1)
WRITEBACK_MAX_WAIT = dt.timedelta(seconds=60)


def writeback_delay(*, pending: int, batch_size: int) -> float:
    """Seconds until the write-back job runs: at once for a full batch, else after the quiet."""
    return 0 if pending >= batch_size else WRITEBACK_QUIET.total_seconds()


def writeback_due(*, oldest: dt.datetime, newest: dt.datetime, now: dt.datetime) -> bool:
    """Whether a part batch goes now: nothing new for a quiet spell, or waited long enough."""
    return newest <= now - WRITEBACK_QUIET or oldest <= now - WRITEBACK_MAX_WAIT


# -- the doctor: is a field fit for what SFNS does with it? ---------------------------------
TEXT = frozenset({"string", "textarea"})
NUMBER = frozenset({"double", "currency", "int", "percent"})


def salesforce_field_problem(
    field: dict | None,
    *,
    types: frozenset[str] = frozenset(),
    writable: bool = False,
    min_length: int = 0,
) -> str:
    """What keeps a Salesforce field (its describe entry, or None) from serving, or ""."""
    if field is None:
        return "missing"
    kind = field.get("type")
    if types and kind not in types:
        return f"is a {kind} field; SFNS needs {' or '.join(sorted(types))}"
    if min_length and kind == "string" and (field.get("length") or 0) < min_length:
        return f"holds {field.get('length')} characters; SFNS writes up to {min_length}"
    if writable and not field.get("updateable"):
        return "is read-only for the integration user"
    return ""


def netsuite_field_problem(field: dict | None, *, types: frozenset[str] = frozenset()) -> str:
    """What keeps a NetSuite field (its JSON Schema property, or None) from serving, or ""."""
    if field is None:
        return "missing"
    kind = field.get("type")
    if types and kind not in types:
        return f"is of type {kind}; SFNS needs {' or '.join(sorted(types))}"
    return ""
