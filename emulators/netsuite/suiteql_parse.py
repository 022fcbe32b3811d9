"""
SuiteQL text to a small syntax tree: SELECT list FROM table [alias] [WHERE condition]
[ORDER BY item [ASC|DESC], ...], conditions with AND, OR, NOT, parentheses, comparisons, LIKE,
IN (...), IS [NOT] NULL, and the functions the emulator evaluates (suiteql_values.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class SuiteQLError(ValueError):
    """A query NetSuite would refuse; the message is the tail of its 400 detail."""


# -- the tree ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str  # lower case, without its table qualifier


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int or float


@dataclass(frozen=True)
class Func:
    name: str  # upper case
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Compare:
    op: str  # = <> < <= > >= (!= is read as <>)
    left: Any
    right: Any


@dataclass(frozen=True)
class Like:
    expr: Any
    pattern: Any
    negated: bool


@dataclass(frozen=True)
class InList:
    expr: Any
    items: tuple[Any, ...]
    negated: bool


@dataclass(frozen=True)
class IsNull:
    expr: Any
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND, OR
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass
class Query:
    table: str
    alias: str | None
    select: list[tuple[Any, str | None]] | None  # None for SELECT *
    where: Any = None
    order: list[tuple[Any, bool]] = field(default_factory=list)  # (expression, descending)


# -- tokens ------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?)"
    r"|(?P<op><>|!=|>=|<=|[=<>(),*-]))"
)
_KEYWORDS = {
    "SELECT", "FROM", "WHERE", "ORDER", "BY", "ASC", "DESC", "AND", "OR", "NOT", "IS",
    "NULL", "LIKE", "IN", "AS",
}  # fmt: skip
_COMPARISONS = {"=", "<>", "!=", "<", "<=", ">", ">="}


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, name, keyword, op, end
    text: str


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    text = text.rstrip().rstrip(";")
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise SuiteQLError(f"Syntax error near '{text[pos : pos + 20].strip()}'.")
        kind = match.lastgroup or "op"
        value = match[kind]
        if kind == "name" and value.upper() in _KEYWORDS:
            kind, value = "keyword", value.upper()
        tokens.append(Token(kind, value))
        pos = match.end()
    tokens.append(Token("end", ""))
    return tokens


# -- the parser --------------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def accept(self, text: str) -> bool:
        if self.peek().kind in ("keyword", "op") and self.peek().text == text:
            self.pos += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            found = self.peek().text or "the end of the query"
            raise SuiteQLError(f"Syntax error: expected {text} but found '{found}'.")

    def query(self) -> Query:
        self.expect("SELECT")
        select = None if self.accept("*") else self.select_list()
        self.expect("FROM")
        table = self.take()
        if table.kind != "name" or "." in table.text:
            raise SuiteQLError(f"Syntax error: expected a table name but found '{table.text}'.")
        alias = self.take().text.lower() if self.peek().kind == "name" else None
        query = Query(table=table.text.lower(), alias=alias, select=select)
        if self.accept("WHERE"):
            query.where = self.condition()
        if self.accept("ORDER"):
            self.expect("BY")
            query.order = self.order_list()
        if self.peek().kind != "end":
            raise SuiteQLError(f"Syntax error near '{self.peek().text}'.")
        return query

    def select_list(self) -> list[tuple[Any, str | None]]:
        items = []
        while True:
            expr = self.expression()
            alias = None
            if self.accept("AS") or self.peek().kind == "name":
                token = self.take()
                if token.kind != "name":
                    raise SuiteQLError(f"Syntax error: bad column alias '{token.text}'.")
                alias = token.text.lower()
            items.append((expr, alias))
            if not self.accept(","):
                return items

    def order_list(self) -> list[tuple[Any, bool]]:
        items = []
        while True:
            expr = self.expression()
            descending = self.accept("DESC")
            if not descending:
                self.accept("ASC")
            items.append((expr, descending))
            if not self.accept(","):
                return items

    def condition(self) -> Any:
        items = [self.conjunction()]
        while self.accept("OR"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items))

    def conjunction(self) -> Any:
        items = [self.negation()]
        while self.accept("AND"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items))

    def negation(self) -> Any:
        if self.accept("NOT"):
            return Not(self.negation())
        if self.peek().text == "(" and self._parenthesised_condition():
            self.expect("(")
            inner = self.condition()
            self.expect(")")
            return inner
        return self.predicate()

    def _parenthesised_condition(self) -> bool:
        """Whether the "(" here opens a condition, not an expression such as (1)."""
        depth, index = 0, self.pos
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1 and (
                token.text in _COMPARISONS or token.text in ("AND", "OR", "NOT", "LIKE", "IN", "IS")
            ):
                return True
            index += 1
        return False

    def predicate(self) -> Any:
        left = self.expression()
        token = self.peek()
        if token.text in _COMPARISONS:
            self.take()
            return Compare("<>" if token.text == "!=" else token.text, left, self.expression())
        if self.accept("IS"):
            negated = self.accept("NOT")
            self.expect("NULL")
            return IsNull(left, negated)
        negated = self.accept("NOT")
        if self.accept("LIKE"):
            return Like(left, self.expression(), negated)
        if self.accept("IN"):
            self.expect("(")
            items = [self.expression()]
            while self.accept(","):
                items.append(self.expression())
            self.expect(")")
            return InList(left, tuple(items), negated)
        found = self.peek().text or "the end of the query"
        raise SuiteQLError(f"Syntax error: expected a condition but found '{found}'.")

    def expression(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            return Literal(_number(token.text))
        if token.text == "-" and self.peek().kind == "number":
            return Literal(-_number(self.take().text))
        if token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "name" and self.accept("("):
            args = [] if self.peek().text == ")" else [self.expression()]
            while self.accept(","):
                args.append(self.expression())
            self.expect(")")
            return Func(token.text.upper(), tuple(args))
        if token.kind == "name":
            return Column(token.text.lower())
        found = token.text or "the end of the query"
        raise SuiteQLError(f"Syntax error: expected a value but found '{found}'.")


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def parse(text: str) -> Query:
    """The tree of one SuiteQL SELECT, or SuiteQLError saying what NetSuite would refuse."""
    return _Parser(text).query()
