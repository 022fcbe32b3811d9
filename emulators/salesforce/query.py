"""
The REST query resources: GET .../query?q= runs SOQL and answers the first batch, GET
.../queryAll?q= does the same with the recycle bin's records (IsDeleted true, merged losers); the
rest is read through nextRecordsUrl (a query locator), batchSize from Sforce-Query-Options.

REST API Developer Guide, "Query", "QueryAll" and "Execute a SOQL Query that Includes Deleted
Items": queryAll's nextRecordsUrl is a /query/ URL too ("Although the nextRecordsUrl has query in
the URL, it still provides the remaining results from the initial QueryAll request"), and
/queryAll/<locator> reads the same cursor.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ApiError, malformed
from .ids import random_id
from .limits import api_call
from .selection import Selection
from .soql import SoqlParser

DEFAULT_BATCH_SIZE = 2000
MAX_OPEN_CURSORS = 200


class QueryMixin:
    """
    Query cursors, kept in self.cursors (oldest dropped past MAX_OPEN_CURSORS). A cursor holds
    the ordered Selection, so each next page is a slice, rendered when asked for.
    """

    cursors: dict[str, dict[str, Any]]

    @api_call
    def query(self, request: Request, version: str) -> Response:
        return self.open_cursor(request, version, include_deleted=False)

    @api_call
    def query_all(self, request: Request, version: str) -> Response:
        return self.open_cursor(request, version, include_deleted=True)

    def open_cursor(self, request: Request, version: str, *, include_deleted: bool) -> Response:
        text = request.args.get("q")
        if not text:
            raise malformed("A query string has to be specified")
        query = SoqlParser(text).parse()
        with self.lock:
            selection = self.select(query, include_deleted=include_deleted)
            if selection.count_only:  # SOQL reference, "COUNT()": the size, and no records
                return json_response(
                    {"totalSize": len(selection.rows), "done": True, "records": []}
                )
            cursor_id = random_id("01g")
            batch = self.batch_size(request, DEFAULT_BATCH_SIZE)
            cursor = {"selection": selection, "batch": batch}
            self.cursors[cursor_id] = cursor
            while len(self.cursors) > MAX_OPEN_CURSORS:
                self.cursors.pop(next(iter(self.cursors)))
        return self.query_page(cursor_id, cursor, 0, version)

    @api_call
    def query_more(self, request: Request, version: str, locator: str) -> Response:
        cursor_id, _, offset = locator.partition("-")
        with self.lock:
            cursor = self.cursors.get(cursor_id)
            rows = cursor["selection"].rows if cursor else []
            if cursor is None or not offset.isdigit() or int(offset) > len(rows):
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
        selection: Selection = cursor["selection"]
        end = offset + cursor["batch"]
        page: dict[str, Any] = {
            "totalSize": len(selection.rows),
            "done": end >= len(selection.rows),
            "records": [
                self.render(selection.sobject, record, version, selection.fields)
                for record in selection.rows[offset:end]
            ],
        }
        if page["done"]:
            with self.lock:
                self.cursors.pop(cursor_id, None)
        else:
            page["nextRecordsUrl"] = f"/services/data/{version}/query/{cursor_id}-{end}"
        return json_response(page)
