"""
Runs a parsed SOQL query (soql.py) over the org's records: which records match, in which order,
and which fields each row shows. The REST query resources and Bulk API 2.0 query jobs both page
through the same Selection, rendering only the rows a page asks for.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, malformed
from .ids import normalise_id
from .schema import QUERYABLE, moment_key
from .soql import FILTER_LITERALS, like_to_regex

ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Selection:
    """A query's answer: its sObject, the selected fields, and the matching records in order."""

    sobject: str
    fields: list[str]
    rows: list[dict[str, Any]]  # the stored records (never changed in place), not renderings
    count_only: bool = False  # SELECT COUNT(): the answer is the number of rows


class SoqlMixin:
    """Runs a parsed query over the state; uses canonical_field(), field_kind(), organization()."""

    state: dict[str, Any]

    def select(self, query: dict[str, Any], *, include_deleted: bool = False) -> Selection:
        """The records query matches; include_deleted (queryAll) adds the recycle bin's."""
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

        fields = [column(name) for name in query["fields"]]  # none for COUNT()
        if len({f.lower() for f in fields}) != len(fields):
            duplicate = next(f for f in fields if [g.lower() for g in fields].count(f.lower()) > 1)
            raise malformed(f"duplicate field selected: {duplicate}")
        where = self.compile_condition(sobject, query["where"], column) if query["where"] else None
        order = [(column(item["field"]), item) for item in query["order"]]
        if sobject == "Organization":
            records = [self.organization()]
        else:
            records = list(self.state["records"][sobject].values())
            if include_deleted:
                records += self.state["deleted"][sobject].values()
        if where:
            records = [record for record in records if where(record)]
        records = self.ordered(sobject, records, order)[query["offset"] or 0 :]
        if query["limit"] is not None:
            records = records[: query["limit"]]
        return Selection(sobject, fields, records, count_only=query["count"])

    def ordered(
        self, sobject: str, records: list[dict[str, Any]], order: list[tuple[str, dict]]
    ) -> list[dict[str, Any]]:
        """ORDER BY, then Id: stable sorts from the last key to the first."""
        if not order or order[-1][0] != "Id":  # ordered by Id last, the Id sort is redundant
            records.sort(key=lambda record: record["Id"])
        for field, item in reversed(order):
            key = self.sort_key_of(self.field_kind(sobject, field), field)
            nulls_last = item["nulls_last"] if item["nulls_last"] is not None else item["desc"]
            present = [r for r in records if r.get(field) is not None]
            absent = [r for r in records if r.get(field) is None]
            present.sort(key=key, reverse=item["desc"])
            records = present + absent if nulls_last else absent + present
        return records

    def sort_key_of(self, kind: str, field: str) -> Callable[[dict[str, Any]], Any]:
        # Plain keys for the kinds a table is paged by (fast over 100,000 rows).
        if kind == "datetime":
            return lambda record: moment_key(record[field])
        if kind in ("id", "reference"):
            return lambda record: str(record[field])  # ids are case-sensitive
        return lambda record: self.sort_key(kind, record[field])

    @staticmethod
    def sort_key(kind: str, value: Any) -> tuple[int, Any]:
        # Ranked by JSON type as well, so a value stored before its field changed type still sorts.
        if kind == "datetime":
            return (0, moment_key(value))
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
        _, name, comparison, literal = node
        field = column(name)
        kind = self.field_kind(sobject, field)
        literals = literal if isinstance(literal, list) else [literal]
        converted = [self.filter_value(field, kind, comparison, lit) for lit in literals]

        def matches(record: dict[str, Any]) -> bool:
            actual = self.comparable(kind, record.get(field))
            if comparison == "in":
                return actual is not None and actual in converted
            if comparison == "not in":
                return actual not in converted
            wanted = converted[0]
            if comparison == "=":
                return actual == wanted
            if comparison == "!=":
                return actual != wanted
            if actual is None or wanted is None:
                return False
            if comparison == "like":
                return bool(wanted.match(str(record.get(field))))
            try:
                return bool(ORDERINGS[comparison](actual, wanted))
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
            return moment_key(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if isinstance(value, str):
            return value.casefold()
        return value

    def filter_value(self, field: str, kind: str, comparison: str, literal: tuple[str, Any]) -> Any:
        literal_kind, value = literal
        if literal_kind == "null":
            return None
        if comparison == "like":
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
        if isinstance(value, dt.datetime):
            return moment_key(value)
        if isinstance(value, str):
            return value.casefold()
        return value
