"""
REST records: customer, contact, estimate, salesOrder and the item types (items.py) by internal
id or eid: external id (GET, POST, PATCH, PUT upsert, DELETE), with NetSuite's validation errors
and sublist semantics.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .accounting import accounting_error
from .address_book import SUBLIST, address_book_error, address_book_write, with_line_ids
from .errors import ns_error
from .fields import body_error
from .items import item_error, item_lines_error, transaction_total
from .record_index import RecordIndex
from .schema import (
    EXTERNAL_ID,
    FINANCIAL_FIELDS,
    ITEM_TYPES,
    RECORD_TYPES,
    REFERENCE_FIELDS,
    STANDARD_FIELDS,
    TRANSACTION_TYPES,
)


def now_stamp() -> str:
    """The time now as NetSuite's REST records give dateCreated and lastModifiedDate."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RecordsMixin:
    """The record endpoints over self.state["records"]; changes notify through WebhookMixin."""

    state: dict[str, Any]

    def _records(self, rtype: str) -> dict[str, dict]:
        return self.state["records"][rtype]

    def _index_of(self, rtype: str) -> RecordIndex:
        indexes = self.__dict__.setdefault("_record_indexes", {})
        return indexes.setdefault(rtype, RecordIndex())

    def record_index(self, rtype: str) -> RecordIndex:
        """rtype's ids in order and external ids, up to date; call with the lock held."""
        return self._index_of(rtype).current(self._records(rtype))

    def record_fields(self, rtype: str) -> dict[str, dict]:
        """rtype's standard fields and the account's custom fields for it."""
        return {**STANDARD_FIELDS[rtype], **self.state["custom_fields"][rtype]}

    def _find(self, rtype: str, ref: str) -> tuple[str | None, dict | None]:
        records = self._records(rtype)
        if ref.startswith("eid:"):
            rid = self.record_index(rtype).find_eid(records, ref[4:])
            return (rid, records[rid]) if rid is not None else (None, None)
        return ref, records.get(ref)

    def _duplicate_external_id(self, rtype: str, rid: str | None, body: dict) -> Response | None:
        """NetSuite's 400 when body gives an external id another record of rtype carries (of
        any item type, for an item: the item types share one table)."""
        eid = body.get("externalId")
        if not eid:
            return None
        for other in ITEM_TYPES if rtype in ITEM_TYPES else (rtype,):
            holder = self.record_index(other).find_eid(self._records(other), eid)
            if holder is not None and (other, holder) != (rtype, rid):
                return ns_error(
                    400,
                    "USER_ERROR",
                    "A record with this external ID already exists.",
                    "externalId",
                )
        return None

    def _link(self, request: Request, rtype: str, rid: str) -> str:
        return f"{request.host_url.rstrip('/')}/services/rest/record/v1/{rtype}/{rid}"

    def _render(self, request: Request, rtype: str, rid: str, record: dict) -> dict:
        out = copy.deepcopy(record)
        for key, value in out.items():
            if key in REFERENCE_FIELDS and isinstance(value, dict) and "id" in value:
                target = "customer" if key in ("parent", "entity", "company") else key
                ref = self.state["records"].get(target, {}).get(value["id"], {})
                value.setdefault(
                    "refName",
                    ref.get("companyName") or ref.get("entityId") or f"{key} {value['id']}",
                )
                value["links"] = [{"rel": "self", "href": self._link(request, target, value["id"])}]
        out["links"] = [{"rel": "self", "href": self._link(request, rtype, rid)}]
        out["id"] = rid
        fields = request.args.get("fields")
        if fields:
            wanted = {f.strip() for f in fields.split(",")} | {"id", "links"}
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    def _validate(self, rtype: str, body: Any, *, creating: bool) -> Response | None:
        """The 400 answer NetSuite would give to this body, or None when it is acceptable."""
        if not isinstance(body, dict):
            return ns_error(
                400,
                "INVALID_CONTENT",
                "The request could not be processed: the body must be a JSON object.",
            )
        if refused := body_error(rtype, self.record_fields(rtype), body):
            return refused
        if rtype == "customer":
            return self._customer_error(body, creating=creating)
        if rtype == "contact":
            return self._contact_error(body, creating=creating)
        if rtype in ITEM_TYPES:
            return item_error(body, creating=creating)
        return self._transaction_error(body, creating=creating)

    def _contact_error(self, body: dict, *, creating: bool) -> Response | None:
        named = any(body.get(name) for name in ("firstName", "lastName", "entityId"))
        if creating and not named:
            return ns_error(400, "USER_ERROR", "Please enter value(s) for: Contact", "entityId")
        company = body.get("company")
        if company and company.get("id") not in self._records("customer"):
            return ns_error(
                400, "USER_ERROR", f"Invalid company reference key {company.get('id')}.", "company"
            )
        return None

    def _customer_error(self, body: dict, *, creating: bool) -> Response | None:
        if creating and not body.get("isPerson") and not body.get("companyName"):
            return ns_error(
                400, "USER_ERROR", "You must enter a value for Company Name.", "companyName"
            )
        if not creating and "companyName" in body and not body["companyName"]:
            return ns_error(
                400, "USER_ERROR", "You must enter a value for Company Name.", "companyName"
            )
        if refused := address_book_error(body) or accounting_error(
            self.state, body, creating=creating
        ):
            return refused
        parent = body.get("parent")
        if parent and parent["id"] not in self._records("customer"):
            return ns_error(
                400, "USER_ERROR", f"Invalid parent reference key {parent['id']}.", "parent"
            )
        return None

    def _transaction_error(self, body: dict, *, creating: bool) -> Response | None:
        entity = body.get("entity")
        if creating and not entity:
            return ns_error(400, "USER_ERROR", "You must enter a value for Customer.", "entity")
        if entity and entity["id"] not in self._records("customer"):
            return ns_error(
                400, "USER_ERROR", f"Invalid entity reference key {entity['id']}.", "entity"
            )
        items = body.get("item", {"items": []} if not creating else None)
        if creating and not (isinstance(items, dict) and items.get("items")):
            return ns_error(
                400,
                "USER_ERROR",
                "You must have at least one valid line item for this transaction.",
                "item",
            )
        return item_lines_error(self.state["records"], body)

    def _new_id(self) -> str:
        rid = str(self.state["next_id"])
        self.state["next_id"] += 1
        return rid

    def _new_line_id(self) -> str:
        """An id for an address book line (its own sequence: record ids stay as they were)."""
        line_id = self.state.setdefault("next_line_id", 1)
        self.state["next_line_id"] = line_id + 1
        return str(line_id)

    def _create(
        self, rtype: str, body: dict, rid: str | None = None, *, seeding: bool = False
    ) -> str:
        """seeding: body is the caller's to keep, and the index is rebuilt after the batch."""
        rid = rid or self._new_id()
        now = now_stamp()
        record = {"dateCreated": now, "lastModifiedDate": now}
        record.update(body if seeding else copy.deepcopy(body))
        if rtype == "customer":
            record.update(address_book_write({}, record, replace=None, new_id=self._new_line_id))
            with_line_ids(record, self._new_line_id)
            record.setdefault("entityId", body.get("companyName") or f"CUST{rid}")
            for field in FINANCIAL_FIELDS:
                record.setdefault(field, 0)
        elif rtype == "contact":
            name = " ".join(filter(None, (body.get("firstName"), body.get("lastName"))))
            record.setdefault("entityId", name or f"CONTACT{rid}")
        elif rtype in TRANSACTION_TYPES:
            record["total"] = transaction_total(self.state["records"], record)
        elif rtype in ITEM_TYPES:
            record.setdefault("isInactive", False)  # a checkbox never ticked
        records = self._records(rtype)
        records[rid] = record
        if seeding:
            self._index_of(rtype).invalidate()
        else:
            self._index_of(rtype).added(records, rid, record)
        return rid

    def _change(
        self, rtype: str, rid: str, record: dict, body: dict, replace: set[str] | None = None
    ) -> None:
        """
        Body fields are set (null clears). Sublists ({"items": [...]}) are appended to, as
        NetSuite does for non-keyed sublists, unless the request names them in ?replace=; the
        keyed address book updates its lines by id (address_book.py).
        """
        if "externalId" in body:
            self._index_of(rtype).eid_changed(rid, record.get("externalId"), body["externalId"])
        if rtype == "customer" and SUBLIST in body:
            body = address_book_write(record, body, replace=replace, new_id=self._new_line_id)
            replace = {*(replace or ()), SUBLIST}  # resolved: the lines as they now are
        for key, value in body.items():
            current = record.get(key)
            if value is None:
                record.pop(key, None)
            elif (
                _is_sublist(value)
                and _is_sublist(current)
                and (replace is not None and key not in replace)
            ):
                current["items"] = current["items"] + copy.deepcopy(value["items"])
            else:
                record[key] = copy.deepcopy(value)
        if rtype in TRANSACTION_TYPES:
            record["total"] = transaction_total(self.state["records"], record)
        record["lastModifiedDate"] = now_stamp()

    def _known_type(self, rtype: str) -> Response | None:
        if rtype not in RECORD_TYPES:
            return ns_error(404, "INVALID_RECORD_TYPE", f"Record type '{rtype}' does not exist.")
        return None

    def record_collection(self, request: Request, rtype: str) -> Response:
        if bad := self._known_type(rtype):
            return bad
        if request.method == "GET":
            limit = min(int(request.args.get("limit", 1000)), 1000)
            offset = int(request.args.get("offset", 0))
            with self.lock:
                ids = list(self.record_index(rtype).rids)
            page = ids[offset : offset + limit]
            return json_response(
                {
                    "links": [],
                    "count": len(page),
                    "hasMore": offset + limit < len(ids),
                    "offset": offset,
                    "totalResults": len(ids),
                    "items": [
                        {"links": [{"rel": "self", "href": self._link(request, rtype, i)}], "id": i}
                        for i in page
                    ],
                }
            )
        body = request.get_json(silent=True)
        with self.lock:
            if bad := self._validate(rtype, body, creating=True):
                return bad
            if bad := self._duplicate_external_id(rtype, None, body):
                return bad
            rid = self._create(rtype, body)
            self.save_state()
            self._notify_change(request, rtype, rid, "create")
        return Response(status=204, headers={"Location": self._link(request, rtype, rid)})

    def record_item(self, request: Request, rtype: str, ref: str) -> Response:
        if bad := self._known_type(rtype):
            return bad
        if ref.startswith("eid:") and not EXTERNAL_ID.match(ref[4:]):
            return ns_error(400, "INVALID_CONTENT", "Invalid external ID in the URL.")
        with self.lock:
            rid, record = self._find(rtype, ref)
            if request.method == "PUT":
                return self._upsert(request, rtype, ref, rid, record)
            if record is None:
                return ns_error(
                    404,
                    "NONEXISTENT_ID",
                    f"The record instance does not exist. Provide a valid record "
                    f"instance ID. ({rtype} {ref})",
                )
            if request.method == "GET":
                return json_response(self._render(request, rtype, rid, record))
            if request.method == "DELETE":
                del self._records(rtype)[rid]
                self._index_of(rtype).removed(self._records(rtype), rid, record)
                self.save_state()
                self._notify_change(request, rtype, rid, "delete", record)
                return Response(status=204)
            body = request.get_json(silent=True)
            if bad := self._validate(rtype, body, creating=False):
                return bad
            # NetSuite takes a new external id on an existing record, unless another has it.
            if bad := self._duplicate_external_id(rtype, rid, body):
                return bad
            before = self.change_snapshot(rtype, record)
            self._change(rtype, rid, record, body, _replace(request))
            self.save_state()
            self._notify_change(request, rtype, rid, "update", before=before)
        return Response(status=204)

    def _upsert(
        self, request: Request, rtype: str, ref: str, rid: str | None, record: dict | None
    ) -> Response:
        """PUT record/v1/{rtype}/eid:{externalId}: create or update; called with the lock."""
        if not ref.startswith("eid:"):
            return ns_error(
                400, "INVALID_REQUEST", "PUT is only supported with an external ID (eid:)."
            )
        body = request.get_json(silent=True)
        if bad := self._validate(rtype, body, creating=record is None):
            return bad
        body = {**body, "externalId": ref[4:]}
        if bad := self._duplicate_external_id(rtype, rid, body):
            return bad  # an item of another type has it
        before = None
        if record is None:
            rid = self._create(rtype, body)
            event = "create"
        else:
            before = self.change_snapshot(rtype, record)
            self._change(rtype, rid, record, body, _replace(request))
            event = "update"
        self.save_state()
        self._notify_change(request, rtype, rid, event, before=before)
        return Response(status=204, headers={"Location": self._link(request, rtype, rid)})


def _is_sublist(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("items"), list)


def _replace(request: Request) -> set[str]:
    """The sublists named in ?replace=a,b (replaced instead of appended to)."""
    return {name.strip() for name in request.args.get("replace", "").split(",") if name.strip()}
