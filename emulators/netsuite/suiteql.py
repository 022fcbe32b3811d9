"""
SuiteQL for the emulator: POST /query/v1/suiteql (Prefer: transient) over a small subset:
SELECT cols FROM customer|estimate|salesorder [WHERE c AND c ...] [ORDER BY col [ASC|DESC]].
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ns_error


class SuiteQLMixin:
    """The query endpoint; the query runs over the state with the lock held."""

    state: dict[str, Any]

    def suiteql(self, request: Request) -> Response:
        if "transient" not in request.headers.get("Prefer", ""):
            return ns_error(
                400, "INVALID_REQUEST", "SuiteQL requests need the header 'Prefer: transient'."
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("q"), str):
            return ns_error(400, "INVALID_CONTENT", 'The body must be {"q": "SELECT ..."}.')
        try:
            limit = int(request.args.get("limit", 1000))
            offset = int(request.args.get("offset", 0))
        except ValueError:
            return ns_error(400, "INVALID_PARAMETER", "limit and offset must be integers.")
        if not 1 <= limit <= 1000 or offset < 0:
            return ns_error(400, "INVALID_PARAMETER", "limit must be 1..1000, offset >= 0.")
        with self.lock:
            try:
                rows = run_suiteql(body["q"], self.state["records"])
            except SuiteQLError as exc:
                return ns_error(400, "INVALID_PARAMETER", f"Invalid search query: {exc}")
        page = rows[offset : offset + limit]
        base = f"{request.host_url.rstrip('/')}/services/rest/query/v1/suiteql"
        links = [{"rel": "self", "href": f"{base}?limit={limit}&offset={offset}"}]
        has_more = offset + limit < len(rows)
        if has_more:
            links.append({"rel": "next", "href": f"{base}?limit={limit}&offset={offset + limit}"})
        return json_response(
            {
                "links": links,
                "count": len(page),
                "hasMore": has_more,
                "items": [{"links": [], **row} for row in page],
                "offset": offset,
                "totalResults": len(rows),
            }
        )


class SuiteQLError(ValueError):
    pass


_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<cols>.+?)\s+FROM\s+(?P<table>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+(?P<dir>ASC|DESC))?)?\s*$",
    re.IGNORECASE | re.DOTALL,
)


_COND = re.compile(
    r"^\s*(?P<col>\w+)\s*(?:(?P<op>=|!=|<>|>=|<=|>|<)\s*(?P<value>'(?:[^']|'')*'|-?\d+(?:\.\d+)?)"
    r"|\s+IN\s*\((?P<values>[^)]*)\)|\s+IS\s+(?P<isnot>NOT\s+)?NULL)\s*$",
    re.IGNORECASE,
)


_TABLES = {
    "customer": "customer",
    "estimate": "estimate",
    "salesorder": "salesOrder",
    "transaction": None,
}


def _literal(token: str) -> str | float:
    token = token.strip()
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    try:
        return float(token)
    except ValueError:
        raise SuiteQLError(f"bad literal {token}") from None


def _column_value(record: dict, rid: str, column: str) -> Any:
    if column == "id":
        return rid
    for key, value in record.items():
        if key.lower() == column:
            if isinstance(value, dict) and "id" in value:
                return value["id"]
            return value
    return None


def _as_suiteql(value: Any) -> Any:
    if isinstance(value, bool):
        return "T" if value else "F"
    if value is None:
        return None
    return str(value) if not isinstance(value, str) else value


def _compare(value: Any, op: str, literal: str | float) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        value = "T" if value else "F"
    if isinstance(literal, float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
    else:
        value = str(value)
    return {
        "=": value == literal,
        "!=": value != literal,
        "<>": value != literal,
        ">": value > literal,
        "<": value < literal,
        ">=": value >= literal,
        "<=": value <= literal,
    }[op]


def run_suiteql(query: str, records: dict[str, dict[str, dict]]) -> list[dict]:
    """SELECT cols FROM customer|estimate|salesorder [WHERE c AND c ...] [ORDER BY col]."""
    match = _QUERY.match(query)
    if not match:
        raise SuiteQLError("expected SELECT <columns> FROM <table> [WHERE ...] [ORDER BY ...]")
    table = match["table"].lower()
    if table not in _TABLES or _TABLES[table] is None:
        raise SuiteQLError(f"unknown table {match['table']}")
    rows = records[_TABLES[table]]
    cols = [c.strip().lower() for c in match["cols"].split(",")]
    if not all(c == "*" or re.fullmatch(r"\w+", c) for c in cols):
        raise SuiteQLError("columns must be plain field ids")
    conditions = []
    if match["where"]:
        for part in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
            cond = _COND.match(part)
            if not cond:
                raise SuiteQLError(f"cannot read the condition '{part.strip()}'")
            conditions.append(cond)

    def keep(rid: str, record: dict) -> bool:
        for cond in conditions:
            value = _column_value(record, rid, cond["col"].lower())
            if cond["op"]:
                if not _compare(value, cond["op"], _literal(cond["value"])):
                    return False
            elif cond["values"] is not None:
                options = [_literal(v) for v in cond["values"].split(",") if v.strip()]
                if not any(_compare(value, "=", option) for option in options):
                    return False
            else:
                is_null = value in (None, "")
                if is_null == bool(cond["isnot"]):
                    return False
        return True

    selected = [(rid, rec) for rid, rec in records_sorted(rows) if keep(rid, rec)]
    if match["order"]:
        column = match["order"].lower()
        selected.sort(
            key=lambda item: _sort_key(_column_value(item[1], item[0], column)),
            reverse=(match["dir"] or "").upper() == "DESC",
        )
    out = []
    for rid, rec in selected:
        if cols == ["*"]:
            row = {k.lower(): _as_suiteql(_column_value(rec, rid, k.lower())) for k in rec}
            row["id"] = rid
        else:
            row = {c: _as_suiteql(_column_value(rec, rid, c)) for c in cols}
        out.append({k: v for k, v in row.items() if v is not None})
    return out


def records_sorted(rows: dict[str, dict]) -> list[tuple[str, dict]]:
    return sorted(rows.items(), key=lambda item: int(item[0]) if item[0].isdigit() else 0)


def _sort_key(value: Any) -> tuple:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value or ""))
