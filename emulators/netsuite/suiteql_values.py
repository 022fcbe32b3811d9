"""
What a SuiteQL column holds and how conditions see it: the columns of a record type (its REST
fields in lower case, minus those the SuiteQL table lacks), values as SuiteQL types them
(checkboxes 'T'/'F', references as their id, dates as moments), the functions the emulator
evaluates, Oracle's NULL logic, and the text each value is answered as.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from collections.abc import Callable
from typing import Any

from .oracle_dates import account_date, parse_stored, to_char, to_date
from .suiteql_parse import (
    BoolOp,
    Column,
    Compare,
    Func,
    InList,
    IsNull,
    Like,
    Literal,
    Not,
    SuiteQLError,
)

Getter = Callable[[str, dict], Any]  # (internal id, stored record) -> SuiteQL value
Predicate = Callable[[str, dict], bool | None]

# SuiteQL names the customer's computed balances differently from REST (Records Catalog:
# balancesearch, overduebalancesearch, unbilledorderssearch, daysoverduesearch).
SEARCH_COLUMNS = {
    "customer": {
        "balancesearch": "balance",
        "overduebalancesearch": "overdueBalance",
        "unbilledorderssearch": "unbilledOrders",
        "daysoverduesearch": "daysOverdue",
    }
}
# REST fields with no SuiteQL column of that name: "SELECT balance FROM customer" is refused
# with "Unknown identifier 'balance'".
NOT_IN_SUITEQL = {
    "customer": {
        "balance",
        "overdueBalance",
        "unbilledOrders",
        "daysOverdue",
        "depositBalance",
        "defaultAddress",
    },
    # An item's prices are in SuiteQL's pricing table, not on the item row.
    "item": {"basePrice"},
}
_NO_COLUMN_KINDS = ("links", "sublist")


def columns_for(rtype: str, fields: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """SuiteQL column -> (stored REST field, kind) for rtype with these fields."""
    hidden = NOT_IN_SUITEQL.get(rtype, set())
    columns = {
        name.lower(): (name, spec["type"])
        for name, spec in fields.items()
        if spec["type"] not in _NO_COLUMN_KINDS and name not in hidden
    }
    for column, source in SEARCH_COLUMNS.get(rtype, {}).items():
        if source in fields:
            columns[column] = (source, fields[source]["type"])
    columns["id"] = ("id", "id")
    return columns


def column_getter(key: str, kind: str, zone: dt.tzinfo | None = None) -> Getter:
    """How a column's SuiteQL value is read from a stored record; zone: the account's time
    zone, where date-times are shown and compared (None for UTC)."""
    if kind == "id":
        return lambda rid, record: int(rid) if rid.isdigit() else rid
    if kind == "boolean":
        return lambda rid, record: _checkbox(record.get(key))
    if kind == "reference":
        return lambda rid, record: _reference(record.get(key))
    if kind == "datetime" and zone is not None:
        return lambda rid, record: _local(parse_stored(record.get(key)), zone)
    if kind in ("date", "datetime"):
        return lambda rid, record: parse_stored(record.get(key))
    return lambda rid, record: _plain(record.get(key))


def _local(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)


def _checkbox(value: Any) -> str:
    # A checkbox is never NULL in NetSuite: one never ticked reads 'F'.
    return "T" if value else "F"


def _reference(value: Any) -> Any:
    ref = value.get("id") if isinstance(value, dict) else value
    if isinstance(ref, str) and ref.isdigit():
        return int(ref)
    return ref


def _plain(value: Any) -> Any:
    # NetSuite keeps an empty text as NULL.
    return None if value == "" else value


# -- values out --------------------------------------------------------------------------------
def as_text(value: Any) -> str | None:
    """A value as the REST SuiteQL answer carries it: text, dates in the account's format."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return account_date(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def sort_key(value: Any) -> tuple:
    """Oracle sorts NULLs last when ascending (and first when descending, with reverse=True)."""
    if value is None:
        return (1, 0, 0)
    if isinstance(value, int | float):
        return (0, 0, value)
    if isinstance(value, dt.datetime):
        return (0, 1, value)
    return (0, 2, str(value))


# -- comparisons -------------------------------------------------------------------------------
_OPS = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both sides in one type as Oracle converts them, or None when they never match."""
    if isinstance(left, dt.datetime) or isinstance(right, dt.datetime):
        if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
            return left, right
        raise SuiteQLError(
            "Compare dates with TO_DATE(...) or TO_TIMESTAMP(...): SuiteQL has no date literals."
        )
    if _numeric(left) != _numeric(right):
        try:
            return (float(left), float(right))
        except (TypeError, ValueError):
            return None
    return left, right


def compare(left: Any, op: str, right: Any) -> bool | None:
    if left is None or right is None:
        return None
    pair = _comparable(left, right)
    if pair is None:
        return False
    return _OPS[op](*pair)


@functools.lru_cache(maxsize=256)
def like_pattern(pattern: str) -> re.Pattern[str]:
    """LIKE's % and _ as a regular expression; like Oracle's, the match is case-sensitive."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


# -- functions ---------------------------------------------------------------------------------
def _upper(value: Any) -> Any:
    return None if value is None else as_text(value).upper()


def _lower(value: Any) -> Any:
    return None if value is None else as_text(value).lower()


def _to_char(value: Any, model: Any = None) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return account_date(value) if model is None else to_char(value, str(model))
    return as_text(value)


