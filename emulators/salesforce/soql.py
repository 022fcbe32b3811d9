"""
SOQL for the emulator: a parser for the subset SFNS uses (selection.py runs what it parses).

Subset: SELECT f[, f...] | COUNT() FROM Account|Contact|Opportunity|Organization|Product2|
Pricebook2|PricebookEntry|OpportunityLineItem [WHERE cond]
[ORDER BY f [ASC|DESC] [NULLS FIRST|LAST][, ...]] [LIMIT n] [OFFSET n]; cond is
`field op value` (op = != <> < <= > >= LIKE), `field [NOT] IN (v, ...)`, NOT, and AND or OR
(not mixed without parentheses, as in SOQL). Values: 'quoted' strings, numbers, true/false,
null, date 2026-09-01 and dateTime literals; dates and numbers must not be quoted and strings
must be. Text compares case-insensitively; ids match 15- or 18-char. Fields are the sObject's
own: no relationship paths (PricebookEntry.Product2.Name) and no subqueries.

dateTime literals: the SOQL reference ("Date Formats and Date Literals") lists
2026-09-01T10:00:00Z, 2026-09-01T10:00:00+01:00 and -08:00; orgs also take fractional seconds
(.000Z) and +0000, so the emulator does too. In a URL the + must be encoded (%2B), or Salesforce
reads a space and answers MALFORMED_QUERY.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import malformed
from .schema import parse_datetime

SOQL_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
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
EMPTY_ARGS = [("punct", "("), ("punct", ")")]
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
                try:
                    self.tokens.append(("datetime", parse_datetime(raw)))
                except ValueError:
                    raise malformed(f"unexpected token: '{raw}'") from None
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
        # COUNT(): the only element of the SELECT list, answered as a row count.
        head = self.tokens[self.pos : self.pos + 3]
        query["count"] = (
            self.peek()[0] == "name"
            and self.peek()[1].upper() == "COUNT"
            and head[1:] == EMPTY_ARGS
        )
        if query["count"]:
            self.pos += 3
        else:
            query["fields"].append(self.expect("name"))
            while self.accept("punct", ","):
                query["fields"].append(self.expect("name"))
        self.expect("kw", "FROM")
        query["sobject"] = self.expect("name")
        if self.accept("kw", "WHERE"):
            query["where"] = self.parse_expression()
        if self.accept("kw", "ORDER"):
            if query["count"]:
                raise malformed("ORDER BY is not allowed with COUNT()")
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
        query["offset"] = self.expect_count() if self.accept("kw", "OFFSET") else None
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
