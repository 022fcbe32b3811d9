"""
The org's records in the emulator's JSON state: ids, system dates, inserts, updates and deletes,
and the Organization record.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings

from .errors import ApiError, not_found
from .ids import KEY_PREFIXES, POD, base62, id18, normalise_id
from .schema import ORGANIZATION_NAME, SYSTEM_FIELDS, rest_datetime


class StoreMixin:
    """Reads and writes self.state (call with the lock held); changes queue outbound messages."""

    state: dict[str, Any]

    def user_id(self) -> str:
        return id18(KEY_PREFIXES["User"] + POD + "000000001")

    def org_id(self) -> str:
        # Verbatim when 18 chars, even with a wrong case-safe suffix: SFNS compares it as a string.
        configured = settings.SALESFORCE_ORG_ID
        return id18(configured) if len(configured) == 15 else configured

    def organization(self) -> dict[str, Any]:
        return {
            "Id": self.org_id(),
            "Name": ORGANIZATION_NAME,
            "OrganizationType": self.state["edition"],
            "IsSandbox": False,
        }

    def record(self, sobject: str, record_id: str) -> dict[str, Any]:
        return self.state["records"][sobject][record_id]

    def id_of_type(self, sobject: str, value: Any) -> bool:
        record_id = normalise_id(value)
        return bool(record_id) and record_id.startswith(KEY_PREFIXES[sobject])  # type: ignore[union-attr]

    def existing_id(self, sobject: str, value: str, *, in_collection: bool = False) -> str:
        """The stored 18-char id for value; 404 NOT_FOUND / ENTITY_IS_DELETED otherwise."""
        record_id = normalise_id(value)
        if record_id and record_id in self.state["records"][sobject]:
            return record_id
        if record_id and record_id in self.state["deleted"][sobject]:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        if in_collection:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        raise not_found()

    def next_id(self, sobject: str) -> str:
        self.state["id_seq"] += 1
        return id18(KEY_PREFIXES[sobject] + POD + base62(self.state["id_seq"], 9))

    def modstamp(self) -> str:
        # Strictly increasing, so "newer wins" logic in SFNS never sees two equal timestamps.
        now_ms = max(int(time.time() * 1000), self.state["last_modstamp_ms"] + 1)
        self.state["last_modstamp_ms"] = now_ms
        return rest_datetime(dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC))

    def insert(self, sobject: str, values: dict[str, Any], *, notify: bool = True) -> str:
        record_id = values.pop("Id", None) or self.next_id(sobject)
        if record_id in self.state["records"][sobject]:
            raise ApiError(400, "DUPLICATE_VALUE", f"duplicate value found: Id {record_id}", ["Id"])
        stamp = self.modstamp()
        record = {"Id": record_id}
        if sobject == "Account":
            record["OwnerId"] = self.user_id()
        # A checkbox is never null: false unless the create sets it.
        custom = self.state["custom_fields"][sobject]
        record.update({name: False for name, spec in custom.items() if spec["type"] == "boolean"})
        record.update({k: v for k, v in values.items() if k not in SYSTEM_FIELDS})
        record["CreatedDate"] = values.get("CreatedDate") or stamp
        record["LastModifiedDate"] = values.get("LastModifiedDate") or stamp
        record["SystemModstamp"] = values.get("SystemModstamp") or record["LastModifiedDate"]
        self.check_unique(sobject, record_id, record)
        self.state["records"][sobject][record_id] = record
        if notify:
            self.queue_notification(sobject, record)
        return record_id

    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        record = self.record(sobject, record_id)
        self.check_required(sobject, {**record, **values})
        self.check_unique(sobject, record_id, values)
        record.update(values)
        record["LastModifiedDate"] = record["SystemModstamp"] = self.modstamp()
        self.queue_notification(sobject, record)

    def delete(self, sobject: str, record_id: str) -> None:
        record = self.state["records"][sobject].pop(record_id)
        record["SystemModstamp"] = self.modstamp()
        self.state["deleted"][sobject][record_id] = record

    def match_external(self, sobject: str, field: str, value: str) -> list[str]:
        if field == "Id":
            record_id = normalise_id(value)
            return [record_id] if record_id in self.state["records"][sobject] else []
        wanted = value.casefold()
        return [
            rid
            for rid, record in self.state["records"][sobject].items()
            if record.get(field) is not None and str(record[field]).casefold() == wanted
        ]
