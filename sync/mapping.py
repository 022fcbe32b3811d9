"""
Pure field mapping: a source record (dict) and a list of rules in, a target payload out.
No ORM, no HTTP. Dotted paths read from and build nested objects ("subsidiary.id").
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Any

import pycountry

MISSING = object()
# Sublists whose lines NetSuite keys by id: a line sent with its id updates that line.
KEYED_SUBLISTS = frozenset({"addressBook"})
# NetSuite's address has three street lines; a Salesforce street holds any number, one a line.
STREET_LINES = 3
# Names people write that ISO 3166 (pycountry) does not know by that name.
COUNTRY_ALIASES = {
    **dict.fromkeys(("UK", "GREAT BRITAIN", "ENGLAND", "SCOTLAND", "WALES"), "GB"),
    "RUSSIA": "RU",
    "TURKEY": "TR",
    "MACEDONIA": "MK",
    "HOLLAND": "NL",
    "IVORY COAST": "CI",
    "BURMA": "MM",
    "SWAZILAND": "SZ",
    "CAPE VERDE": "CV",
    "UAE": "AE",
    "NETHERLANDS": "NL",
    "BRASIL": "BR",
    "DEUTSCHLAND": "DE",
    "ESPANA": "ES",
    "ESPAÑA": "ES",
    "KOSOVO": "XK",  # NetSuite has it; ISO 3166 does not yet
}


@dataclass(frozen=True)
class MappingRule:
    source: str
    target: str
    transform: str = "copy"
    argument: Any = None


class MappingError(ValueError):
    """A rule cannot be applied (bad argument); names the rule so an admin can fix it."""


@lru_cache(maxsize=1024)
def _parts(path: str) -> tuple[str, ...]:
    """A dotted path's parts. Cached: the same few rules' paths are read for every record."""
    return tuple(path.split("."))


def get_path(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; a number indexes a list ("addressBook.items.0.label")."""
    value: Any = data
    for part in _parts(path):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return None
    return value


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path, building objects, and lists where the next part is a number."""
    parts = _parts(path)
    if len(parts) == 1 and not isinstance(data.get(path), dict | list):  # a body field
        data[path] = value
        return
    node: Any = data
    for part, following in pairwise(parts):
        make = list if following.isdigit() else dict
        if isinstance(node, list):
            index = _list_index(path, part)
            node.extend(None for _ in range(index + 1 - len(node)))
            if node[index] is None:
                node[index] = make()
            node = node[index]
        else:
            if node.get(part) is None:
                node[part] = make()
            node = node[part]
        if not isinstance(node, make):
            raise MappingError(f"{path}: another rule already sets {part} to a plain value")
    last = parts[-1]
    if isinstance(node, list):
        index = _list_index(path, last)
        node.extend(None for _ in range(index + 1 - len(node)))
        node[index] = value
    elif isinstance(node.get(last), dict | list) and not isinstance(value, dict | list):
        raise MappingError(f"{path}: another rule already sets fields inside {last}")
    else:
        node[last] = value


def _list_index(path: str, part: str) -> int:
    if not part.isdigit():
        raise MappingError(f"{path}: {part} must be a list index (a number)")
    return int(part)


def _blank(value: Any) -> bool:
    return value is None or value == ""


class _TemplateFormatter(string.Formatter):
    """Fields are source paths ("{BillingAddress.city}"), never Python attribute or index access."""

    def __init__(self, source: Mapping[str, Any]) -> None:
        self.source = source

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, str]:
        if not field_name or field_name.isdigit() or "[" in field_name:
            raise ValueError(f"{{{field_name}}} is not a field name")
        value = get_path(self.source, field_name)
        return ("" if value is None else value), field_name

    def format_field(self, value: Any, format_spec: str) -> Any:
        # "{Name:>999999999}" builds a string that long (a width may even come from the record,
        # "{Name:{Width}}"): no NetSuite or Salesforce field is wider than 999 characters.
        if re.search(r"[0-9]{4}", format_spec):
            raise ValueError(f"format {format_spec!r} is wider than 999 characters")
        return super().format_field(value, format_spec)


def apply_rule(rule: MappingRule, source: Mapping[str, Any]) -> Any:
    """The value rule gives for source, or MISSING when it sets nothing."""
    value = get_path(source, rule.source) if rule.source else None
    arg = rule.argument
    if rule.transform == "copy":
        return value
    if rule.transform == "static":
        return arg
    if rule.transform == "default":
        return arg if _blank(value) else value
    if rule.transform == "truncate":
        if not isinstance(arg, int) or isinstance(arg, bool) or arg < 0:
            raise MappingError(f"{rule.target}: truncate needs a length (a whole number)")
        return value if _blank(value) else str(value)[:arg]
    if rule.transform == "lookup":
        if not isinstance(arg, Mapping):
            raise MappingError(f"{rule.target}: lookup needs a table {{from: to}}")
        key = "" if value is None else str(value)
        if key in arg:
            return arg[key]
        return arg.get("*", MISSING)
    if rule.transform == "street_line":
        return _street_line(rule, value)
    if rule.transform == "country":
        return None if _blank(value) else country_code(value, rule.target)
    if rule.transform == "template":
        if not isinstance(arg, str):
            raise MappingError(f"{rule.target}: template needs a text like '{{Name}}'")
        try:
            rendered = _TemplateFormatter(source).vformat(arg, (), {})
        # TypeError: a format spec a value does not take ("{subsidiary:>5}" on an object).
        except (ValueError, IndexError, AttributeError, KeyError, TypeError) as exc:
            raise MappingError(f"{rule.target}: bad template {arg!r} ({exc})") from exc
        return rendered.strip() or None
    raise MappingError(f"{rule.target}: unknown transform {rule.transform!r}")


# A field name, or a list index after the first part: "subsidiary.id", "addressBook.items.0.label".
FIELD_PATH = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]{0,79}(?:\.(?:[A-Za-z_][A-Za-z0-9_]{0,79}|[0-9]{1,3}))*"
)
# Transforms that read no source field, and those that take no argument.
SOURCELESS = frozenset({"static", "template"})
ARGUMENTLESS = frozenset({"copy", "country"})


def rule_problem(rule: MappingRule) -> dict[str, str]:
    """
    What is wrong with a rule on its own, by the rule's part ({"argument": "..."}); empty
    when nothing. The argument is checked by applying the rule to an empty record, so the
    check and the mapping cannot disagree.
    """
    if not FIELD_PATH.fullmatch(rule.target):
        return {"target": f"{rule.target!r} is not a field path (names and list indexes, dotted)"}
    if rule.source and not FIELD_PATH.fullmatch(rule.source):
        return {"source": f"{rule.source!r} is not a field path (names and list indexes, dotted)"}
    if not rule.source and rule.transform not in SOURCELESS:
        return {"source": f"{rule.transform} reads a source field: name one"}
    if rule.transform in ARGUMENTLESS and rule.argument is not None:
        return {"argument": f"{rule.transform} takes no argument: leave it null"}
    try:
        apply_rule(rule, {})
    except MappingError as exc:
        return {"argument": str(exc)}
    return {}


def target_conflict(target: str, others: Iterable[str]) -> str:
    """
    Why a target cannot stand beside the others ("" when it can): one of them lies inside it
    or holds it ("subsidiary" and "subsidiary.id"), so one rule's value would overwrite the
    other's, or the push would fail on the first record that has both.
    """
    for other in others:
        if other.startswith(f"{target}.") or target.startswith(f"{other}."):
            outer, inner = sorted((target, other), key=len)
            return (
                f"{inner} lies inside {outer}, which another rule sets whole: map the fields "
                f"inside {outer} one by one, or {outer} alone"
            )
    return ""


def _street_line(rule: MappingRule, value: Any) -> str | None:
    """
    Line n of a multi-line street (Salesforce keeps the lines of BillingStreet in one field):
    the last of NetSuite's three lines takes every line left over, joined with commas.
    """
    arg = rule.argument
    if not isinstance(arg, int) or isinstance(arg, bool) or not 1 <= arg <= STREET_LINES:
        raise MappingError(f"{rule.target}: street_line needs a line number from 1 to 3")
    if _blank(value):
        return None
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    if arg < STREET_LINES:
        return lines[arg - 1] if len(lines) >= arg else None
    return ", ".join(lines[STREET_LINES - 1 :]) or None


@lru_cache(maxsize=512)
def country_code(value: str, target: str = "country") -> str:
    """
    NetSuite's country id (the ISO 3166 two-letter code, "US") for a country's code, its
    three-letter code or its name, in any case ("us", "USA", "United States", "Germany").
    """
    text = str(value).strip()
    # "U.S.A." and "The Netherlands" as people write them
    key = re.sub(r"^THE\s+", "", text.upper().replace(".", "")).strip()
    alias = COUNTRY_ALIASES.get(key)
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(key).alpha_2
    except LookupError:
        raise MappingError(
            f"{target}: {text!r} is not a country NetSuite knows (a name or ISO code)"
        ) from None


@lru_cache(maxsize=1024)
def _line(target: str) -> str | None:
    """The sublist line a target lies in ("addressBook.items.0"), or None for a body field."""
    parts = _parts(target)
    for i, part in enumerate(parts[:-1]):
        if part.isdigit():
            return ".".join(parts[: i + 1])
    return None


def map_record(source: Mapping[str, Any], rules: Iterable[MappingRule]) -> dict[str, Any]:
    """
    The target payload. Body fields are always set (None clears the field). Sublist lines
    ("addressBook.items.0....") carry no nulls, and a line that no source value filled (only
    static values) is left out, with its sublist when it ends up empty: an Account without a
    billing address sends no address line at all.
    """
    payload: dict[str, Any] = {}
    lines: dict[str, bool] = {}
    for rule in rules:
        value = apply_rule(rule, source)
        if value is MISSING:
            continue
        line = _line(rule.target)
        if line is None:
            set_path(payload, rule.target, value)
            continue
        filled = rule.transform != "static" and not _blank(value)
        lines[line] = lines.get(line, False) or filled
        if not _blank(value):
            set_path(payload, rule.target, value)
    for line in sorted(
        lines, key=lambda p: [int(x) if x.isdigit() else x for x in p.split(".")], reverse=True
    ):
        if not lines[line]:
            _drop_line(payload, line)
    return payload


def _drop_line(payload: dict[str, Any], line: str) -> None:
    *parents, index = line.split(".")
    items = get_path(payload, ".".join(parents))
    if isinstance(items, list) and int(index) < len(items):
        del items[int(index)]
        if not items:  # an empty sublist would replace NetSuite's lines with nothing
            *holder_path, name = parents
            holder = get_path(payload, ".".join(holder_path)) if holder_path else payload
            if isinstance(holder, dict):
                holder.pop(name, None)
                # {"addressBook": {}} is as empty as no addressBook at all
                if holder_path and holder == {}:
                    _pop_path(payload, holder_path)


def _pop_path(payload: dict[str, Any], parts: list[str]) -> None:
    *parents, name = parts
    holder = get_path(payload, ".".join(parents)) if parents else payload
    if isinstance(holder, dict):
        holder.pop(name, None)


def _canonical_numbers(value: Any) -> Any:
    """1, 1.0 and Decimal("1.00") as one number, so equal payloads (==) hash the same."""
    if isinstance(value, Mapping):
        return {key: _canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_numbers(item) for item in value]
    if isinstance(value, float | Decimal) and math.isfinite(value):
        return int(value) if value == int(value) else float(value)
    return value


def payload_hash(payload: Mapping[str, Any]) -> str:
    """A stable fingerprint of a payload (key order and number formatting do not matter)."""
    canonical = json.dumps(
        _canonical_numbers(payload), sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every top-level field whose value differs."""
    keys = sorted(set(before) | set(after))
    return {
        key: [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)
    }


def sublists(payload: Mapping[str, Any]) -> list[str]:
    """The sublists in a payload ({"items": [...]}) that SFNS sends whole, so they replace
    NetSuite's lines rather than add to them on every push. Not the keyed address book: SFNS
    updates its own lines there by their ids (sync/address_book.py)."""
    return [
        key
        for key, value in payload.items()
        if isinstance(value, dict) and "items" in value and key not in KEYED_SUBLISTS
    ]
