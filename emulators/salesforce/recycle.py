"""
Deletes and merges, as Salesforce makes them: a deleted record goes to the recycle bin (IsDeleted
true, still read by queryAll for about 15 days) and takes its Account's Opportunities and Contacts
with it, and an Opportunity's line items (the product rules are in products.py); a merge
deletes the losers with MasterRecordId set to the winner and moves their related records.
Neither sends an outbound message except the winner's own update: Salesforce fires no triggers
(hence no record-triggered flow) for cascaded deletes or for children reparented by a merge (Apex
Developer Guide, "Triggers and Merge Statements", "Operations That Don't Invoke Triggers").
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError

# A merge takes a master and at most two more records (SOAP API merge(), Apex merge).
MAX_MERGED_RECORDS = 2
# The sObjects whose records go with their Account (AccountId): to the recycle bin, or to the
# winner of a merge.
CHILD_SOBJECTS = ("Opportunity", "Contact")


class RecycleMixin:
    """Uses the store (record, replace, update, modstamp, existing_id) and clean_fields()."""

    state: dict[str, Any]

    def delete(self, sobject: str, record_id: str) -> None:
        """A user's or the API's delete: the record and what depends on it go to the recycle bin."""
        self.check_deletable(sobject, record_id)
        stamp = self.modstamp()
        self.to_recycle_bin(sobject, record_id, stamp)
        if sobject == "Account":
            self.cascade_delete({record_id}, stamp)
        else:
            self.delete_dependents(sobject, {record_id}, stamp)

    def to_recycle_bin(
        self, sobject: str, record_id: str, stamp: str, master_id: str | None = None
    ) -> None:
        record = self.state["records"][sobject].pop(record_id)
        self.indexes.remove(sobject, record)
        deleted = {**record, "IsDeleted": True, "SystemModstamp": stamp}
        if master_id:
            deleted["MasterRecordId"] = master_id
        self.state["deleted"][sobject][record_id] = deleted

    def cascade_delete(self, account_ids: set[str], stamp: str) -> None:
        """
        An Account's Opportunities (with their line items) and Contacts are deleted with it; its
        child Accounts lose their parent.
        """
        for sobject in CHILD_SOBJECTS:
            deleted = set()
            for child in list(self.state["records"][sobject].values()):
                if child.get("AccountId") in account_ids:
                    self.to_recycle_bin(sobject, child["Id"], stamp)
                    deleted.add(child["Id"])
            self.delete_dependents(sobject, deleted, stamp)
        for child in list(self.state["records"]["Account"].values()):
            if child.get("ParentId") in account_ids:
                # A lookup cleared by the system: no user edit, so LastModifiedDate stays.
                self.replace("Account", {**child, "ParentId": None, "SystemModstamp": stamp})

    def merge(self, data: dict[str, Any]) -> dict[str, Any]:
        """
        POST /__emulator__/merge {"type": "Account", "master": id, "losers": [id, ...],
        "fields"?: {...}}, as a user merging in the UI (fields: the values the user kept on the
        master). Call with the lock held; on an ApiError roll back to a snapshot.
        """
        sobject = data.get("type")
        if sobject != "Account":
            raise ApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' cannot be merged here")
        master_id = self.existing_id("Account", str(data.get("master") or ""))
        losers = data.get("losers")
        if not isinstance(losers, list) or not 1 <= len(losers) <= MAX_MERGED_RECORDS:
            raise ApiError(
                400,
                "INVALID_ARGUMENT_TYPE",
                f"Merge takes the master and 1 to {MAX_MERGED_RECORDS} records to merge into it",
            )
        loser_ids = list(dict.fromkeys(self.existing_id("Account", str(i)) for i in losers))
        if master_id in loser_ids:
            raise ApiError(
                400, "INVALID_ID_FIELD", "The master record cannot be merged into itself"
            )
        values = self.clean_fields("Account", data.get("fields") or {})
        stamp = self.modstamp()
        moved = self.reparent(set(loser_ids), master_id, stamp)
        for loser_id in loser_ids:
            self.to_recycle_bin("Account", loser_id, stamp, master_id)
        self.update("Account", master_id, values)  # the winner's update: a message as usual
        return {
            "ok": True,
            "id": master_id,
            "mergedRecordIds": loser_ids,
            "updatedRelatedIds": moved,
        }

    def reparent(self, loser_ids: set[str], master_id: str, stamp: str) -> list[str]:
        """
        The losers' Opportunities, Contacts and child Accounts now belong to the master (no
        messages).
        """
        moved = []
        children = [(sobject, "AccountId") for sobject in CHILD_SOBJECTS]
        for sobject, field in [*children, ("Account", "ParentId")]:
            for record in list(self.state["records"][sobject].values()):
                if record.get(field) not in loser_ids or record["Id"] in loser_ids:
                    continue
                parent = None if record["Id"] == master_id else master_id
                changes = {field: parent, "LastModifiedDate": stamp, "SystemModstamp": stamp}
                self.replace(sobject, {**record, **changes})
                moved.append(record["Id"])
        return moved
