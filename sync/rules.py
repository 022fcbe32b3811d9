"""Pure decisions of the sync: push, or skip and why. No ORM, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass

CREATE_ONLY = "create only"
NOT_LINKED = "not linked"
LOCKED = "locked in NetSuite"
UNCHANGED = "no change since the last sync"


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


def lock_check(*, locked: bool) -> Decision:
    """NetSuite's Salesforce Lock Record box wins over everything Salesforce sends."""
    return Decision(False, LOCKED) if locked else PUSH


# Salesforce editions with the API access "Update from NetSuite" and the NetSuite Sync field
# need (Organization.OrganizationType). Professional and Essentials do not qualify.
ENTERPRISE_OR_HIGHER = frozenset(
    {"Enterprise Edition", "Unlimited Edition", "Performance Edition", "Developer Edition"}
)


def edition_supports_api_features(edition: str) -> bool:
    return edition in ENTERPRISE_OR_HIGHER


def status_text(*, synced_at_iso: str | None, error: str, limit: int = 255) -> str:
    """What the Account's NetSuite Sync field shows: the error, else the last sync time."""
    if error:
        return f"Error: {error}"[:limit]
    return synced_at_iso or ""
