"""
Writing a customer with the address lines SFNS owns (sync/address_book.py): the lines it sent
before are updated by their ids, the first push adopts the customer's default lines, a line
cleared in Salesforce is removed, the lines a NetSuite user added stay, and the ids NetSuite
gives new lines are learnt for the next push.
"""

from __future__ import annotations

from typing import Any

from .. import address_book
from ..clients.netsuite import NetSuiteClient
from ..mapping import sublists


def customer_lines(*, client: NetSuiteClient, netsuite_id: str) -> list[dict[str, Any]]:
    """The customer's address book lines as NetSuite has them now (one GET)."""
    record = client.get("customer", netsuite_id, fields=[address_book.SUBLIST], expand=True)
    return address_book.lines(record)


def customer_write(
    *,
    client: NetSuiteClient,
    netsuite_id: str,
    payload: dict[str, Any],
    pushed: dict[str, Any] | None,
    current: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """
    PATCH the customer with payload (pushed: what SFNS sent last; current: the customer's
    lines, when the caller read them); returns payload as NetSuite now holds it, its lines
    with their ids. A GET more only when a line is new or removed and current is not given.
    """
    if current is not None:  # a line of SFNS's that NetSuite no longer has is sent anew
        payload = address_book.known_ids_only(payload, current)
    body, replace = payload, set(sublists(payload))
    dropped = address_book.dropped_ids(payload, pushed)
    if current is not None:  # only those NetSuite still has need removing
        held = {str(line.get("id")) for line in current}
        dropped = [line_id for line_id in dropped if str(line_id) in held]
    if dropped or address_book.missing_ids(payload):
        if current is None:
            current = customer_lines(client=client, netsuite_id=netsuite_id)
        payload = body = address_book.adopt_lines(payload, current)
        if dropped:
            body = address_book.keeping_others(payload, current, dropped)
            replace.add(address_book.SUBLIST)
    elif address_book.lines(payload) == address_book.lines(pushed):
        # NetSuite has these lines: not sent, so one a user deleted meanwhile is not re-added
        # by an old id (a change to them reads the address book first, see PushBatch._read).
        body = {k: v for k, v in payload.items() if k != address_book.SUBLIST}
    client.update("customer", netsuite_id, body, replace=replace)
    return lines_learnt(client=client, netsuite_id=netsuite_id, payload=payload)


def lines_learnt(
    *, client: NetSuiteClient, netsuite_id: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """payload with the ids NetSuite gave the lines it just added (none new: no call)."""
    if not address_book.missing_ids(payload):
        return payload
    current = customer_lines(client=client, netsuite_id=netsuite_id)
    return address_book.learn_line_ids(payload, current)
