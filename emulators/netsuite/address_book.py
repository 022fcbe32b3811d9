"""
The customer's address book, a keyed sublist ("Working with Sublists" in the REST guide): each
line has an id. A line sent with the id of an existing line updates it (its address subrecord
as sent, whole); a line without a known id is added with a new id. Without ?replace= the lines
not sent stay; with ?replace=addressBook they go. One line at most is the default billing
address and one the default shipping address: a line sent as a default takes the flag from the
others; a line added without a label is labelled with its first address line. A country is
NetSuite's enum id ({"id": "US"}), refused when NetSuite has no such one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pycountry
from werkzeug.wrappers import Response

from .errors import ns_error

SUBLIST = "addressBook"
DEFAULT_FLAGS = ("defaultBilling", "defaultShipping")
# ISO 3166's two-letter codes, and Kosovo's, which NetSuite has and ISO does not yet.
COUNTRY_IDS = frozenset(country.alpha_2 for country in pycountry.countries) | {"XK"}


def address_book_error(body: dict) -> Response | None:
    """NetSuite's 400 for a line whose country is not one of its enum ids, or None."""
    for line in (body.get(SUBLIST) or {}).get("items") or []:
        address = line.get("addressBookAddress") if isinstance(line, dict) else None
        country = (address or {}).get("country")
        if country is None:
            continue
        code = country.get("id") if isinstance(country, dict) else country
        if code not in COUNTRY_IDS:
            return ns_error(
                400,
                "USER_ERROR",
                f"Invalid country reference key {code}.",
                f"{SUBLIST}.addressBookAddress.country",
            )
    return None


def address_book_lines(
    current: list[dict], sent: list[dict], *, replace: bool, new_id: Callable[[], str]
) -> list[dict]:
    """The lines after a write that sent these lines (current: before it)."""
    by_id = {str(line["id"]): line for line in current if "id" in line}
    kept = [] if replace else [copy.deepcopy(line) for line in current]
    position = {str(line.get("id")): i for i, line in enumerate(kept)}
    written = []  # where the lines sent are in kept
    for line in sent:
        line = copy.deepcopy(line)
        line_id = str(line.pop("id", ""))
        if line_id not in by_id:
            addr1 = (line.get("addressBookAddress") or {}).get("addr1")
            if not line.get("label") and addr1:
                line["label"] = addr1  # as NetSuite labels a line saved without one
            kept.append({"id": new_id(), **line})
            written.append(len(kept) - 1)
            continue
        updated = {**by_id[line_id], **line, "id": line_id}
        if line_id in position:
            kept[position[line_id]] = updated
            written.append(position[line_id])
        else:
            kept.append(updated)
            written.append(len(kept) - 1)
    for flag in DEFAULT_FLAGS:
        owners = [i for i in written if kept[i].get(flag)]
        if owners:
            for i, line in enumerate(kept):
                if i != owners[-1] and line.get(flag):
                    line[flag] = False
    return kept


def address_book_write(
    record: dict, body: dict, *, replace: set[str] | None, new_id: Callable[[], str]
) -> dict:
    """body with its address book lines resolved against record's (a create: record={})."""
    sent = body.get(SUBLIST)
    if not isinstance(sent, dict) or not isinstance(sent.get("items"), list):
        return body
    current = (record.get(SUBLIST) or {}).get("items") or []
    lines = address_book_lines(
        current, sent["items"], replace=SUBLIST in (replace or set()), new_id=new_id
    )
    return {**body, SUBLIST: {"items": lines}}


def with_line_ids(record: dict[str, Any], new_id: Callable[[], str]) -> None:
    """Seeded lines without ids get ids, as every line of a real address book has one."""
    for line in (record.get(SUBLIST) or {}).get("items") or []:
        if isinstance(line, dict) and "id" not in line:
            line["id"] = new_id()
