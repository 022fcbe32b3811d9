"""
NetSuite SuiteTalk REST client: token-based auth (OAuth 1.0a, HMAC-SHA256, signed by
requests-oauthlib), record CRUD and eid: upserts, SuiteQL with paging.

Every call holds a slot of the cross-process in-flight cap (NETSUITE_CONCURRENCY_LIMIT) and
retries transient failures (429, 5xx, timeouts) with exponential backoff and full jitter; each
retry is signed afresh (a new nonce), which is why this is not urllib3's Retry.
Docs: NetSuite Help Center, "SuiteTalk REST Web Services" (record service, SuiteQL, errors,
"Concurrency Governance").
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from requests_oauthlib import OAuth1
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from .concurrency import netsuite_semaphore
from .errors import AuthError, ClientError, NotFound, RateLimited, Rejected, Transient
from .exchanges import Exchange, response_body

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
        self._session = _thread_session(self.base_url, self.account_id)
        self._holding = False
        connect, read = settings.SFNS_HTTP_TIMEOUT
        self._timeout = (connect, read)
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
        return self._call("GET", f"record/v1/{record_type}/{ref}", params=params or None).json()

    def create(self, record_type: str, body: dict) -> str:
        """POST a new record; NetSuite answers 204 with the new id in the Location header."""
        response = self._call("POST", f"record/v1/{record_type}", json=body)
        return _id_from_location(response)

    def update(
        self, record_type: str, ref: str, body: dict, *, replace: Iterable[str] = ()
    ) -> None:
        """
        PATCH: omitted fields stay as they are, null clears. Sublist lines are appended unless
        the sublist is named in replace ("Working with Sublists" in the REST guide).
        """
        self._call(
            "PATCH", f"record/v1/{record_type}/{ref}", json=body, params=_replace_param(replace)
        )

    def upsert(
        self, record_type: str, external_id: str, body: dict, *, replace: Iterable[str] = ()
    ) -> str:
        """PUT eid:{externalId}: create or update by external id, so a retry never duplicates."""
        response = self._call(
            "PUT",
            f"record/v1/{record_type}/eid:{external_id}",
            json=body,
            params=_replace_param(replace),
        )
        return _id_from_location(response)

    def delete(self, record_type: str, ref: str) -> None:
        self._call("DELETE", f"record/v1/{record_type}/{ref}")

    # "Working with Record Metadata" (REST web services): a JSON Schema of the record type.
    def metadata(self, record_type: str) -> dict:
        """The record type's JSON Schema; its "properties" include the account's custom fields."""
        return self._call(
            "GET",
            f"record/v1/metadata-catalog/{record_type}",
            headers={"Accept": "application/schema+json"},
        ).json()

    def suiteql(self, query: str, *, page_size: int = 1000) -> Iterator[dict]:
        """Every row of a SuiteQL query, following hasMore/offset."""
        offset = 0
        while True:
            page = self._call(
                "POST",
                "query/v1/suiteql",
                params={"limit": page_size, "offset": offset},
                json={"q": query},
                headers={"Prefer": "transient"},
            ).json()
            for item in page.get("items", []):
                item.pop("links", None)
                yield item
            if not page.get("hasMore"):
                return
            offset += page_size

    # -- plumbing ------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
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
        with self._slots.slot(self.slot_wait):
            self._holding = True
            try:
                yield
            finally:
                self._holding = False

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        started = time.monotonic()
        response = None
        # Built and signed before taking a slot: the slot is held for the exchange only.
        prepared = self._session.prepare_request(
            requests.Request(method, self.base_url + path, **kwargs)
        )
        try:
            with nullcontext() if self._holding else self._slots.slot(self.slot_wait):
                response = self._session.send(prepared, timeout=self._timeout)
        except requests.Timeout as exc:
            raise Transient(f"NetSuite {method} {path}: timed out") from exc
        except requests.ConnectionError as exc:
            raise Transient(
                f"NetSuite {method} {path}: cannot connect ({type(exc).__name__})"
            ) from exc
        finally:
            self.exchanges.append(
                Exchange(
                    method=method,
                    path=path,
                    request=kwargs.get("json"),
                    status=response.status_code if response is not None else None,
                    response=response_body(response) if response is not None else None,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
            )
        if response.status_code < 300:
            return response
        raise _error(method, path, response)


_sessions = threading.local()


def _thread_session(base_url: str, account_id: str) -> requests.Session:
    """
    This thread's session for these credentials: its connections stay open from one job to
    the next (a session must not be shared between threads). The environment (proxies, CA
    bundle) is read once here rather than on every request, which costs more than the signing.
    """
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    key = (
        base_url,
        account_id,
        settings.NETSUITE_CONSUMER_KEY,
        settings.NETSUITE_CONSUMER_SECRET,
        settings.NETSUITE_TOKEN_ID,
        settings.NETSUITE_TOKEN_SECRET,
        ca_bundle,
    )
    cache = getattr(_sessions, "by_key", None)
    if cache is None:
        cache = _sessions.by_key = {}
    if key not in cache:
        session = requests.Session()
        session.auth = OAuth1(
            settings.NETSUITE_CONSUMER_KEY,
            client_secret=settings.NETSUITE_CONSUMER_SECRET,
            resource_owner_key=settings.NETSUITE_TOKEN_ID,
            resource_owner_secret=settings.NETSUITE_TOKEN_SECRET,
            signature_method="HMAC-SHA256",
            realm=account_id,
        )
        session.headers.update({"Accept": "application/json"})
        session.proxies = requests.utils.get_environ_proxies(base_url)
        session.verify = ca_bundle or True
        session.trust_env = False
        cache[key] = session
    return cache[key]


def suiteql_text(text: str) -> str:
    """A value for a SuiteQL string literal ('...'): its quotes doubled, as SQL has it."""
    return text.replace("'", "''")


def suiteql_checkbox(value: Any) -> bool:
    """A checkbox as SuiteQL answers it: "T" or "F" (a REST body has true/false)."""
    return value is True or str(value).upper() in ("T", "TRUE")


def _replace_param(replace: Iterable[str]) -> dict[str, str] | None:
    names = sorted(replace)
    return {"replace": ",".join(names)} if names else None


def _id_from_location(response: requests.Response) -> str:
    location = response.headers.get("Location", "")
    new_id = location.rstrip("/").rsplit("/", 1)[-1]
    if not new_id:
        raise ClientError(
            "NetSuite answered without a Location header", status=response.status_code
        )
    return new_id


def _error(method: str, path: str, response: requests.Response) -> ClientError:
    """Turn a NetSuite error body ({"o:errorDetails": [...]}) into a typed exception."""
    body = response_body(response)
    details = body.get("o:errorDetails", []) if isinstance(body, dict) else []
    code = details[0].get("o:errorCode", "") if details else ""
    text = (
        "; ".join(d.get("detail", "") for d in details)
        or (body.get("title") if isinstance(body, dict) else "")
        or f"HTTP {response.status_code}"
    )
    message = f"NetSuite {method} {path}: {text}"
    status = response.status_code
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
