"""
The org's records in the emulator's JSON state: ids, system dates, inserts and updates, lookups by
external id, and the Organization record. A record dict is never changed in place: a change stores
a new dict, so a snapshot (rollback), a query cursor or a Bulk job can share the old ones.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings

from .errors import ApiError, not_found
from .ids import KEY_PREFIXES, POD, base62, id18, normalise_id
from .indexes import FieldIndexes
from .schema import (
    LEADING_SYSTEM_FIELDS,
    ORGANIZATION_NAME,
    SYSTEM_FIELDS,
    WRITABLE_FIELDS,
    rest_datetime,
)
from .users import INTEGRATION_USER_ID

# Every record's owner, and the creator of Bulk jobs: the user the API logs in as.
OWNER_ID = INTEGRATION_USER_ID


class StoreMixin:
    """Reads and writes self.state (call with the lock held); changes queue outbound messages."""

    indexes: FieldIndexes
    field_names: dict[str, dict[str, str]]

    @property
    def state(self) -> dict[str, Any]:
        return self._state

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        # A reset, a rollback or a state file: what was derived from the old state is stale.
        self._state = value
        self.indexes.clear()
        self.field_names.clear()

    def snapshot(self) -> dict[str, Any]:
        """A state to roll back to; cheap, because records are shared, never changed in place."""
        copied = {
            key: value if not isinstance(value, dict) else {**value}
            for key, value in self.state.items()
        }
        for store in ("records", "deleted"):
            copied[store] = {sobject: {**rows} for sobject, rows in self.state[store].items()}
        copied["custom_fields"] = {
            sobject: {name: dict(spec) for name, spec in fields.items()}
            for sobject, fields in self.state["custom_fields"].items()
        }
        return copied

    def upgrade_state(self) -> None:
        """A state file from an older emulator: what it lacks, as a fresh org has it."""
        if not isinstance(self.state["custom_fields"].get("Account"), dict):
            # From before custom fields had definitions: start from the package's.
            self.state["custom_fields"] = self.package_state()  # type: ignore[attr-defined]
        fresh = self.initial_state()  # type: ignore[attr-defined]
        for store in ("records", "deleted", "custom_fields"):  # ... or before an sObject (Contact)
            for sobject, empty in fresh[store].items():
                self.state[store].setdefault(sobject, empty)
        for store in ("records", "deleted"):  # ... or from before the recycle bin's fields
            for sobject, rows in self.state[store].items():
                defaults = {"IsDeleted": store == "deleted"}
                if "MasterRecordId" in LEADING_SYSTEM_FIELDS[sobject]:
                    defaults["MasterRecordId"] = None
                rows.update({rid: {**defaults, **row} for rid, row in rows.items()})

    def user_id(self) -> str:
        return OWNER_ID

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

    def insert(
        self, sobject: str, values: dict[str, Any], *, notify: bool = True, stamp: str = ""
    ) -> str:
        """
        A new record (system fields from values only when seeding). A seed with "IsDeleted": true
        puts the record straight into the recycle bin, as if it had been deleted then.
        """
        record_id = values.pop("Id", None) or self.next_id(sobject)
        if (
            record_id in self.state["records"][sobject]
            or record_id in self.state["deleted"][sobject]
        ):
            raise ApiError(400, "DUPLICATE_VALUE", f"duplicate value found: Id {record_id}", ["Id"])
        values = self.before_insert(sobject, values)  # type: ignore[attr-defined]
        stamp = stamp or self.modstamp()
        record: dict[str, Any] = {"Id": record_id, "IsDeleted": bool(values.get("IsDeleted"))}
        if "MasterRecordId" in LEADING_SYSTEM_FIELDS[sobject]:
            record["MasterRecordId"] = values.get("MasterRecordId")
        if "OwnerId" in WRITABLE_FIELDS[sobject]:
            record["OwnerId"] = self.user_id()
        # A checkbox is never null: false unless the create sets it.
        custom = self.state["custom_fields"][sobject]
        fields = {**WRITABLE_FIELDS[sobject], **custom}
        record.update({name: False for name, spec in fields.items() if spec["type"] == "boolean"})
        record.update({k: v for k, v in values.items() if k not in SYSTEM_FIELDS})
        # Seeded dates stay in order: created <= last modified <= SystemModstamp.
        modified = values.get("LastModifiedDate") or values.get("SystemModstamp") or stamp
        record["CreatedDate"] = values.get("CreatedDate") or modified
        record["LastModifiedDate"] = modified
        record["SystemModstamp"] = values.get("SystemModstamp") or modified
        if record["IsDeleted"]:
            self.state["deleted"][sobject][record_id] = record
            return record_id
        self.check_unique(sobject, record_id, record)
        self.state["records"][sobject][record_id] = record
        self.indexes.add(sobject, record)
        if notify:
            self.queue_notification(sobject, record, created=True)
        return record_id

    def update(
        self, sobject: str, record_id: str, values: dict[str, Any], *, notify: bool = True
    ) -> dict[str, Any]:
        """A change by a user or the API: both dates move, and the flows decide on a message."""
        record = self.record(sobject, record_id)
        self.check_required(sobject, {**record, **values})
        values = self.before_update(sobject, record, values)  # type: ignore[attr-defined]
        self.check_unique(sobject, record_id, values)
        stamp = self.modstamp()
        changed = self.replace(
            sobject, {**record, **values, "LastModifiedDate": stamp, "SystemModstamp": stamp}
        )
        self.after_update(sobject, record, changed)  # type: ignore[attr-defined]
        if notify:
            self.queue_notification(sobject, changed, created=False)
        return changed

    def replace(self, sobject: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a new version of a live record (the old dict stays as it was)."""
        self.indexes.remove(sobject, self.state["records"][sobject][record["Id"]])
        self.state["records"][sobject][record["Id"]] = record
        self.indexes.add(sobject, record)
        return record

    def ids_holding(self, sobject: str, field: str, value: Any) -> list[str]:
        """Live records whose field holds value, ignoring case (unique fields, external ids)."""
        return self.indexes.ids_with(self.state["records"][sobject], sobject, field, value)

    def match_external(self, sobject: str, field: str, value: str) -> list[str]:
        if field == "Id":
            record_id = normalise_id(value)
            return [record_id] if record_id in self.state["records"][sobject] else []
        return self.ids_holding(sobject, field, value)
