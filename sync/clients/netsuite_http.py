"""
The NetSuite client's HTTP: each request signed with token-based authentication (OAuth 1.0a,
HMAC-SHA256, by oauthlib) and sent by urllib3 on a kept-alive connection.

urllib3 rather than requests: a worker spends nearly half a push's CPU on its NetSuite calls,
and requests' sessions (hooks, cookies, environment merging, its auth adapter) cost more than
the exchange itself; measured in one process against the emulator, a signed GET took 1.7 ms of
CPU through requests and 0.8 ms through urllib3 (benchmarks/pipeline.py has the burst figures).
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import certifi
import urllib3
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from oauthlib.oauth1 import Client as OAuthClient

from .exchanges import body_of

# What a path may keep unquoted (RFC 3986 pchar and "/"): "eid:..." references keep their colon.
PATH_SAFE = "/:@!$&'()*+,;=-._~"
# The environment a transport reads when it is made: another value makes another transport.
ENVIRONMENT = (
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
)


@dataclass(frozen=True)
class Credentials:
    """The integration record's and the access token's keys (never shown: repr hides them)."""

    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    token_id: str = field(repr=False)
    token_secret: str = field(repr=False)


@dataclass
class Request:
    """A signed request, ready to send."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


@dataclass
class Answer:
    """A response: its status, headers and body (parsed JSON, else text; None when empty)."""

    status: int
    headers: urllib3.HTTPHeaderDict
    body: Any


class Transport:
    """
    One thread's signer and connection pool for one NetSuite account (urllib3's pools are
    thread-safe, the signer is not meant to be shared). The environment's proxy and CA bundle
    are read when it is made: REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) as for the Salesforce
    client, else certifi's bundle, as requests has it.
    """

    def __init__(self, base_url: str, account_id: str, credentials: Credentials) -> None:
        self.signer = OAuthClient(
            credentials.consumer_key,
            client_secret=credentials.consumer_secret,
            resource_owner_key=credentials.token_id,
            resource_owner_secret=credentials.token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=account_id,
        )
        ca_certs = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        ) or certifi.where()
        pool_options = {"maxsize": 2, "ca_certs": ca_certs, "retries": False}
        proxy = _environ_proxy(base_url)
        self.pool = (
            urllib3.ProxyManager(proxy, **pool_options)
            if proxy
            else urllib3.PoolManager(**pool_options)
        )

    def prepare(
        self,
        method: str,
        url: str,
        *,
        params: dict | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Request:
        """The request, built and signed (before a slot of the cap is taken for it)."""
        scheme, netloc, path, _, _ = urlsplit(url)
        url = f"{scheme}://{netloc}{quote(path, safe=PATH_SAFE)}"
        if params:
            url += "?" + urlencode(params)
        all_headers = {"Accept": "application/json", **(headers or {})}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        # A JSON body is not signed: OAuth 1.0a signs form bodies only (requests-oauthlib too).
        url, signed, _ = self.signer.sign(url, method, None, all_headers)
        return Request(method=method, url=url, headers=signed, body=body)

    def send(self, request: Request, *, timeout: urllib3.Timeout) -> Answer:
        """One request, no retry and no redirect; urllib3's errors pass through."""
        response = self.pool.request(
            request.method,
            request.url,
            body=request.body,
            headers=request.headers,
            timeout=timeout,
            redirect=False,
        )
        return Answer(status=response.status, headers=response.headers, body=body_of(response.data))


def _environ_proxy(url: str) -> str | None:
    """The proxy the environment (HTTPS_PROXY, NO_PROXY...) names for this URL, if any."""
    parts = urlsplit(url)
    if urllib.request.proxy_bypass_environment(parts.hostname or ""):
        return None
    return urllib.request.getproxies_environment().get(parts.scheme)


_transports = threading.local()


def thread_transport(base_url: str, account_id: str, credentials: Credentials) -> Transport:
    """This thread's transport for these credentials: its connections stay open between jobs."""
    environment = tuple(os.environ.get(name) for name in ENVIRONMENT)
    key = (base_url, account_id, credentials, environment)
    cache = getattr(_transports, "by_key", None)
    if cache is None:
        cache = _transports.by_key = {}
    if key not in cache:
        cache[key] = Transport(base_url, account_id, credentials)
    return cache[key]
