"""
Running one SuiteQL SELECT over the emulator's records: the rows that match, in order, and the
page asked for. Bounds on id narrow the rows by the ordered index (record_index.py) instead of
reading the whole table, so key paging over 100,000 customers stays fast.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .record_index import RecordIndex
from .suiteql_parse import BoolOp, Column, Compare, Literal, Query, SuiteQLError, parse
from .suiteql_values import Compiler, Getter, as_text, columns_for, sort_key


@dataclass
class Source:
    """One SuiteQL table as the emulator keeps it: its records, fields and ordered index."""

    rtype: str
    records: dict[str, dict]
    fields: dict[str, dict]
    index: RecordIndex
    zone: dt.tzinfo | None = None  # the account's time zone; None for UTC


@dataclass
class Result:
    total: int  # every row the query matches (totalResults)
    rows: list[dict[str, str]]  # the page's rows, NULL columns left out


def run(
    text: str, source_for: Callable[[str], Source | None], *, limit: int, offset: int
) -> Result:
    """The page [offset, offset + limit) of the query's rows, or SuiteQLError."""
    query = parse(text)
    source = source_for(query.table)
    if source is None:
        raise SuiteQLError(f"Invalid search type: {query.table}.")
    columns = columns_for(source.rtype, source.fields)
    compiler = Compiler(query.table, query.alias, columns, source.zone)
    select = _select(query, compiler)
    order = _order(query, compiler, select)
    if query.where is not None:
        compiler.condition(query.where)  # an unknown column is refused even if no row is read
    matches = _matches(query, compiler, source, order)
    page = matches[offset : offset + limit]
    rows = []
    for rid in page:
        record = source.records[rid]
        row = {name: as_text(getter(rid, record)) for name, getter in select}
        rows.append({name: value for name, value in row.items() if value is not None})
    return Result(total=len(matches), rows=rows)


def _select(query: Query, compiler: Compiler) -> list[tuple[str, Getter]]:
    if query.select is None:
        return [(name, compiler.expr(Column(name))) for name in compiler.columns]
    select, unnamed = [], 0
    for expr, alias in query.select:
        getter = compiler.expr(expr)
        if alias is None and isinstance(expr, Column):
            alias = compiler.column_name(expr)
        if alias is None:
            unnamed += 1
            alias = f"expr{unnamed}"
        select.append((alias, getter))
    return select


def _order(
    query: Query, compiler: Compiler, select: list[tuple[str, Getter]]
) -> list[tuple[Getter, bool]]:
    aliases = dict(select) if query.select is not None else {}
    order = []
    for expr, descending in query.order:
        if isinstance(expr, Column) and "." not in expr.name and expr.name in aliases:
            order.append((aliases[expr.name], descending))
        else:
            order.append((compiler.expr(expr), descending))
    return order


def _by_id(query: Query) -> bool | None:
    """None unless the rows are wanted in id order; else whether descending."""
    if not query.order:
        return False  # NetSuite promises no order; the emulator answers by id
    if len(query.order) == 1 and _is_id(query.order[0][0]):
        return query.order[0][1]
    return None


def _matches(
    query: Query, compiler: Compiler, source: Source, order: list[tuple[Getter, bool]]
) -> list[str]:
    bounds, residual = _id_bounds(query.where)
    keys, rids = source.index.keys, source.index.rids
    start, end = _slice(keys, bounds)
    candidates = rids[start:end]
    if residual:
        keep = compiler.condition(residual[0] if len(residual) == 1 else BoolOp("AND", residual))
        records = source.records
        candidates = [rid for rid in candidates if keep(rid, records[rid]) is True]
    descending = _by_id(query)
    if descending is not None:
        return candidates[::-1] if descending else candidates
    records = source.records
    for getter, desc in reversed(order):  # stable sorts, last key first
        candidates.sort(key=lambda rid, g=getter: sort_key(g(rid, records[rid])), reverse=desc)
    return candidates


def _is_id(expr: Any) -> bool:
    return isinstance(expr, Column) and expr.name.rpartition(".")[2] == "id"


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


def _id_bounds(where: Any) -> tuple[list[tuple[str, float]], tuple[Any, ...]]:
    """The id comparisons with a number among the top-level ANDs, and the other conditions."""
    if where is None:
        return [], ()
    conjuncts = where.items if isinstance(where, BoolOp) and where.op == "AND" else (where,)
    bounds, residual = [], []
    for item in conjuncts:
        bound = _id_bound(item)
        if bound is None:
            residual.append(item)
        else:
            bounds.append(bound)
    return bounds, tuple(residual)


def _id_bound(item: Any) -> tuple[str, float] | None:
    if not isinstance(item, Compare) or item.op not in _FLIPPED:
        return None
    op, left, right = item.op, item.left, item.right
    if _is_id(right) and isinstance(left, Literal):
        op, left, right = _FLIPPED[op], right, left
    if not (_is_id(left) and isinstance(right, Literal)):
        return None
    value = right.value
    if isinstance(value, str):
        if not value.strip().lstrip("-").isdigit():
            return None
        value = int(value)
    return op, value


def _slice(keys: list[int], bounds: list[tuple[str, float]]) -> tuple[int, int]:
    start, end = 0, len(keys)
    for op, value in bounds:
        if op in (">", ">=", "="):
            at = (bisect.bisect_right if op == ">" else bisect.bisect_left)(keys, value)
            start = max(start, at)
        if op in ("<", "<=", "="):
            at = (bisect.bisect_left if op == "<" else bisect.bisect_right)(keys, value)
            end = min(end, at)
    return start, max(start, end)
