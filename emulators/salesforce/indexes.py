"""
Lookups by value for the fields the org finds records by: unique custom fields (DUPLICATE_VALUE)
and external ids (upsert). Each is built from the state on first use and kept current by the
store, so seeding 100,000 records or upserting into them never rescans the whole table.
"""

from __future__ import annotations

from typing import Any


def index_key(value: Any) -> str:
    """Salesforce matches external ids and (case-insensitive) unique values without case."""
    return str(value).casefold()


class FieldIndexes:
    """{(sObject, field): {key: {record id: None}}} over the live records (not the recycle bin)."""

    def __init__(self) -> None:
        self.by_field: dict[tuple[str, str], dict[str, dict[str, None]]] = {}

    def clear(self) -> None:
        """Forget every index: the state was replaced or the org's fields changed."""
        self.by_field.clear()

    def ids_with(
        self, records: dict[str, dict[str, Any]], sobject: str, field: str, value: Any
    ) -> list[str]:
        """Ids of the live records whose field holds value (ignoring case), oldest first."""
        index = self.by_field.get((sobject, field))
        if index is None:
            index = {}
            for record_id, record in records.items():
                if record.get(field) is not None:
                    index.setdefault(index_key(record[field]), {})[record_id] = None
            self.by_field[(sobject, field)] = index
        return list(index.get(index_key(value), ()))

    def add(self, sobject: str, record: dict[str, Any]) -> None:
        for (indexed, field), index in self.by_field.items():
            if indexed == sobject and record.get(field) is not None:
                index.setdefault(index_key(record[field]), {})[record["Id"]] = None

    def remove(self, sobject: str, record: dict[str, Any]) -> None:
        for (indexed, field), index in self.by_field.items():
            if indexed == sobject and record.get(field) is not None:
                holders = index.get(index_key(record[field]), {})
                holders.pop(record["Id"], None)
