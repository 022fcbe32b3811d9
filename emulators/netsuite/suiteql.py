"""
SuiteQL through REST: POST /query/v1/suiteql?limit=&offset= with `Prefer: transient` and
{"q": "SELECT ..."}, answered as NetSuite pages it. The grammar and values are in
suiteql_parse.py and suiteql_values.py; running a query is suiteql_run.py.

Paging as NetSuite allows it: limit 1 to 1000, offset a multiple of limit, and no row past the
100,000th (offset + limit) without SuiteAnalytics Connect: read further by key instead
(WHERE id > :last ORDER BY id).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from werkzeug.wrappers import Request, Response

from ..base import json_response
from .errors import ns_error
from .items import item_table
from .record_index import RecordIndex
from .suiteql_parse import SuiteQLError
from .suiteql_run import Source, run

MAX_ROWS = 100_000  # rows one query can page through without SuiteAnalytics Connect
INVALID_QUERY = "Invalid search query. Detailed unprocessed description follows. "
# The tables the emulator answers and the record type each reads; and `item`, which reads every
# item type at once (items.item_table).
TABLES = {"customer": "customer", "estimate": "estimate", "salesorder": "salesOrder"}
ITEM_TABLE = "item"


class SuiteQLMixin:
    """The query endpoint; the query runs over the state with the lock held."""

    state: dict[str, Any]
    record_fields: Callable[[str], dict[str, dict]]  # RecordsMixin's
    record_index: Callable[[str], RecordIndex]  # RecordsMixin's

    def suiteql(self, request: Request) -> Response:
        if "transient" not in request.headers.get("Prefer", ""):
            return ns_error(
                400, "INVALID_REQUEST", "SuiteQL requests need the header 'Prefer: transient'."
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("q"), str):
            return ns_error(400, "INVALID_CONTENT", 'The body must be {"q": "SELECT ..."}.')
        paging = _paging(request)
        if isinstance(paging, Response):
            return paging
        limit, offset = paging
        with self.lock:
            try:
                result = run(body["q"], self._suiteql_source, limit=limit, offset=offset)
            except SuiteQLError as exc:
                return ns_error(400, "INVALID_PARAMETER", INVALID_QUERY + str(exc), query_param="q")
        base = f"{request.host_url.rstrip('/')}/services/rest/query/v1/suiteql"
        links = [{"rel": "self", "href": f"{base}?limit={limit}&offset={offset}"}]
        has_more = offset + limit < result.total
        if has_more:
            links.append({"rel": "next", "href": f"{base}?limit={limit}&offset={offset + limit}"})
        if result.total:
            last = (result.total - 1) // limit * limit
            links.append({"rel": "last", "href": f"{base}?limit={limit}&offset={last}"})
        return json_response(
            {
                "links": links,
                "count": len(result.rows),
                "hasMore": has_more,
                "items": [{"links": [], **row} for row in result.rows],
                "offset": offset,
                "totalResults": result.total,
            }
        )

    def _suiteql_source(self, table: str) -> Source | None:
        if table == ITEM_TABLE:
            # A view made for the query: the lock is held, and accounts have few items.
            records, fields = item_table(self.state["records"], self.record_fields)
            index = RecordIndex().current(records)
            return Source(ITEM_TABLE, records, fields, index, zone=_account_zone())
        rtype = TABLES.get(table)
        if rtype is None:
            return None
        records = self.state["records"][rtype]
        return Source(
            rtype=rtype,
            records=records,
            fields=self.record_fields(rtype),
            index=self.record_index(rtype).current(records),
            zone=_account_zone(),
        )


def _account_zone() -> zoneinfo.ZoneInfo | None:
    """The account's time zone (Setup > Company > Company Information), which SuiteQL shows
    and reads dates in: SFNS's NETSUITE_TIME_ZONE names it. None for UTC."""
    name = getattr(settings, "NETSUITE_TIME_ZONE", "UTC") or "UTC"
    return None if name == "UTC" else zoneinfo.ZoneInfo(name)


def _paging(request: Request) -> tuple[int, int] | Response:
    """(limit, offset) from the URL, or NetSuite's 400 for values it does not take."""
    try:
        limit = int(request.args.get("limit", 1000))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return ns_error(400, "INVALID_PARAMETER", "limit and offset must be integers.")
    if not 1 <= limit <= 1000 or offset < 0:
        return ns_error(
            400, "INVALID_PARAMETER", "limit must be 1..1000, offset >= 0.", query_param="limit"
        )
    if offset % limit:
        return ns_error(
            400,
            "INVALID_PARAMETER",
            f"Invalid value for the parameter offset: {offset} is not a multiple of the limit "
            f"({limit}).",
            query_param="offset",
        )
    if offset + limit > MAX_ROWS:
        return ns_error(
            400,
            "INVALID_PARAMETER",
            f"Invalid value for the parameter offset: a SuiteQL query returns at most "
            f"{MAX_ROWS:,} results (offset {offset} + limit {limit}). Read further by key: "
            "WHERE id > :last ORDER BY id.",
            query_param="offset",
        )
    return limit, offset
