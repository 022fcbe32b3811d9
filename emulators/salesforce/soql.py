"""
SOQL for the emulator: a parser for the subset SFNS uses, and its execution over the state.

Subset: SELECT f[, f...] FROM Account|Opportunity|Organization [WHERE cond] [ORDER BY f
[ASC|DESC] [NULLS FIRST|LAST][, ...]] [LIMIT n] [OFFSET n]; cond is `field op value` (op = !=
<> < <= > >= LIKE), `field [NOT] IN (v, ...)`, NOT, and AND or OR (not mixed without
parentheses, as in SOQL). Values: 'quoted' strings, numbers, true/false, null, date 2026-09-01
and dateTime 2026-09-01T10:00:00Z literals; dates and numbers must not be quoted and strings
must be. Text compares case-insensitively; ids match 15- or 18-char.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from .errors import ApiError, malformed
from .ids import normalise_id
from .schema import QUERYABLE, parse_datetime

SOQL_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\dT])
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[,()])
    """,
    re.VERBOSE,
)
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "TRUE",
    "FALSE",
    "NULL",
}
# The literal each field type takes in a WHERE clause.
FILTER_LITERALS = {
    **dict.fromkeys(
        ("id", "reference", "string", "textarea", "url", "phone", "email", "picklist"), "string"
    ),
    **dict.fromkeys(("int", "double", "currency", "percent"), "number"),
    "datetime": "datetime",
    "date": "date",
    "boolean": "boolean",
}
STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


