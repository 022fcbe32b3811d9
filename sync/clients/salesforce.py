"""
Salesforce REST client.

The data calls go through simple-salesforce, the de facto Python client (sObject CRUD, upsert,
query_all following nextRecordsUrl, Sforce-Limit-Info parsing). Written here by hand, because
simple-salesforce lacks them:
- the OAuth 2.0 token request against any login URL: its own login only knows
  https://{domain}.salesforce.com and does username-password over the SOAP login call;
- renewing the token once on 401 INVALID_SESSION_ID (its "direct" session never renews);
- a timeout on every call (its sObject methods take none: the session sets a default);
- typed errors, backoff for transient errors, and sObject Collections in chunks of 200;
- the daily API allocation: each response's Sforce-Limit-Info reading goes to the Django cache,
  shared by every worker (salesforce_api_usage() reads it), and no data request is sent while
  the last reading leaves less than SALESFORCE_API_RESERVE of the allocation (RateLimited);
- an Exchange of every request in client.exchanges, for the integration log: no headers, and of
  the OAuth token request only the grant type and the non-secret fields of the answer.
Docs: Salesforce REST API Developer Guide; "OAuth 2.0 JWT Bearer Flow", "Username-Password
Flow", "Client Credentials Flow" in Salesforce Help.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import SalesforceError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from .errors import AuthError, ClientError, NotFound, RateLimited, Rejected, Transient
from .exchanges import Exchange
from .salesforce_session import TimeoutSession

T = TypeVar("T")
COLLECTION_LIMIT = 200  # records per sObject Collections call
_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
TRANSIENT_CODES = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_RUNNING_TOO_LONG"}
# The allocation is a rolling 24 hours: a reading older than that says nothing any more.
API_USAGE_TTL = 24 * 60 * 60
# While the reserve holds calls back no new reading arrives, yet the rolling window frees calls
# as they age: a reading this old no longer stops a call, and that call's answer reads anew.
API_USAGE_RECHECK = dt.timedelta(minutes=5)
# The code of the reserve's own refusal, so a log tells it from Salesforce's 403.
API_RESERVE_CODE = "SFNS_API_RESERVE"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str


@dataclass(frozen=True)
class SaveResult:
    id: str | None
    success: bool
    errors: list[dict[str, Any]]


# One token per (login URL, flow, client, user), shared by the threads of a process.
_tokens: dict[tuple, Token] = {}
_tokens_lock = threading.Lock()


def api_usage_key(login_url: str | None = None, username: str | None = None) -> str:
    """
    The cache key of the API usage reading for one org connection (the configured one by
    default): a new login URL or user never inherits another org's reading. Hashed, because
    cache keys must be short and plain.
    """
    login_url = (login_url or settings.SALESFORCE_LOGIN_URL).rstrip("/")
    username = username or settings.SALESFORCE_USERNAME
    digest = hashlib.sha256(f"{login_url}\n{username}".encode()).hexdigest()[:24]
    return f"salesforce-api-usage:{digest}"


def api_reserve_reached(used: int, allowed: int) -> bool:
    """Whether this much use leaves less than SALESFORCE_API_RESERVE of the allocation."""
    reserve = settings.SALESFORCE_API_RESERVE
    return reserve > 0 and allowed - used < reserve * allowed


def salesforce_api_usage() -> dict[str, Any] | None:
    """
    The last Sforce-Limit-Info any SFNS process read from the configured org:
    {"used": int, "allowed": int, "read_at": aware datetime}, or None when none is known.
    """
    try:
        return cache.get(api_usage_key())
    except Exception as exc:  # any cache backend's failure: a reader then just knows nothing
        logger.warning("cannot read the Salesforce API usage from the cache: %r", exc)
        return None


class SalesforceClient:
    def __init__(self, *, attempts: int = 4, max_wait: float = 8.0) -> None:
        self.login_url = settings.SALESFORCE_LOGIN_URL.rstrip("/")
        self.flow = settings.SALESFORCE_AUTH_FLOW
        self.version = settings.SALESFORCE_API_VERSION
        self.attempts = attempts
        self.max_wait = max_wait
        # Every HTTP round trip of this client, oldest first: the services log the last one.
        self.exchanges: list[Exchange] = []
        self.session = TimeoutSession(
            settings.SFNS_HTTP_TIMEOUT,
            before_send=self._keep_reserve,
            record=self.exchanges.append,
        )
        self.session.hooks["response"].append(self._read_limit_info)
        self._key = (
            self.login_url,
            self.flow,
            settings.SALESFORCE_CLIENT_ID,
            settings.SALESFORCE_USERNAME,
        )
        self._usage_key = api_usage_key(self.login_url, settings.SALESFORCE_USERNAME)
        self._sf: Salesforce | None = None
        self.api_usage: tuple[int, int] | None = None  # (used, allowed) in the last 24 hours
        # This client's own last reading: the reserve still holds when the cache is down.
        self._usage_reading: dict[str, Any] | None = None

    # -- OAuth 2.0 ----------------------------------------------------------------------------
    def _token_request(self) -> dict[str, str]:
        if self.flow == "jwt":
            key_file = settings.SALESFORCE_PRIVATE_KEY_FILE
            if not key_file:
                raise AuthError(
                    "SALESFORCE_AUTH_FLOW is jwt but SALESFORCE_PRIVATE_KEY_FILE is unset"
                )
            try:
                assertion = jwt.encode(
                    {
                        "iss": settings.SALESFORCE_CLIENT_ID,
                        "sub": settings.SALESFORCE_USERNAME,
                        "aud": self.login_url,
                        "exp": int(time.time()) + 170,  # Salesforce allows at most 3 minutes
                    },
                    Path(key_file).read_text(),
                    algorithm="RS256",
                )
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                # A configuration problem like a refused login; the text names no key material.
                raise AuthError(
                    f"cannot sign the JWT with the private key {key_file}: {type(exc).__name__}"
                ) from None
            return {
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            }
        data = {
            "grant_type": self.flow,
            "client_id": settings.SALESFORCE_CLIENT_ID,
            "client_secret": settings.SALESFORCE_CLIENT_SECRET,
        }
        if self.flow == "password":
            data |= {
                "username": settings.SALESFORCE_USERNAME,
                "password": settings.SALESFORCE_PASSWORD,
            }
        return data

    def _fetch_token(self) -> Token:
        url = f"{self.login_url}/services/oauth2/token"
        try:
            response = self.session.post(url, data=self._token_request())
        except requests.RequestException as exc:
            raise Transient(f"Salesforce token request: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise Transient(f"Salesforce token request: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or "access_token" not in body:
            raise AuthError(
                f"Salesforce refused the {self.flow} login: {body.get('error', 'error')}: "
                f"{body.get('error_description', f'HTTP {response.status_code}')}",
                status=response.status_code,
                code=body.get("error", ""),
            )
        return Token(body["access_token"], body["instance_url"])

    def token(self, *, renew: bool = False) -> Token:
        with _tokens_lock:
            token = None if renew else _tokens.get(self._key)
        if token is None:
            token = self._fetch_token()
            with _tokens_lock:
                _tokens[self._key] = token
        return token

    def _api(self, *, renew: bool = False) -> Salesforce:
        if self._sf is None or renew:
            token = self.token(renew=renew)
            self._sf = Salesforce(
                instance_url=token.instance_url,
                session_id=token.access_token,
                version=self.version,
                session=self.session,
            )
        return self._sf

    # -- calls --------------------------------------------------------------------------------
    def _call(self, operation: Callable[[Salesforce], T]) -> T:
        retrying = Retrying(
            # The daily allocation does not come back in seconds: leave that to the job backoff.
            retry=retry_if_exception(
                lambda e: isinstance(e, Transient) and not isinstance(e, RateLimited)
            ),
            wait=wait_random_exponential(multiplier=0.25, max=self.max_wait),
            stop=stop_after_attempt(self.attempts),
            reraise=True,
        )
        return retrying(self._call_once, operation)

    def _call_once(self, operation: Callable[[Salesforce], T]) -> T:
        try:
            try:
                return operation(self._api())
            except SalesforceError as exc:
                if exc.status != 401:
                    raise
                # INVALID_SESSION_ID: the token expired or was revoked; renew it once.
                return operation(self._api(renew=True))
        except SalesforceError as exc:
            raise _error(exc) from exc
        except requests.Timeout as exc:
            raise Transient("Salesforce: timed out") from exc
        except requests.ConnectionError as exc:
            raise Transient(f"Salesforce: cannot connect ({type(exc).__name__})") from exc

    # -- the daily API allocation ------------------------------------------------------------
    # https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
    def _read_limit_info(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Every REST response says how much of the daily allocation is used: share it."""
        match = _API_USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if not match:
            return
        used, allowed = int(match[1]), int(match[2])
        self.api_usage = (used, allowed)
        self._usage_reading = {"used": used, "allowed": allowed, "read_at": timezone.now()}
        try:
            cache.set(self._usage_key, self._usage_reading, API_USAGE_TTL)
        except Exception as exc:  # the call itself succeeded: a cache outage must not fail it
            logger.warning("cannot store the Salesforce API usage in the cache: %r", exc)

    def _last_usage(self) -> dict[str, Any] | None:
        try:
            shared = cache.get(self._usage_key)
        except Exception as exc:
            logger.warning("cannot read the Salesforce API usage from the cache: %r", exc)
            return self._usage_reading
        readings = [r for r in (shared, self._usage_reading) if r is not None]
        return max(readings, key=lambda r: r["read_at"], default=None)

    def _keep_reserve(self, url: str) -> None:
        """
        Refuse a data request, before it is sent, while the last reading leaves less than the
        reserve. It runs for every request (retries, the renewed call after a 401, every page
        of a query), so nothing slips past it; the token request costs no API allocation.
        """
        reserve = settings.SALESFORCE_API_RESERVE
        if reserve <= 0 or "/services/data/" not in url:
            return
        reading = self._last_usage()
        if reading is None or timezone.now() - reading["read_at"] > API_USAGE_RECHECK:
            return
        used, allowed = reading["used"], reading["allowed"]
        if api_reserve_reached(used, allowed):
            raise RateLimited(
                f"Salesforce daily API allocation nearly spent: {used:,} of {allowed:,} used; "
                f"SFNS keeps the last {round(reserve * 100, 2):g}% in reserve",
                code=API_RESERVE_CODE,
            )

    def get(self, sobject: str, record_id: str, *, fields: Iterable[str] | None = None) -> dict:
        params = {"fields": ",".join(fields)} if fields else None
        record = self._call(lambda sf: getattr(sf, sobject).get(record_id, params=params))
        return dict(record)

    def create(self, sobject: str, data: dict) -> str:
        return self._call(lambda sf: getattr(sf, sobject).create(data))["id"]

    def update(self, sobject: str, record_id: str, data: dict) -> None:
        self._call(lambda sf: getattr(sf, sobject).update(record_id, data))

    def upsert(self, sobject: str, external_field: str, value: str, data: dict) -> bool:
        """Create or update by an external id field; True when it created the record."""
        # The value is one path segment: unquoted, "#", "?" or "%" would upsert another record.
        path = f"{external_field}/{quote(value, safe='')}"
        status = self._call(lambda sf: getattr(sf, sobject).upsert(path, data))
        return status == 201

    def delete(self, sobject: str, record_id: str) -> None:
        self._call(lambda sf: getattr(sf, sobject).delete(record_id))

    def query(self, soql: str, *args: Any) -> list[dict]:
        """
        Every row, following nextRecordsUrl. With args, soql is a format_soql template: {}
        takes a value (quoted; a list becomes an IN list), {:literal} a field name.
        """
        if args:
            soql = format_soql(soql, *args)
        result = self._call(lambda sf: sf.query_all(soql))
        return [dict(r) for r in result["records"]]

    def update_many(
        self, sobject: str, records: list[dict], *, all_or_none: bool = False
    ) -> list[SaveResult]:
        """sObject Collections PATCH, 200 records a call; one SaveResult per record, in order."""
        results: list[SaveResult] = []
        for start in range(0, len(records), COLLECTION_LIMIT):
            chunk = [
                {"attributes": {"type": sobject}, **record}
                for record in records[start : start + COLLECTION_LIMIT]
            ]
            body = {"allOrNone": all_or_none, "records": chunk}
            answer = self._call(
                lambda sf, body=body: sf.restful("composite/sobjects", method="PATCH", json=body)
            )
            results += [
                SaveResult(r.get("id"), bool(r.get("success")), r.get("errors") or [])
                for r in answer
            ]
        return results

    def edition(self) -> str:
        """Organization.OrganizationType, e.g. "Enterprise Edition"."""
        rows = self.query("SELECT OrganizationType FROM Organization")
        return rows[0]["OrganizationType"] if rows else ""

    # https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
    def describe(self, sobject: str) -> dict:
        """The sObject's describe: {"name", "fields": [{"name", "type", "length", ...}]}."""
        return dict(self._call(lambda sf: getattr(sf, sobject).describe()))

    # https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
    def api_versions(self) -> list[str]:
        """The REST API versions the org serves, e.g. ["61.0", "62.0"]."""
        answer = self._call(
            lambda sf: sf._call_salesforce("GET", f"https://{sf.sf_instance}/services/data/")
        )
        return [str(v.get("version")) for v in answer.json() if isinstance(v, dict)]

    # https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
    def limits(self) -> dict:
        """The org's limits, e.g. {"DailyApiRequests": {"Max": 15000, "Remaining": 14990}}."""
        return dict(self._call(lambda sf: sf.limits()))

    def record_url(self, record_id: str) -> str:
        """Where a user opens the record in Salesforce (Classic and Lightning both resolve it)."""
        return f"{self.token().instance_url.rstrip('/')}/{quote(record_id, safe='')}"


def _error(exc: SalesforceError) -> ClientError:
    """Salesforce answers errors as [{"message", "errorCode", "fields"}]."""
    content = exc.content if isinstance(exc.content, list) else []
    errors = [e for e in content if isinstance(e, dict)]
    code = errors[0].get("errorCode", "") if errors else ""
    text = "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in errors) or (
        f"HTTP {exc.status}"
    )
    message = f"Salesforce {exc.resource_name or ''}: {text}".replace("  ", " ")
    kwargs: dict[str, Any] = {"status": exc.status, "code": code, "response": exc.content}
    if code == "REQUEST_LIMIT_EXCEEDED":
        return RateLimited(message, **kwargs)
    if code in TRANSIENT_CODES or exc.status >= 500:
        return Transient(message, **kwargs)
    if exc.status in (401, 403):
        return AuthError(message, **kwargs)
    if exc.status == 404:
        return NotFound(message, **kwargs)
    field_errors = [
        {
            "field": ",".join(e.get("fields") or []),
            "code": e.get("errorCode", ""),
            "message": e.get("message", ""),
        }
        for e in errors
    ]
    return Rejected(message, field_errors=field_errors, **kwargs)
