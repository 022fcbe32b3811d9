"""
Items: the inventoryItem, nonInventorySaleItem and serviceSaleItem records (one internal id
sequence, read together as SuiteQL's `item` table), the service item every account starts with,
and the checks NetSuite makes on the item lines of an estimate or a sales order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from .errors import ns_error
from .fields import value_error
from .schema import ITEM_TYPES, TRANSACTION_LINE_FIELDS, field

# The item SFNS's default setting (netsuite_estimate_item_id = "1") bills an Opportunity's
# amount as: there after every reset. New records are numbered from 100, so it keeps its id.
DEFAULT_ITEM_TYPE = "serviceSaleItem"
DEFAULT_ITEM_ID = "1"
DEFAULT_ITEM_NAME = "Services"
# SuiteQL's item table tells the item types apart by this column (item.itemtype).
ITEM_TYPE_FIELD = "itemType"
SUBLIST = "item"

Records = dict[str, dict[str, dict]]  # record type -> internal id -> stored record


def initial_items(now: str) -> Records:
    """Each item type's records in a new account: the default service item, nothing else."""
    items: Records = {rtype: {} for rtype in ITEM_TYPES}
    items[DEFAULT_ITEM_TYPE][DEFAULT_ITEM_ID] = {
        "dateCreated": now,
        "lastModifiedDate": now,
        "itemId": DEFAULT_ITEM_NAME,
        "displayName": DEFAULT_ITEM_NAME,
        "isInactive": False,
    }
    return items


def find_item(records: Records, item_id: Any) -> dict | None:
    """The item with this internal id, whatever its type (ids are unique across them)."""
    key = str(item_id)
    for rtype in ITEM_TYPES:
        found = records.get(rtype, {}).get(key)
        if found is not None:
            return found
    return None


def item_error(body: dict, *, creating: bool) -> Response | None:
    """NetSuite's 400 for an item body without its name (Item Name/Number), or None."""
    if (creating or "itemId" in body) and not body.get("itemId"):
        return ns_error(400, "USER_ERROR", "Please enter value(s) for: Item Name/Number", "itemId")
    return None


def item_lines_error(records: Records, body: dict) -> Response | None:
    """The 400 for the first line of body's item sublist NetSuite would refuse, or None: a
    field lines lack, a value of the wrong kind, or an item that is missing or inactive."""
    lines = (body.get(SUBLIST) or {}).get("items") or []
    for number, line in enumerate(lines):
        path = f"{SUBLIST}.items[{number}]"
        if not isinstance(line, dict):
            return ns_error(
                400, "INVALID_CONTENT", "A line of the item sublist must be a JSON object.", path
            )
        if refused := _line_fields_error(line, path):
            return refused
        ref = line.get("item")
        if ref is None:
            return ns_error(400, "USER_ERROR", "Please enter value(s) for: Item", f"{path}.item")
        item = find_item(records, ref["id"])
        if item is None or item.get("isInactive"):
            return ns_error(
                400, "USER_ERROR", f"Invalid item reference key {ref['id']}.", f"{path}.item"
            )
    return None


def _line_fields_error(line: dict, path: str) -> Response | None:
    for key, value in line.items():
        spec = TRANSACTION_LINE_FIELDS.get(key)
        if spec is None:
            return ns_error(
                400,
                "INVALID_CONTENT",
                f"Invalid field name: {key}. The field does not exist on the item sublist.",
                f"{path}.{key}",
            )
        if value is not None and (refused := value_error(key, spec, value, f"{path}.{key}")):
            return refused
    return None


def transaction_total(records: Records, transaction: dict) -> float:
    """The transaction's total: each line's amount, else its quantity (1 when not given) times
    its rate (the item's base price when not given), rounded to cents as NetSuite keeps them."""
    total = 0.0
    for line in (transaction.get(SUBLIST) or {}).get("items") or []:
        if not isinstance(line, dict):
            continue
        amount = _number(line.get("amount"))
        if amount is None:
            ref = line.get("item")
            item = find_item(records, ref.get("id")) if isinstance(ref, dict) else None
            rate = _number(line.get("rate"))
            if rate is None:
                rate = _number((item or {}).get("basePrice")) or 0.0
            quantity = _number(line.get("quantity"))
            amount = (1.0 if quantity is None else quantity) * rate
        total += round(amount, 2)
    return round(total, 2)


def _number(value: Any) -> float | None:
    """A stored number (seeded records may hold text), or None when there is none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def item_table(
    records: Records, fields_of: Callable[[str], dict[str, dict]]
) -> tuple[dict[str, dict], dict[str, dict]]:
    """SuiteQL's `item` table: every item of each type, marked with its item.itemtype code, and
    the fields of all the item types (custom fields included)."""
    rows: dict[str, dict] = {}
    fields: dict[str, dict] = {}
    for rtype, code in ITEM_TYPES.items():
        fields.update(fields_of(rtype))
        for rid, record in records.get(rtype, {}).items():
            rows[rid] = {**record, ITEM_TYPE_FIELD: code}
    fields[ITEM_TYPE_FIELD] = field("string", "Item Type", readOnly=True)
    return rows, fields
