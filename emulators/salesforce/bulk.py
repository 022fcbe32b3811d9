"""
Bulk API 2.0 query jobs (API v47.0+), as the "Bulk API 2.0 and Bulk API Developer Guide" gives
them: POST jobs/query creates a job (UploadComplete), GET jobs/query/{id} reports it (InProgress on
the first poll, JobComplete on the next, so a client has to poll), GET .../results pages the CSV
by maxRecords and locator, PATCH {"state": "Aborted"} aborts and DELETE deletes it.

The job selects its records when it is created and keeps them (the records are never changed in
place), so each results page is rendered from that snapshot when asked for and streamed.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ApiError, not_found
from .ids import random_id
from .limits import api_call
from .schema import rest_datetime, soap_datetime
from .selection import Selection
from .soql import SoqlParser

FIRST_BULK_VERSION = 47.0
MAX_JOBS = 100  # oldest forgotten first; Salesforce keeps jobs about 7 days
DEFAULT_MAX_RECORDS = 50_000  # "a default value based on the service"; simple-salesforce's too
CSV_CHUNK_ROWS = 1000
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^"}
DELIMITERS["BACKQUOTE"] = "`"
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
TERMINAL_STATES = ("JobComplete", "Aborted", "Failed")


class BulkError(ApiError):
    """Bulk API 2.0 errors are [{"errorCode", "message"}], without "fields"."""

    def response(self, headers: dict | None = None) -> Response:
        return json_response(
            [{"errorCode": self.code, "message": self.message}], self.status, headers
        )


def encode_locator(offset: int) -> str:
    # Salesforce's locators look like MTAwMDA: base64 of the next row's offset, unpadded.
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except ValueError:
        text = ""
    if not text.isdigit():
        raise BulkError(400, "API_ERROR", f"Invalid locator: {locator}")
    return int(text)


def csv_value(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return soap_datetime(value) if kind == "datetime" else str(value)


def csv_rows(
    selection: Selection, kinds: list[str], start: int, end: int, info: dict[str, Any]
) -> Iterator[bytes]:
    """The header row, then rows start..end, RFC 4180 with every value quoted, in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=DELIMITERS[info["columnDelimiter"]],
        lineterminator=LINE_ENDINGS[info["lineEnding"]],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(selection.fields)
    for chunk in range(start, end, CSV_CHUNK_ROWS):
        for record in selection.rows[chunk : min(chunk + CSV_CHUNK_ROWS, end)]:
            writer.writerow(
                [csv_value(k, record.get(f)) for f, k in zip(selection.fields, kinds, strict=True)]
            )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def status_name(state: str) -> str:
    """InProgress -> IN_PROGRESS, as the JOB_NOT_COMPLETE message names states."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", state).upper()


class BulkQueryMixin:
    """Query jobs in self.bulk_jobs (not in the saved state: they hold selections)."""

    bulk_jobs: dict[str, dict[str, Any]]

    @api_call
    def bulk_query_create(self, request: Request, version: str) -> Response:
        body = self.bulk_body(request, version)
        options = {
            "operation": body.get("operation"),
            "contentType": body.get("contentType") or "CSV",
            "lineEnding": body.get("lineEnding") or "LF",
            "columnDelimiter": body.get("columnDelimiter") or "COMMA",
        }
        if options["operation"] not in ("query", "queryAll"):
            raise BulkError(400, "API_ERROR", "operation must be query or queryAll")
        valid = {"contentType": ("CSV",), "lineEnding": LINE_ENDINGS, "columnDelimiter": DELIMITERS}
        for name, allowed in valid.items():
            if options[name] not in allowed:
                raise BulkError(400, "API_ERROR", f"{name}: invalid value {options[name]}")
        query = self.bulk_query(body.get("query"))
        now = rest_datetime(dt.datetime.now(dt.UTC))
        with self.lock:
            selection = self.select(query, include_deleted=options["operation"] == "queryAll")
            info = {
                "id": random_id("750"),
                "operation": options["operation"],
                "object": selection.sobject,
                "createdById": self.user_id(),
                "createdDate": now,
                "systemModstamp": now,
                "state": "UploadComplete",
                "concurrencyMode": "Parallel",
                "contentType": options["contentType"],
                "apiVersion": float(version[1:]),
                "lineEnding": options["lineEnding"],
                "columnDelimiter": options["columnDelimiter"],
            }
            self.bulk_jobs[info["id"]] = {"info": info, "selection": selection, "version": version}
            while len(self.bulk_jobs) > MAX_JOBS:
                self.bulk_jobs.pop(next(iter(self.bulk_jobs)))
        return json_response(info)

    def bulk_body(self, request: Request, version: str) -> dict[str, Any]:
        if float(version[1:]) < FIRST_BULK_VERSION:
            raise not_found()
        try:
            body = request.get_json(force=True, silent=False)
        except BadRequest:
            body = None
        if not isinstance(body, dict):
            raise BulkError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        return body

    def bulk_query(self, text: Any) -> dict[str, Any]:
        if not isinstance(text, str) or not text.strip():
            raise BulkError(400, "API_ERROR", "query is required")
        query = SoqlParser(text).parse()
        if query["offset"] is not None or query["count"]:
            raise BulkError(
                400, "API_ERROR", "OFFSET and COUNT() are not supported by Bulk API 2.0 queries"
            )
        return query

    @api_call
    def bulk_query_job(self, request: Request, version: str, job_id: str) -> Response:
        with self.lock:
            job = self.bulk_job(job_id, version)
            info = job["info"]
            if request.method == "DELETE":
                if info["state"] not in TERMINAL_STATES:
                    raise BulkError(
                        400,
                        "API_ERROR",
                        "Error encountered when deleting the job because the job is not terminated",
                    )
                del self.bulk_jobs[job_id]
                return Response(status=204)
            if request.method == "PATCH":
                return self.bulk_abort(request, version, job)
            self.advance(job)
            return json_response(self.job_status(job))

    def bulk_abort(self, request: Request, version: str, job: dict[str, Any]) -> Response:
        info = job["info"]
        if self.bulk_body(request, version).get("state") != "Aborted":
            raise BulkError(400, "INVALIDJOBSTATE", "A query job can only be changed to Aborted")
        if info["state"] not in ("UploadComplete", "InProgress"):
            raise BulkError(400, "INVALIDJOBSTATE", f"Cannot abort a job in state {info['state']}")
        info["state"] = "Aborted"
        info["systemModstamp"] = rest_datetime(dt.datetime.now(dt.UTC))
        return json_response(info)

    def bulk_job(self, job_id: str, version: str) -> dict[str, Any]:
        if float(version[1:]) < FIRST_BULK_VERSION or job_id not in self.bulk_jobs:
            raise BulkError(404, "NOT_FOUND", "The requested resource does not exist")
        return self.bulk_jobs[job_id]

    def advance(self, job: dict[str, Any]) -> None:
        """Each poll moves the job on: UploadComplete -> InProgress -> JobComplete."""
        info = job["info"]
        following = {"UploadComplete": "InProgress", "InProgress": "JobComplete"}
        if info["state"] in following:
            info["state"] = following[info["state"]]
            info["systemModstamp"] = rest_datetime(dt.datetime.now(dt.UTC))

    def job_status(self, job: dict[str, Any]) -> dict[str, Any]:
        """Get Information About a Query Job: the job info with its counters."""
        info = job["info"]
        done = info["state"] == "JobComplete"
        started = dt.datetime.fromisoformat(info["createdDate"])
        finished = dt.datetime.fromisoformat(info["systemModstamp"])
        return {
            **info,
            "jobType": "V2Query",
            "numberRecordsProcessed": len(job["selection"].rows) if done else 0,
            "retries": 0,
            "totalProcessingTime": int((finished - started).total_seconds() * 1000) if done else 0,
        }

    @api_call
    def bulk_query_results(self, request: Request, version: str, job_id: str) -> Response:
        with self.lock:
            job = self.bulk_job(job_id, version)
            info, selection = job["info"], job["selection"]
            if info["state"] != "JobComplete":
                raise BulkError(
                    412,
                    "JOB_NOT_COMPLETE",
                    "can only download query results of successfully completed bulk job with "
                    f"status: JOB_COMPLETE. Current status: {status_name(info['state'])}",
                )
            if job["version"] != version:
                raise BulkError(
                    409,
                    "API_ERROR",
                    f"Get the results with the API version that created the job ({job['version']})",
                )
            kinds = [self.field_kind(selection.sobject, field) for field in selection.fields]
        start = decode_locator(request.args["locator"]) if request.args.get("locator") else 0
        size = request.args.get("maxRecords", str(DEFAULT_MAX_RECORDS))
        if not size.isdigit() or int(size) < 1:
            raise BulkError(400, "API_ERROR", f"maxRecords must be a positive whole number: {size}")
        total = len(selection.rows)
        if start > total:
            raise BulkError(400, "API_ERROR", f"Invalid locator: {request.args['locator']}")
        end = min(start + int(size), total)
        headers = {
            "Sforce-NumberOfRecords": str(end - start),
            "Sforce-Locator": encode_locator(end) if end < total else "null",
        }
        rows = csv_rows(selection, kinds, start, end, info)
        return Response(rows, status=200, headers=headers, content_type="text/csv")
