"""
The entry conditions of the package's record-triggered flows, as the emulator evaluates them: a
formula over the running user's custom permissions (`{!$Permission.Name}`), combined with NOT,
AND, OR, `!`, `&&`, `||`, TRUE and FALSE. Anything else (a field of `$Record`, ISCHANGED, ...)
is refused when the package is read, so a flow the emulator cannot follow is never half-followed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<permission>\{!\$Permission\.(?P<name>[A-Za-z][A-Za-z0-9_]*)\})
  | (?P<word>[A-Za-z]+)
  | (?P<op>&&|\|\||!|\(|\)|,)
    """,
    re.VERBOSE,
)
SUPPORTED = "{!$Permission.Name}, NOT, AND, OR, !, &&, ||, TRUE and FALSE"

Test = Callable[[frozenset[str]], bool]


class FormulaError(ValueError):
    """An entry formula outside the subset the emulator evaluates."""


@dataclass(frozen=True)
class EntryFormula:
    """A compiled entry condition: call it with the running user's custom permissions."""

    text: str
    permissions: frozenset[str]  # the custom permissions it names
    test: Test

    def __call__(self, held: frozenset[str]) -> bool:
        return self.test(held)


def compile_formula(text: str) -> EntryFormula:
    tokens = tokenize(text)
    parser = _Parser(tokens, text)
    test = parser.expression()
    if parser.position != len(tokens):
        raise FormulaError(f"{text!r}: unexpected {tokens[parser.position][1]!r}")
    return EntryFormula(text, frozenset(parser.names), test)


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:
            raise FormulaError(
                f"{text!r}: the emulator evaluates only {SUPPORTED} (at {text[position:]!r})"
            )
        position = match.end()
        if match.group("permission"):
            tokens.append(("permission", match.group("name")))
        elif match.group("word"):
            tokens.append(("word", match.group().upper()))
        elif match.group("op"):
            tokens.append(("op", match.group()))
    return tokens


class _Parser:
    """Recursive descent: or := and ('||' and)*; and := unary ('&&' unary)*."""

    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens, self.text, self.position = tokens, text, 0
        self.names: set[str] = set()

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def take(self, value: str) -> None:
        if self.peek()[1] != value:
            found = self.peek()[1] or "the end"
            raise FormulaError(f"{self.text!r}: expected {value!r}, found {found!r}")
        self.position += 1

    def expression(self) -> Test:
        terms = [self.conjunction()]
        while self.peek() == ("op", "||"):
            self.position += 1
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else _any(terms)

    def conjunction(self) -> Test:
        terms = [self.unary()]
        while self.peek() == ("op", "&&"):
            self.position += 1
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else _all(terms)

    def unary(self) -> Test:
        kind, value = self.peek()
        self.position += 1
        if (kind, value) == ("op", "!"):
            return _not(self.unary())
        if (kind, value) == ("op", "("):
            inner = self.expression()
            self.take(")")
            return inner
        if kind == "permission":
            self.names.add(value)
            return lambda held: value in held
        if kind == "word" and value in ("TRUE", "FALSE"):
            constant = value == "TRUE"
            return lambda held: constant
        if kind == "word" and value in ("NOT", "AND", "OR"):
            self.take("(")
            arguments = [self.expression()]
            while self.peek() == ("op", ","):
                self.position += 1
                arguments.append(self.expression())
            self.take(")")
            if value == "NOT":
                if len(arguments) != 1:
                    raise FormulaError(f"{self.text!r}: NOT takes one argument")
                return _not(arguments[0])
            return _all(arguments) if value == "AND" else _any(arguments)
        raise FormulaError(
            f"{self.text!r}: the emulator evaluates only {SUPPORTED} (found {value or 'the end'!r})"
        )


def _not(test: Test) -> Test:
    return lambda held: not test(held)


def _all(tests: list[Test]) -> Test:
    return lambda held: all(test(held) for test in tests)


def _any(tests: list[Test]) -> Test:
    return lambda held: any(test(held) for test in tests)
