"""
REST sObject resources: create, read, update and delete by id, upsert by external id, and sObject
Collections (up to 200 records, allOrNone).
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ApiError, not_found
from .ids import normalise_id
from .limits import api_call
from .schema import WRITABLE_FIELDS

MAX_COLLECTION_RECORDS = 200
ROLLED_BACK = (
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header"
)


class RecordsMixin:
    """The sObject endpoints; they validate with FieldsMixin and write through StoreMixin."""

    state: dict[str, Any]

    @api_call
    def sobject_create(self, request: Request, version: str, sobject: str) -> Response:
        if sobject not in WRITABLE_FIELDS:
            raise not_found()
        body = self.json_body(request)
        with self.lock:
            values = self.clean_fields(sobject, body)
            self.check_required(sobject, values)
            record_id = self.insert(sobject, values)
            self.save_state()
            self.flush_notifications()
        return json_response({"id": record_id, "success": True, "errors": []}, 201)

    @api_call
    def sobject_record(
        self, request: Request, version: str, sobject: str, record_id: str
    ) -> Response:
        if sobject == "Organization" and request.method == "GET":
            if normalise_id(record_id) != normalise_id(self.org_id()):
                raise not_found()
            fields = self.requested_fields(sobject, request.args.get("fields"))
            return json_response(self.render(sobject, self.organization(), version, fields))
        if sobject not in WRITABLE_FIELDS:
            raise not_found()
        if request.method == "GET":
            fields = self.requested_fields(sobject, request.args.get("fields"))
            with self.lock:
                record = self.record(sobject, self.existing_id(sobject, record_id))
                return json_response(self.render(sobject, record, version, fields))
        if request.method == "DELETE":
            with self.lock:
                self.delete(sobject, self.existing_id(sobject, record_id))
                self.save_state()
            return Response(status=204)
        body = self.json_body(request)
        with self.lock:
            record_id = self.existing_id(sobject, record_id)
            values = self.clean_fields(sobject, body)
            self.update(sobject, record_id, values)
            self.save_state()
            self.flush_notifications()
        return Response(status=204)

    @api_call
    def sobject_upsert(
        self, request: Request, version: str, sobject: str, field: str, value: str
    ) -> Response:
        if sobject not in WRITABLE_FIELDS:
            raise not_found()
        field = self.canonical_field(sobject, field, strict=False)
        with self.lock:
            spec = self.field_spec(sobject, field) if field else {}
            external = field == "Id" or bool(spec.get("externalId") or spec.get("idLookup"))
        if not external:
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {value}",
            )
        with self.lock:
            matches = self.match_external(sobject, field, value)
            if request.method == "GET":
                if not matches:
                    raise not_found()
                if len(matches) > 1:
                    return self.multiple_choices(sobject, matches, version)
                record = self.record(sobject, matches[0])
                return json_response(self.render(sobject, record, version))
            body = self.json_body(request)
            values = self.clean_fields(sobject, body, upsert_field=field)
            if len(matches) > 1:
                return self.multiple_choices(sobject, matches, version)
            if matches:
                self.update(sobject, matches[0], values)
                record_id, created = matches[0], False
            else:
                if field != "Id":
                    values[field] = value
                self.check_required(sobject, values)
                record_id, created = self.insert(sobject, values), True
            self.save_state()
            self.flush_notifications()
        if not created and float(version[1:]) < 46:
            return Response(status=204)
        result = {"id": record_id, "success": True, "errors": [], "created": created}
        return json_response(result, 201 if created else 200)

    @api_call
    def composite_sobjects(self, request: Request, version: str) -> Response:
        body = self.json_body(request)
        records = body.get("records")
        if not isinstance(records, list):
            raise ApiError(400, "JSON_PARSER_ERROR", "records is required")
        if len(records) > MAX_COLLECTION_RECORDS:
            raise ApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        all_or_none = bool(body.get("allOrNone", False))
        creating = request.method == "POST"
        with self.lock:
            snapshot = self.snapshot() if all_or_none else None
            queued = len(self.pending_notifications)  # a Composite request's earlier ones
            results = [self.save_one(raw, creating=creating) for raw in records]
            self.finish_collection(results, snapshot, queued, creating=creating)
        return json_response(results)

    @api_call
    def composite_delete(self, request: Request, version: str) -> Response:
        """DELETE composite/sobjects?ids=a,b&allOrNone=false: one result per id, in order."""
        ids = [value for value in request.args.get("ids", "").split(",") if value]
        if not ids:
            raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
        if len(ids) > MAX_COLLECTION_RECORDS:
            raise ApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        all_or_none = request.args.get("allOrNone", "false").lower() == "true"
        with self.lock:
            snapshot = self.snapshot() if all_or_none else None
            queued = len(self.pending_notifications)
            results = [self.delete_one(value) for value in ids]
            self.finish_collection(results, snapshot, queued, creating=False)
        return json_response(results)

    def delete_one(self, value: str) -> dict[str, Any]:
        sobject = next((s for s in WRITABLE_FIELDS if self.id_of_type(s, value)), None)
        try:
            if sobject is None:
                raise ApiError(400, "MALFORMED_ID", f"malformed id {value}", [])
            record_id = self.existing_id(sobject, value, in_collection=True)
            self.delete(sobject, record_id)
        except ApiError as exc:
            return {
                "id": normalise_id(value) or value,
                "success": False,
                "errors": [exc.save_error()],
            }
        return {"id": record_id, "success": True, "errors": []}

    def finish_collection(
        self,
        results: list[dict[str, Any]],
        snapshot: dict[str, Any] | None,
        queued: int,
        *,
        creating: bool,
    ) -> None:
        """
        allOrNone: one failure rolls every record back and cancels their messages (those
        queued after the first `queued`, which belong to earlier subrequests of a Composite).
        """
        if snapshot is not None and any(not result["success"] for result in results):
            self.state = snapshot
            del self.pending_notifications[queued:]
            rolled_back = {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": ROLLED_BACK,
                "fields": [],
            }
            for result in results:
                if result["success"]:
                    result["success"] = False
                    result["errors"] = [rolled_back]
                    if creating:
                        result.pop("id", None)
        self.save_state()
        self.flush_notifications()

    def save_one(self, raw: Any, *, creating: bool) -> dict[str, Any]:
        """One record of a collection: a SaveResult, never an exception."""
        record_id = None
        try:
            if not isinstance(raw, dict):
                raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
            sobject = (raw.get("attributes") or {}).get("type")
            if not sobject:
                raise ApiError(
                    400, "INVALID_TYPE", "sObject type is required in the record's attributes"
                )
            if sobject not in WRITABLE_FIELDS:
                raise ApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
            fields = {k: v for k, v in raw.items() if k.lower() != "id"}
            given_id = next((v for k, v in raw.items() if k.lower() == "id"), None)
            if creating:
                if given_id:
                    raise ApiError(
                        400,
                        "INVALID_FIELD",
                        "cannot specify Id in an insert call",
                        ["Id"],
                    )
                values = self.clean_fields(sobject, fields)
                self.check_required(sobject, values)
                record_id = self.insert(sobject, values)
            else:
                if not given_id:
                    raise ApiError(
                        400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"]
                    )
                if not self.id_of_type(sobject, given_id):
                    raise ApiError(
                        400,
                        "MALFORMED_ID",
                        f"{sobject} ID: id value of incorrect type: {given_id}",
                        ["Id"],
                    )
                record_id = normalise_id(given_id)
                record_id = self.existing_id(sobject, record_id or "", in_collection=True)
                values = self.clean_fields(sobject, fields)
                self.update(sobject, record_id, values)
        except ApiError as exc:
            result: dict[str, Any] = {"success": False, "errors": [exc.save_error()]}
            if record_id:
                result = {"id": record_id, **result}
            return result
        return {"id": record_id, "success": True, "errors": []}

    def json_body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None
        if not isinstance(body, dict):
            raise ApiError(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of SObject from a non-object value",
            )
        return body

    def multiple_choices(self, sobject: str, ids: list[str], version: str) -> Response:
        return json_response(
            [f"/services/data/{version}/sobjects/{sobject}/{rid}" for rid in ids], 300
        )
