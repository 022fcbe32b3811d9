"""
The customer's parent after the link: a change of ParentId on a linked Account re-parents its
customer on the next push, the parent linked first (its link pushes the children again), and
removing ParentId clears the customer's parent. A chain deeper than MAX_PARENT_DEPTH levels is
a logged skip, the parent left as it was.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Account
from integration_log.models import Direction, Operation, Outcome

from .. import rules
from ..models import JobKind
from ..outbox import job_enqueue, jobs_enqueue
from .attempts import Attempt

MAX_PARENT_DEPTH = 10


def chain_depth(account: Account, *, limit: int = MAX_PARENT_DEPTH + 1) -> int:
    """How many ancestors the Account has, counted up to limit (a query a level)."""
    depth, parent_pk = 0, account.parent_id
    while parent_pk and depth < limit:
        depth += 1
        parent_pk = Account.objects.filter(pk=parent_pk).values_list("parent_id", flat=True).first()
    return depth


def chain_too_deep_skip(*, account: Account, operation: str = Operation.ACCOUNT_PUSH) -> None:
    Attempt(
        operation,
        Direction.TO_NETSUITE,
        salesforce_id=account.salesforce_id,
        netsuite_id=account.netsuite_id,
    ).log(Outcome.SKIPPED, rules.parent_chain_too_deep(depth=MAX_PARENT_DEPTH))


def children_push(*, parent: Account) -> None:
    """A newly linked Account's linked children are pushed again: their parent is known now."""
    children = Account.objects.filter(parent=parent).exclude(netsuite_id="")
    jobs_enqueue(
        kind=JobKind.ACCOUNT_PUSH,
        record_ids=list(children.values_list("salesforce_id", flat=True)),
    )


class Parents:
    """The parents of the Accounts pushed together, read at once (none: no query)."""

    def __init__(self, accounts: list[Account]) -> None:
        pks = {account.parent_id for account in accounts if account.parent_id}
        self.by_pk = (
            {
                pk: (salesforce_id, netsuite_id, deleted_at is not None)
                for pk, salesforce_id, netsuite_id, deleted_at in Account.objects.filter(
                    pk__in=pks
                ).values_list("pk", "salesforce_id", "netsuite_id", "deleted_at")
            }
            if pks
            else {}
        )

    def payload(self, account: Account, payload: dict[str, Any]) -> dict[str, Any]:
        """payload with the parent the customer should have now (as pushed when it cannot)."""
        pushed = account.pushed_payload or {}
        if not account.parent_id:
            # Cleared once SFNS set one (then kept as None: no push again for it).
            return {**payload, "parent": None} if "parent" in pushed else payload
        salesforce_id, netsuite_id, deleted = self.by_pk.get(account.parent_id, ("", "", True))
        wanted = {"id": netsuite_id} if netsuite_id else None
        if netsuite_id and wanted == pushed.get("parent"):
            return {**payload, "parent": wanted}
        if not netsuite_id:  # parents first: its link pushes this Account again
            if salesforce_id and not deleted:  # a parent deleted in Salesforce is not created
                job_enqueue(kind=JobKind.ACCOUNT_LINK_OR_PUSH, record_id=salesforce_id)
        elif chain_depth(account) > MAX_PARENT_DEPTH:
            chain_too_deep_skip(account=account)
        else:
            return {**payload, "parent": wanted}
        return {**payload, "parent": pushed["parent"]} if "parent" in pushed else payload
