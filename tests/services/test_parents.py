"""
The customer's parent after the link: ParentId changed, set to an Account not yet in NetSuite,
removed, or too deep a chain. Against the emulators over real HTTP, tasks eager.
"""

from __future__ import annotations

import pytest

from integration_log.models import LogEntry
from sync.services import link
from sync.services.parents import MAX_PARENT_DEPTH

from ..factories import AccountFactory
from .helpers import customers

pytestmark = pytest.mark.django_db(transaction=True)


def _reparent(account, parent) -> None:
    account.refresh_from_db()
    account.parent = parent
    account.fields = {**account.fields, "ParentId": parent.salesforce_id if parent else None}
    account.save()


def _parent_in_netsuite(netsuite, account):
    return netsuite.record("customer", account.netsuite_id).get("parent")


def test_a_new_parent_already_in_netsuite_re_parents_the_customer(linked, netsuite):
    parent = AccountFactory(name="Holding")
    link.account_link(account=parent)
    parent.refresh_from_db()

    _reparent(linked, parent)

    assert _parent_in_netsuite(netsuite, linked) == {"id": parent.netsuite_id}
    push = LogEntry.objects.filter(operation="account_push").latest("pk")
    assert push.outcome == "success"


def test_a_parent_not_in_netsuite_is_linked_first_then_the_child_re_parented(linked, netsuite):
    parent = AccountFactory(name="Holding")

    _reparent(linked, parent)

    parent.refresh_from_db()
    assert parent.netsuite_id
    assert customers(netsuite)[parent.netsuite_id]["companyName"] == "Holding"
    assert _parent_in_netsuite(netsuite, linked) == {"id": parent.netsuite_id}


def test_parent_id_removed_clears_the_customers_parent(linked, netsuite):
    parent = AccountFactory(name="Holding")
    _reparent(linked, parent)
    assert _parent_in_netsuite(netsuite, linked)

    _reparent(linked, None)

    assert _parent_in_netsuite(netsuite, linked) is None
    netsuite.reset_stats()
    _reparent(linked, None)  # nothing more to send
    assert netsuite.stats()["calls"] == {}


def test_a_parent_chain_deeper_than_ten_levels_is_a_logged_skip(linked, netsuite):
    chain = [AccountFactory(name="Level 0")]
    for level in range(1, MAX_PARENT_DEPTH + 1):
        chain.append(AccountFactory(name=f"Level {level}", parent=chain[-1]))
    link.account_link(account=chain[-1])  # the deepest the link itself takes
    LogEntry.objects.all().delete()

    _reparent(linked, chain[-1])

    assert _parent_in_netsuite(netsuite, linked) is None  # left as it was
    skip = LogEntry.objects.get(reason__startswith="parent chain deeper than 10 levels")
    assert (skip.operation, skip.outcome) == ("account_push", "skipped")
    assert skip.salesforce_id == linked.salesforce_id
