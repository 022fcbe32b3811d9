"""
The address lines SFNS owns on a customer, as pure functions over payloads. NetSuite's address
book is a keyed sublist: a line sent with its id updates that line, one without is added, and
the lines not sent stay (docs/wire.md). So SFNS sends its own lines with the ids NetSuite gave
them, kept in the Account's pushed payload, and the lines a NetSuite user added by hand survive
every push. A line is known by its role: its default flags and its label (the default billing
line, the default shipping line). The first push to a customer adopts its default lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

SUBLIST = "addressBook"
DEFAULT_FLAGS = ("defaultBilling", "defaultShipping")


def lines(payload: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    sublist = (payload or {}).get(SUBLIST)
    return list(sublist.get("items") or []) if isinstance(sublist, Mapping) else []


def _role(line: Mapping[str, Any]) -> tuple:
    return (bool(line.get("defaultBilling")), bool(line.get("defaultShipping")), line.get("label"))


def _with_lines(payload: Mapping[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {**payload, SUBLIST: {**payload[SUBLIST], "items": items}}


def with_line_ids(payload: dict[str, Any], pushed: Mapping[str, Any] | None) -> dict[str, Any]:
    """payload, its lines carrying the ids of the lines of the same role SFNS pushed before."""
    ours = lines(payload)
    known = {_role(line): line["id"] for line in lines(pushed) if line.get("id")}
    if not ours or not known:
        return payload
    return _with_lines(
        payload,
        [{"id": known[_role(line)], **line} if _role(line) in known else line for line in ours],
    )


def known_ids_only(payload: dict[str, Any], current: list[Mapping[str, Any]]) -> dict[str, Any]:
    """payload, its lines' ids that NetSuite no longer has (a user deleted the line) dropped."""
    held = {str(line.get("id")) for line in current}
    ours = lines(payload)
    if all(str(line.get("id")) in held for line in ours if line.get("id")):
        return payload
    return _with_lines(
        payload,
        [
            {k: v for k, v in line.items() if k != "id"}
            if line.get("id") and str(line["id"]) not in held
            else line
            for line in ours
        ],
    )


def missing_ids(payload: Mapping[str, Any]) -> bool:
    """Whether a line of payload is new to NetSuite (sent without an id: NetSuite adds it)."""
    return any(not line.get("id") for line in lines(payload))


def dropped_ids(payload: Mapping[str, Any], pushed: Mapping[str, Any] | None) -> list[str]:
    """The ids of SFNS's lines that payload no longer has (an address cleared in Salesforce)."""
    sent = {str(line.get("id")) for line in lines(payload)}
    return [line["id"] for line in lines(pushed) if line.get("id") and str(line["id"]) not in sent]


def keeping_others(
    payload: dict[str, Any], current: list[Mapping[str, Any]], dropped: list[str]
) -> dict[str, Any]:
    """
    The body that removes SFNS's dropped lines when sent with ?replace=addressBook: SFNS's
    lines, and every other line NetSuite has now by its id alone (kept as they are).
    """
    ours = lines(payload)
    mine = {str(line.get("id")) for line in ours} | {str(d) for d in dropped}
    others = [{"id": line["id"]} for line in current if str(line.get("id")) not in mine]
    return {**payload, SUBLIST: {"items": ours + others}}


def adopt_lines(payload: dict[str, Any], current: list[Mapping[str, Any]]) -> dict[str, Any]:
    """
    payload, its default lines that have no id yet taking the ids of the customer's present
    default lines (the default billing line NetSuite has becomes SFNS's billing line): a
    customer linked with addresses of its own gets no second copy of them.
    """
    return _ids_from(payload, current, _holds_its_flags)


def _holds_its_flags(line: Mapping[str, Any], held: Mapping[str, Any]) -> bool:
    flags = [flag for flag in DEFAULT_FLAGS if line.get(flag)]
    return bool(flags) and all(held.get(flag) for flag in flags)


def _ids_from(
    payload: dict[str, Any],
    current: Iterable[Mapping[str, Any]],
    fits: Callable[[Mapping[str, Any], Mapping[str, Any]], bool],
) -> dict[str, Any]:
    """payload, each line without an id taking the first line of current that fits it and
    that no other line of payload holds."""
    current = list(current)
    taken = {str(line.get("id")) for line in lines(payload) if line.get("id")}
    given = []
    for line in lines(payload):
        if not line.get("id"):
            for held in current:
                held_id = str(held.get("id") or "")
                if held_id and held_id not in taken and fits(line, held):
                    line = {"id": held_id, **line}
                    taken.add(held_id)
                    break
        given.append(line)
    return _with_lines(payload, given)


def _same_address(sent: Mapping[str, Any], held: Mapping[str, Any]) -> bool:
    for key, value in sent.items():
        theirs = held.get(key)
        if isinstance(value, Mapping):
            if not isinstance(theirs, Mapping) or not _same_address(value, theirs):
                return False
        elif theirs != value:
            return False
    return True


def learn_line_ids(payload: dict[str, Any], current: list[Mapping[str, Any]]) -> dict[str, Any]:
    """
    payload with ids for its lines that had none: the newest line NetSuite now has of the
    same role and address that no other line of payload holds. A line not found keeps no id.
    """
    return _ids_from(payload, reversed(current), _is_the_line)


def _is_the_line(sent: Mapping[str, Any], held: Mapping[str, Any]) -> bool:
    """Whether NetSuite's line held is the line SFNS just sent (NetSuite labels a line that
    has no label itself, and adds fields of its own to the address)."""
    return (
        _role(sent)[:2] == _role(held)[:2]
        and (sent.get("label") is None or sent.get("label") == held.get("label"))
        and _same_address(
            sent.get("addressBookAddress") or {}, held.get("addressBookAddress") or {}
        )
    )
