"""
The REST query resource: GET .../query?q= runs SOQL and answers the first batch; the rest is
read through nextRecordsUrl (a query locator), batchSize from Sforce-Query-Options.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ApiError, malformed
from .ids import random_id
from .limits import api_call
from .soql import SoqlParser

DEFAULT_BATCH_SIZE = 2000
MAX_OPEN_CURSORS = 200


class QueryMixin:
    """Query cursors, kept in self.cursors (oldest dropped past MAX_OPEN_CURSORS)."""

    cursors: dict[str, dict[str, Any]]

    @api_call
    def query(self, request: Request, version: str) -> Response:
        text = request.args.get("q")
        if not text:
            raise malformed("A query string has to be specified")
        query = SoqlParser(text).parse()
        with self.lock:
            rows = self.run_query(query, version)
            cursor_id = random_id("01g")
            cursor = {"rows": rows, "batch": self.batch_size(request, DEFAULT_BATCH_SIZE)}
            self.cursors[cursor_id] = cursor
            while len(self.cursors) > MAX_OPEN_CURSORS:
                self.cursors.pop(next(iter(self.cursors)))
            return self.query_page(cursor_id, cursor, 0, version)

    @api_call
    def query_more(self, request: Request, version: str, locator: str) -> Response:
        cursor_id, _, offset = locator.partition("-")
        with self.lock:
            cursor = self.cursors.get(cursor_id)
            if cursor is None or not offset.isdigit() or int(offset) > len(cursor["rows"]):
                raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            cursor["batch"] = self.batch_size(request, cursor["batch"])
            return self.query_page(cursor_id, cursor, int(offset), version)

    def batch_size(self, request: Request, default: int) -> int:
        options = request.headers.get("Sforce-Query-Options", "")
        match = re.search(r"batchSize\s*=\s*(\d+)", options, re.IGNORECASE)
        if not match:
            return default
        return max(200, min(2000, int(match.group(1))))

    def query_page(
        self, cursor_id: str, cursor: dict[str, Any], offset: int, version: str
    ) -> Response:
        rows, batch = cursor["rows"], cursor["batch"]
        end = offset + batch
        page: dict[str, Any] = {
            "totalSize": len(rows),
            "done": end >= len(rows),
            "records": rows[offset:end],
        }
        if page["done"]:
            self.cursors.pop(cursor_id, None)
        else:
            page["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor_id}-{end}"
        return json_response(page)
