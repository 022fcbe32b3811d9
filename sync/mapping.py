"""
Pure field mapping: a source record (dict) and a list of rules in, a target payload out.
No ORM, no HTTP. Dotted paths read from and build nested objects ("subsidiary.id").
"""

from __future__ import annotations

import hashlib
import json
import math
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

MISSING = object()


@dataclass(frozen=True)
class MappingRule:
    source: str
    target: str
    transform: str = "copy"
    argument: Any = None


class MappingError(ValueError):
    """A rule cannot be applied (bad argument); names the rule so an admin can fix it."""


def get_path(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
        if not isinstance(data, dict):
            raise MappingError(f"{path}: another rule already sets {part} to a plain value")
    if isinstance(data.get(parts[-1]), dict) and not isinstance(value, dict):
        raise MappingError(f"{path}: another rule already sets fields inside {parts[-1]}")
    data[parts[-1]] = value


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
    if rule.transform == "template":
        if not isinstance(arg, str):
            raise MappingError(f"{rule.target}: template needs a text like '{{Name}}'")
        try:
            rendered = _TemplateFormatter(source).vformat(arg, (), {})
        except (ValueError, IndexError, AttributeError, KeyError) as exc:
            raise MappingError(f"{rule.target}: bad template {arg!r} ({exc})") from exc
        return rendered.strip() or None
    raise MappingError(f"{rule.target}: unknown transform {rule.transform!r}")


def map_record(source: Mapping[str, Any], rules: Iterable[MappingRule]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for rule in rules:
        value = apply_rule(rule, source)
        if value is not MISSING:
            set_path(payload, rule.target, value)
    return payload


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
