"""
NetSuite SuiteTalk REST client: token-based auth (OAuth 1.0a, HMAC-SHA256, see
netsuite_http), record CRUD and eid: upserts, SuiteQL with paging.

Every call holds a slot of the cross-process in-flight cap (NETSUITE_CONCURRENCY_LIMIT) and
retries transient failures (429, 5xx, timeouts) with exponential backoff and full jitter; each
retry is signed afresh (a new nonce), which is why this is not urllib3's Retry.
Docs: NetSuite Help Center, "SuiteTalk REST Web Services" (record service, SuiteQL, errors,
"Concurrency Governance").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import urllib3
from django.conf import settings
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from .concurrency import netsuite_semaphore
from .errors import AuthError, ClientError, NotFound, RateLimited, Rejected, Transient
from .exchanges import Exchange
from .netsuite_http import Answer, Credentials, thread_transport

logger = logging.getLogger(__name__)
# Seconds a call slot stays taken after the process holding it stopped renewing it (killed):
# calls in flight are renewed, however long they take.
SLOT_LEASE = 6.0


@dataclass
class NetSuiteClient:
    base_url: str = field(default_factory=lambda: settings.NETSUITE_BASE_URL)
    account_id: str = field(default_factory=lambda: settings.NETSUITE_ACCOUNT_ID)
    attempts: int = 3
    max_wait: float = 8.0
    slot_wait: float = 30.0
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/") + "/"
        self._transport = thread_transport(
            self.base_url,
            self.account_id,
            Credentials(
                settings.NETSUITE_CONSUMER_KEY,
                settings.NETSUITE_CONSUMER_SECRET,
                settings.NETSUITE_TOKEN_ID,
                settings.NETSUITE_TOKEN_SECRET,
            ),
        )
        self._holding = False
        self._kept: ExitStack | None = None
        connect, read = settings.SFNS_HTTP_TIMEOUT
        self._timeout = urllib3.Timeout(connect=connect, read=read)
        self._slots = netsuite_semaphore(
            redis_url=settings.SFNS_REDIS_URL,
            account_id=self.account_id,
            limit=settings.NETSUITE_CONCURRENCY_LIMIT,
            lease=SLOT_LEASE,
        )

    # -- records: "record/v1/{type}/{id}", id may be "eid:{externalId}" -----------------------
    def get(
        self, record_type: str, ref: str, *, fields: list[str] | None = None, expand: bool = False
    ) -> dict:
        """A record; expand: with its sublists' lines (else NetSuite gives their links only)."""
        params = {"fields": ",".join(fields)} if fields else {}
        if expand:
            params["expandSubResources"] = "true"
        return _json(self._call("GET", f"record/v1/{record_type}/{ref}", params=params or None))

    def create(self, record_type: str, body: dict) -> str:
        """POST a new record; NetSuite answers 204 with the new id in the Location header."""
        return _id_from_location(self._call("POST", f"record/v1/{record_type}", json_body=body))

    def update(
        self, record_type: str, ref: str, body: dict, *, replace: Iterable[str] = ()
    ) -> None:
        """
        PATCH: omitted fields stay as they are, null clears. Sublist lines are appended unless
        the sublist is named in replace ("Working with Sublists" in the REST guide).
        """
        self._call(
            "PATCH",
            f"record/v1/{record_type}/{ref}",
            json_body=body,
            params=_replace_param(replace),
        )

    def upsert(
        self, record_type: str, external_id: str, body: dict, *, replace: Iterable[str] = ()
    ) -> str:
        """PUT eid:{externalId}: create or update by external id, so a retry never duplicates."""
        response = self._call(
            "PUT",
            f"record/v1/{record_type}/eid:{external_id}",
            json_body=body,
            params=_replace_param(replace),
        )
        return _id_from_location(response)

    def delete(self, record_type: str, ref: str) -> None:
        self._call("DELETE", f"record/v1/{record_type}/{ref}")

    # "Working with Record Metadata" (REST web services): a JSON Schema of the record type.
    def metadata(self, record_type: str) -> dict:
        """The record type's JSON Schema; its "properties" include the account's custom fields."""
        return _json(
            self._call(
                "GET",
                f"record/v1/metadata-catalog/{record_type}",
                headers={"Accept": "application/schema+json"},
            )
        )

    def suiteql(self, query: str, *, page_size: int = 1000) -> Iterator[dict]:
        """Every row of a SuiteQL query, following hasMore/offset."""
        offset = 0
        while True:
            page = _json(
                self._call(
                    "POST",
                    "query/v1/suiteql",
                    params={"limit": page_size, "offset": offset},
                    json_body={"q": query},
                    headers={"Prefer": "transient"},
                )
            )
            for item in page.get("items", []):  # (the page is the exchange's answer too: kept)
                yield {name: value for name, value in item.items() if name != "links"}
            if not page.get("hasMore"):
                return
            offset += page_size

    # -- plumbing ------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Answer:
        retrying = Retrying(
            retry=retry_if_exception_type(Transient),
            wait=wait_random_exponential(multiplier=0.25, max=self.max_wait),
            stop=stop_after_attempt(self.attempts),
            reraise=True,
        )
        return retrying(self._send, method, path, **kwargs)

    @contextmanager
    def one_slot(self) -> Iterator[None]:
        """
        The calls made inside share one slot of the cap, taken once (a push's read of the lock
        and its update, back to back): one round trip to the cap instead of one per call.
        """
        if self._holding:
            yield
            return
        if self._kept is not None:  # taken now, given back when slot_kept ends
            self._kept.enter_context(self._slots.slot(self.slot_wait))
            self._holding = True
            yield
            return
        with self._slots.slot(self.slot_wait):
            self._holding = True
            try:
                yield
            finally:
                self._holding = False

    @contextmanager
    def slot_kept(self) -> Iterator[None]:
        """
        The calls made inside share one slot of the cap, taken by the first call and given
        back at the end: a worker thread running a batch of pushes goes from one to the next
        without two round trips to the cap between them (and without queueing again behind
        the other threads for a slot it just had).
        """
        if self._kept is not None or self._holding:
            yield
            return
        with ExitStack() as kept:
            self._kept = kept
            try:
                yield
            finally:
                self._kept = None
                self._holding = False

    def _send(self, method: str, path: str, **kwargs: Any) -> Answer:
        started = time.monotonic()
        answer = None
        # Built and signed before taking a slot: the slot is held for the exchange only.
        request = self._transport.prepare(method, self.base_url + path, **kwargs)
        try:
            with self.one_slot():
                answer = self._transport.send(request, timeout=self._timeout)
        except urllib3.exceptions.TimeoutError as exc:
            if isinstance(exc, urllib3.exceptions.NewConnectionError):  # (one, for urllib3)
                raise _unreachable(method, path, exc) from exc
            raise Transient(f"NetSuite {method} {path}: timed out") from exc
        except urllib3.exceptions.HTTPError as exc:  # refused, reset, TLS...
            raise _unreachable(method, path, exc) from exc
        finally:
            self.exchanges.append(
                Exchange(
                    method=method,
                    path=path,
                    request=kwargs.get("json_body"),
                    status=answer.status if answer is not None else None,
                    response=answer.body if answer is not None else None,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
            )
        if answer.status < 300:
            return answer
        raise _error(method, path, answer)


def suiteql_text(text: str) -> str:
    """A value for a SuiteQL string literal ('...'): its quotes doubled, as SQL has it."""
    return text.replace("'", "''")


def suiteql_checkbox(value: Any) -> bool:
    """A checkbox as SuiteQL answers it: "T" or "F" (a REST body has true/false)."""
    return value is True or str(value).upper() in ("T", "TRUE")


def _replace_param(replace: Iterable[str]) -> dict[str, str] | None:
    names = sorted(replace)
    return {"replace": ",".join(names)} if names else None


def _unreachable(method: str, path: str, exc: Exception) -> Transient:
    return Transient(f"NetSuite {method} {path}: cannot connect ({type(exc).__name__})")


def _id_from_location(answer: Answer) -> str:
    location = answer.headers.get("Location", "")
    new_id = location.rstrip("/").rsplit("/", 1)[-1]
    if not new_id:
        raise ClientError("NetSuite answered without a Location header", status=answer.status)
    return new_id


def _json(answer: Answer) -> Any:
    """The JSON object NetSuite answered, or a ClientError naming what came instead."""
    if not isinstance(answer.body, dict):
        raise ClientError(
            f"NetSuite answered HTTP {answer.status} without a JSON object: "
            f"{str(answer.body)[:200]!r}",
            status=answer.status,
            response=answer.body,
        )
    return answer.body


def _error(method: str, path: str, answer: Answer) -> ClientError:
    """Turn a NetSuite error body ({"o:errorDetails": [...]}) into a typed exception."""
    body = answer.body
    details = body.get("o:errorDetails", []) if isinstance(body, dict) else []
    code = details[0].get("o:errorCode", "") if details else ""
    text = (
        "; ".join(d.get("detail", "") for d in details)
        or (body.get("title") if isinstance(body, dict) else "")
        or f"HTTP {answer.status}"
    )
    message = f"NetSuite {method} {path}: {text}"
    status = answer.status
    kwargs: dict[str, Any] = {"status": status, "code": code, "response": body}
    if status == 429 or code == "CONCURRENCY_LIMIT_EXCEEDED":
        return RateLimited(message, **kwargs)
    if status in (401, 403):
        return AuthError(message, **kwargs)
    if status == 404:
        return NotFound(message, **kwargs)
    if status >= 500 or status in (408, 409):
        return Transient(message, **kwargs)
    field_errors = [
        {
            "field": d.get("o:errorPath", ""),
            "code": d.get("o:errorCode", ""),
            "message": d.get("detail", ""),
        }
        for d in details
    ]
    return Rejected(message, field_errors=field_errors, **kwargs)
