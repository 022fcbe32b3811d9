"""
One record type's internal ids in order and its external ids, kept in step with the stored
records so that key paging (WHERE id > :last ORDER BY id) and eid: look-ups never sort or scan
the whole table.
"""

from __future__ import annotations

import bisect


def id_key(rid: str) -> int:
    """Internal ids are integers; anything else sorts first."""
    return int(rid) if rid.isdigit() else -1


class RecordIndex:
    """Call with the emulator's lock held. A table it was not told about is re-read whole."""

    def __init__(self) -> None:
        self._table: dict[str, dict] | None = None
        self.keys: list[int] = []
        self.rids: list[str] = []
        self._eids: dict[str, str] = {}

    def current(self, table: dict[str, dict]) -> RecordIndex:
        """This index, rebuilt first when table is not the one it follows or has changed size."""
        if self._table is not table or len(self.rids) != len(table):
            self._rebuild(table)
        return self

    def invalidate(self) -> None:
        self._table = None

    def _rebuild(self, table: dict[str, dict]) -> None:
        self._table = table
        self.rids = sorted(table, key=id_key)
        self.keys = [id_key(rid) for rid in self.rids]
        self._eids = {}
        for rid in self.rids:
            eid = table[rid].get("externalId")
            if eid:
                self._eids.setdefault(eid, rid)

    def find_eid(self, table: dict[str, dict], eid: str) -> str | None:
        rid = self.current(table)._eids.get(eid)
        if rid is not None and table.get(rid, {}).get("externalId") != eid:
            self._rebuild(table)  # changed behind the index's back
            rid = self._eids.get(eid)
        return rid

    def added(self, table: dict[str, dict], rid: str, record: dict) -> None:
        if self._table is not table or len(self.rids) != len(table) - 1:
            self.invalidate()
            return
        key = id_key(rid)
        if not self.keys or key >= self.keys[-1]:
            self.keys.append(key)
            self.rids.append(rid)
        else:
            at = bisect.bisect_right(self.keys, key)
            self.keys.insert(at, key)
            self.rids.insert(at, rid)
        if record.get("externalId"):
            self._eids.setdefault(record["externalId"], rid)

    def removed(self, table: dict[str, dict], rid: str, record: dict) -> None:
        if self._table is not table:
            return
        at = bisect.bisect_left(self.keys, id_key(rid))
        while at < len(self.rids) and self.rids[at] != rid and self.keys[at] == id_key(rid):
            at += 1
        if at < len(self.rids) and self.rids[at] == rid:
            del self.keys[at], self.rids[at]
        eid = record.get("externalId")
        if eid and self._eids.get(eid) == rid:
            del self._eids[eid]
            self.invalidate()  # another record may carry the same external id

    def eid_changed(self, rid: str, old: str | None, new: str | None) -> None:
        if old and self._eids.get(old) == rid:
            del self._eids[old]
        if new:
            self._eids.setdefault(new, rid)
