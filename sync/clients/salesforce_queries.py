"""
Reading many Salesforce rows without holding them all: SOQL page by page (query, or queryAll
with deleted and merged rows), and Bulk API 2.0 query jobs for large reads at little API cost.
Docs: REST API Developer Guide "Query", "QueryAll"; Bulk API 2.0 Developer Guide "Query Jobs".
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .errors import Rejected, Transient
from .salesforce import SalesforceClient


def query_pages(
    client: SalesforceClient, soql: str, *, include_deleted: bool = False
) -> Iterator[list[dict[str, Any]]]:
    """The rows of a SOQL query, one page (up to 2,000 rows) at a time, following
    nextRecordsUrl; include_deleted uses queryAll."""
    result = client._call(lambda sf: sf.query(soql, include_deleted=include_deleted))
    yield from pages_from(client, result, include_deleted=include_deleted)


# https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm
def composite_queries(
    client: SalesforceClient, queries: dict[str, str], *, include_deleted: bool = False
) -> dict[str, dict[str, Any]]:
    """
    Several SOQL queries in one Composite request, which counts as one API call: each query's
    first page by name ({"Account": soql, ...} -> {"Account": result, ...}). Follow each with
    pages_from().
    """
    resource = "queryAll" if include_deleted else "query"
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {
                "method": "GET",
                "url": f"/services/data/v{client.version}/{resource}/?{urlencode({'q': soql})}",
                "referenceId": name,
            }
            for name, soql in queries.items()
        ],
    }
    answer = client._call(lambda sf: sf.restful("composite", method="POST", json=body))
    results = {}
    for item in answer.get("compositeResponse", []):
        status, result = int(item.get("httpStatusCode", 500)), item.get("body")
        if status >= 300:
            errors = result if isinstance(result, list) else []
            text = "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in errors)
            error = Transient if status >= 500 else Rejected
            raise error(
                f"Salesforce {item.get('referenceId')} query: {text or status}",
                status=status,
                response=result,
            )
        results[item["referenceId"]] = result
    return results


def pages_from(
    client: SalesforceClient, result: dict[str, Any], *, include_deleted: bool = False
) -> Iterator[list[dict[str, Any]]]:
    """A query's pages from its first result on, following nextRecordsUrl."""
    while True:
        yield [_plain(record) for record in result["records"]]
        if result.get("done", True) or not result.get("nextRecordsUrl"):
            return
        next_url = result["nextRecordsUrl"]
        result = client._call(
            lambda sf, url=next_url: sf.query_more(
                url, identifier_is_url=True, include_deleted=include_deleted
            )
        )


def count(client: SalesforceClient, soql_from_where: str) -> int:
    """SELECT COUNT() FROM ...: the number of rows, in one call."""
    result = client._call(lambda sf: sf.query(f"SELECT COUNT() {soql_from_where}"))
    return int(result.get("totalSize") or 0)


@dataclass(frozen=True)
class BulkPage:
    rows: list[dict[str, Any]]
    job_id: str
    next_locator: str  # "" when this was the last page


def bulk_query_pages(
    client: SalesforceClient,
    soql: str,
    *,
    operation: str = "query",
    page_size: int = 10000,
    job_id: str = "",
    locator: str = "",
    poll_seconds: float = 0.5,
) -> Iterator[BulkPage]:
    """
    The rows of a Bulk API 2.0 query job, one results page at a time. A resumed read passes
    the job id and the locator of the page to start from (results are kept 7 days).
    """
    if not job_id:
        body = {"operation": operation, "query": soql}
        job = client._call(lambda sf: sf.restful("jobs/query", method="POST", json=body))
        job_id = job["id"]
    _wait_for(client, job_id, poll_seconds)
    while True:
        params: dict[str, Any] = {"maxRecords": page_size}
        if locator:
            params["locator"] = locator
        response = client._call(
            lambda sf, params=params: sf._call_salesforce(
                "GET", f"{sf.base_url}jobs/query/{job_id}/results", params=params
            )
        )
        next_locator = response.headers.get("Sforce-Locator", "")
        next_locator = "" if next_locator in ("", "null") else next_locator
        yield BulkPage(_csv_rows(response.text), job_id, next_locator)
        if not next_locator:
            return
        locator = next_locator


def _wait_for(client: SalesforceClient, job_id: str, poll_seconds: float) -> None:
    """Poll the job until it is complete; a failed or aborted job is a refusal."""
    delay = poll_seconds
    while True:
        job = client._call(lambda sf: sf.restful(f"jobs/query/{job_id}"))
        state = job.get("state")
        if state == "JobComplete":
            return
        if state in ("Failed", "Aborted"):
            raise Rejected(
                f"Salesforce Bulk API query job {job_id} {state.lower()}: "
                f"{job.get('errorMessage') or 'no reason given'}"
            )
        time.sleep(delay)
        delay = min(delay * 2, 10.0)


def _csv_rows(text: str) -> list[dict[str, Any]]:
    """CSV results: an empty cell is a null (Bulk API 2.0 writes nulls as empty)."""
    return [
        {name: (value if value != "" else None) for name, value in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    row = dict(record)
    row.pop("attributes", None)
    return row