class SoqlParser:
    """Recursive descent over the SOQL subset SFNS uses (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos = 0
        while pos < len(text):
            match = SOQL_TOKEN.match(text, pos)
            if not match:
                raise malformed(f"unexpected token: '{text[pos:].split()[0]}'")
            pos = match.end()
            kind = match.lastgroup
            raw = match.group()
            if kind == "ws":
                continue
            if kind == "string":
                value = re.sub(
                    r"\\(.)", lambda m: STRING_ESCAPES.get(m.group(1), m.group(1)), raw[1:-1]
                )
                self.tokens.append(("string", value))
            elif kind == "number":
                self.tokens.append(("number", float(raw) if "." in raw else int(raw)))
            elif kind == "datetime":
                self.tokens.append(("datetime", parse_datetime(raw)))
            elif kind == "date":
                try:
                    self.tokens.append(("date", dt.date.fromisoformat(raw)))
                except ValueError:
                    raise malformed(f"unexpected token: '{raw}'") from None
            elif kind == "name" and raw.upper() in KEYWORDS:
                self.tokens.append(("kw", raw.upper()))
            else:
                self.tokens.append((kind or "", raw))
        self.pos = 0

    # token helpers
    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", None)

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        self.pos += 1
        return token

    def accept(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        if token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, value: Any = None) -> Any:
        token = self.take()
        if token[0] != kind or (value is not None and token[1] != value):
            shown = "<EOF>" if token[0] == "end" else token[1]
            raise malformed(f"unexpected token: '{shown}'")
        return token[1]

    # grammar
    def parse(self) -> dict[str, Any]:
        query: dict[str, Any] = {"fields": [], "where": None, "order": [], "limit": None}
        self.expect("kw", "SELECT")
        query["fields"].append(self.expect("name"))
        while self.accept("punct", ","):
            query["fields"].append(self.expect("name"))
        self.expect("kw", "FROM")
        query["sobject"] = self.expect("name")
        if self.accept("kw", "WHERE"):
            query["where"] = self.parse_expression()
        if self.accept("kw", "ORDER"):
            self.expect("kw", "BY")
            while True:
                item = {"field": self.expect("name"), "desc": False, "nulls_last": None}
                if self.accept("kw", "DESC"):
                    item["desc"] = True
                else:
                    self.accept("kw", "ASC")
                if self.accept("kw", "NULLS"):
                    item["nulls_last"] = self.expect("kw") == "LAST"
                query["order"].append(item)
                if not self.accept("punct", ","):
                    break
        if self.accept("kw", "LIMIT"):
            query["limit"] = self.expect_count()
        query["offset"] = self.expect_count() if self.accept("kw", "OFFSET") else 0
        if self.peek()[0] != "end":
            raise malformed(f"unexpected token: '{self.peek()[1]}'")
        return query

    def expect_count(self) -> int:
        value = self.expect("number")
        if not isinstance(value, int) or value < 0:
            raise malformed(f"unexpected token: '{value}'")
        return value

    def parse_expression(self) -> tuple:
        # SOQL refuses AND and OR side by side without parentheses.
        parts, joiner = [self.parse_condition()], None
        while self.peek() in (("kw", "AND"), ("kw", "OR")):
            word = self.take()[1]
            if joiner and word != joiner:
                raise malformed(f"unexpected token: '{word}'")
            joiner = word
            parts.append(self.parse_condition())
        return (joiner.lower(), parts) if joiner else parts[0]

    def parse_condition(self) -> tuple:
        if self.accept("kw", "NOT"):
            return ("not", self.parse_condition())
        if self.accept("punct", "("):
            inner = self.parse_expression()
            self.expect("punct", ")")
            return inner
        field = self.expect("name")
        if self.accept("kw", "NOT"):
            self.expect("kw", "IN")
            return ("cmp", field, "not in", self.parse_value_list())
        if self.accept("kw", "IN"):
            return ("cmp", field, "in", self.parse_value_list())
        if self.accept("kw", "LIKE"):
            return ("cmp", field, "like", self.parse_value())
        operator = self.expect("op")
        return ("cmp", field, "!=" if operator == "<>" else operator, self.parse_value())

    def parse_value_list(self) -> list[tuple[str, Any]]:
        self.expect("punct", "(")
        values = [self.parse_value()]
        while self.accept("punct", ","):
            values.append(self.parse_value())
        self.expect("punct", ")")
        return values

    def parse_value(self) -> tuple[str, Any]:
        kind, value = self.take()
        if kind in ("string", "number", "datetime", "date"):
            return (kind, value)
        if kind == "kw" and value in ("TRUE", "FALSE"):
            return ("boolean", value == "TRUE")
        if kind == "kw" and value == "NULL":
            return ("null", None)
        raise malformed(f"unexpected token: '{'<EOF>' if kind == 'end' else value}'")


def like_to_regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


class SoqlMixin:
    """Runs a parsed query over the state; uses canonical_field(), render() and organization()."""

    state: dict[str, Any]

    def run_query(self, query: dict[str, Any], version: str) -> list[dict[str, Any]]:
        sobject = next((s for s in QUERYABLE if s.lower() == query["sobject"].lower()), None)
        if sobject is None:
            raise ApiError(
                400,
                "INVALID_TYPE",
                f"sObject type '{query['sobject']}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )

        def column(name: str) -> str:
            field = self.canonical_field(sobject, name, strict=False)
            if field is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name}' on entity '{sobject}'. If you are attempting to "
                    "use a custom field, be sure to append the '__c' after the custom field "
                    "name. Please reference your WSDL or the describe call for the appropriate "
                    "names.",
                )
            return field

        fields = [column(name) for name in query["fields"]]
        if len({f.lower() for f in fields}) != len(fields):
            duplicate = next(f for f in fields if [g.lower() for g in fields].count(f.lower()) > 1)
            raise malformed(f"duplicate field selected: {duplicate}")
        where = self.compile_condition(sobject, query["where"], column) if query["where"] else None
        if sobject == "Organization":
            records = [self.organization()]
        else:
            records = list(self.state["records"][sobject].values())
        if where:
            records = [record for record in records if where(record)]
        records.sort(key=lambda record: record["Id"])
        for item in reversed(query["order"]):
            field = column(item["field"])
            kind = self.field_kind(sobject, field)
            nulls_last = item["nulls_last"] if item["nulls_last"] is not None else item["desc"]
            present = [r for r in records if r.get(field) is not None]
            absent = [r for r in records if r.get(field) is None]
            present.sort(
                key=lambda r, f=field, k=kind: self.sort_key(k, r[f]), reverse=item["desc"]
            )
            records = present + absent if nulls_last else absent + present
        records = records[query["offset"] :]
        if query["limit"] is not None:
            records = records[: query["limit"]]
        return [self.render(sobject, record, version, fields) for record in records]

    @staticmethod
    def sort_key(kind: str, value: Any) -> tuple[int, Any]:
        # Ranked by JSON type as well, so a value stored before its field changed type still sorts.
        if kind == "datetime":
            return (0, parse_datetime(value))
        if isinstance(value, int | float):
            return (1, value)
        return (2, str(value).casefold())

    def compile_condition(
        self, sobject: str, node: tuple, column: Callable[[str], str]
    ) -> Callable[[dict[str, Any]], bool]:
        if node[0] in ("and", "or"):
            parts = [self.compile_condition(sobject, part, column) for part in node[1]]
            combine = all if node[0] == "and" else any
            return lambda record: combine(part(record) for part in parts)
        if node[0] == "not":
            inner = self.compile_condition(sobject, node[1], column)
            return lambda record: not inner(record)
        _, name, operator, literal = node
        field = column(name)
        kind = self.field_kind(sobject, field)
        literals = literal if isinstance(literal, list) else [literal]
        converted = [self.filter_value(field, kind, operator, lit) for lit in literals]

        def matches(record: dict[str, Any]) -> bool:
            actual = self.comparable(kind, record.get(field))
            if operator == "in":
                return actual is not None and actual in converted
            if operator == "not in":
                return actual not in converted
            wanted = converted[0]
            if operator == "=":
                return actual == wanted
            if operator == "!=":
                return actual != wanted
            if actual is None or wanted is None:
                return False
            if operator == "like":
                return bool(wanted.match(str(record.get(field))))
            try:
                return {
                    "<": actual < wanted,
                    "<=": actual <= wanted,
                    ">": actual > wanted,
                    ">=": actual >= wanted,
                }[operator]
            except TypeError:
                return False

        return matches

    @staticmethod
    def comparable(kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind in ("id", "reference"):
            return normalise_id(value)
        if kind == "datetime":
            return parse_datetime(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if isinstance(value, str):
            return value.casefold()
        return value

    def filter_value(self, field: str, kind: str, operator: str, literal: tuple[str, Any]) -> Any:
        literal_kind, value = literal
        if literal_kind == "null":
            return None
        if operator == "like":
            if literal_kind != "string":
                raise malformed(f"invalid LIKE pattern for field '{field}'")
            return like_to_regex(value)
        expected = FILTER_LITERALS.get(kind)
        if expected and literal_kind != expected:
            type_name = {"number": "double", "datetime": "dateTime"}.get(expected, expected)
            quoting = "should be enclosed" if expected == "string" else "should not be enclosed"
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"value of filter criterion for field '{field}' must be of type {type_name} "
                f"and {quoting} in quotes",
            )
        if kind in ("id", "reference"):
            record_id = normalise_id(value)
            if record_id is None:
                raise ApiError(400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value}")
            return record_id
        if isinstance(value, str):
            return value.casefold()
        return value