def _to_date(text: Any, model: Any = None) -> Any:
    if text is None:
        return None
    if model is None:
        raise SuiteQLError("TO_DATE and TO_TIMESTAMP take a format: TO_DATE('...', 'YYYY-MM-DD').")
    return to_date(str(text), str(model))


FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "UPPER": (_upper, 1, 1),
    "LOWER": (_lower, 1, 1),
    "TO_CHAR": (_to_char, 1, 2),
    "TO_DATE": (_to_date, 1, 2),
    "TO_TIMESTAMP": (_to_date, 1, 2),
}


# -- compiling the tree ------------------------------------------------------------------------
class Compiler:
    """Turns expressions and conditions into functions of (internal id, record)."""

    def __init__(
        self,
        table: str,
        alias: str | None,
        columns: dict[str, tuple[str, str]],
        zone: dt.tzinfo | None = None,
    ):
        self.table, self.alias, self.columns, self.zone = table, alias, columns, zone
        self._getters: dict[str, Getter] = {}

    def column_name(self, node: Column) -> str:
        qualifier, _, name = node.name.rpartition(".")
        if qualifier and qualifier not in (self.alias or self.table,):
            raise SuiteQLError(self.unknown(qualifier))
        if name not in self.columns:
            raise SuiteQLError(self.unknown(name))
        return name

    def unknown(self, name: str) -> str:
        return (
            f"Search error occurred: Unknown identifier '{name}'. "
            f"Available identifiers are: {{{self.alias or self.table}={self.table}}}."
        )

    def expr(self, node: Any) -> Getter:
        if isinstance(node, Literal):
            return _constant(node.value)
        if isinstance(node, Column):
            name = self.column_name(node)
            if name not in self._getters:
                self._getters[name] = column_getter(*self.columns[name], self.zone)
            return self._getters[name]
        if isinstance(node, Func):
            return self._function(node)
        raise SuiteQLError("Syntax error: a condition where a value was expected.")

    def _function(self, node: Func) -> Getter:
        if node.name not in FUNCTIONS:
            raise SuiteQLError(f"Search error occurred: the emulator has no function {node.name}.")
        function, least, most = FUNCTIONS[node.name]
        if not least <= len(node.args) <= most:
            raise SuiteQLError(f"ORA-00909: invalid number of arguments for {node.name}")
        args = [self.expr(arg) for arg in node.args]
        if all(isinstance(arg, _Constant) for arg in args):
            return _constant(function(*(arg.value for arg in args)))  # errors show now
        return lambda rid, record: function(*(arg(rid, record) for arg in args))

    def condition(self, node: Any) -> Predicate:
        if isinstance(node, BoolOp):
            items = [self.condition(item) for item in node.items]
            return _all(items) if node.op == "AND" else _any(items)
        if isinstance(node, Not):
            inner = self.condition(node.item)
            return lambda rid, record: _negate(inner(rid, record))
        if isinstance(node, Compare):
            return _comparison(self.expr(node.left), node.op, self.expr(node.right))
        if isinstance(node, IsNull):
            value, negated = self.expr(node.expr), node.negated
            return lambda rid, record: (value(rid, record) is None) != negated
        if isinstance(node, Like):
            return self._like(node)
        if isinstance(node, InList):
            return self._in_list(node)
        raise SuiteQLError("Syntax error: a value where a condition was expected.")

    def _like(self, node: Like) -> Predicate:
        value, pattern, negated = self.expr(node.expr), self.expr(node.pattern), node.negated

        def like(rid: str, record: dict) -> bool | None:
            text, wanted = value(rid, record), pattern(rid, record)
            if text is None or wanted is None:
                return None
            found = like_pattern(str(wanted)).fullmatch(as_text(text)) is not None
            return found != negated

        return like

    def _in_list(self, node: InList) -> Predicate:
        value, negated = self.expr(node.expr), node.negated
        options = [self.expr(item) for item in node.items]

        def in_list(rid: str, record: dict) -> bool | None:
            current = value(rid, record)
            results = [compare(current, "=", option(rid, record)) for option in options]
            found = True if True in results else (None if None in results else False)
            return _negate(found) if negated else found

        return in_list


class _Constant:
    """A value that is the same on every row (a literal, or a function of literals)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, rid: str, record: dict) -> Any:
        return self.value


def _constant(value: Any) -> Getter:
    return _Constant(value)


def _comparison(left: Getter, op: str, right: Getter) -> Predicate:
    if isinstance(left, _Constant) and not isinstance(right, _Constant):
        return _comparison(right, _FLIPPED[op], left)
    if not isinstance(right, _Constant):
        return lambda rid, record: compare(left(rid, record), op, right(rid, record))
    fixed, kind, test = right.value, type(right.value), _OPS[op]

    def against_constant(rid: str, record: dict) -> bool | None:
        value = left(rid, record)
        if type(value) is kind:  # the usual case, without conversions
            return test(value, fixed)
        return compare(value, op, fixed)

    return against_constant


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def _all(items: list[Predicate]) -> Predicate:
    def every(rid: str, record: dict) -> bool | None:
        unknown = False
        for item in items:
            result = item(rid, record)
            if result is False:
                return False
            unknown = unknown or result is None
        return None if unknown else True

    return every


def _any(items: list[Predicate]) -> Predicate:
    def some(rid: str, record: dict) -> bool | None:
        unknown = False
        for item in items:
            result = item(rid, record)
            if result is True:
                return True
            unknown = unknown or result is None
        return None if unknown else False

    return some
