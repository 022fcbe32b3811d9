"""
Token-based authentication as NetSuite checks it: OAuth 1.0a (RFC 5849) with HMAC-SHA256, the
account id as realm, the consumer and token from django.conf.settings, a fresh timestamp and a
nonce never seen before. The signature is computed here, from the request as received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from django.conf import settings
from werkzeug.wrappers import Request, Response

from .errors import ns_error

TIMESTAMP_TOLERANCE = 300  # seconds; NetSuite refuses stale or future timestamps
INVALID_LOGIN = (
    "Invalid login attempt. For more details, "
    "see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles "
    "> User Management > View Login Audit Trail."
)


def _rfc3986(value: str) -> str:
    return quote(value, safe="~-._")


def oauth_params(header: str) -> dict[str, str]:
    """The parameters of an `Authorization: OAuth k="v", ...` header, percent-decoded."""
    params: dict[str, str] = {}
    for part in header[len("OAuth ") :].split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        params[key] = re.sub(r'^"|"$', "", value)
    return {k: unquote(v) for k, v in params.items()}


def credentials_failure(params: dict[str, str]) -> str | None:
    """What is wrong before the signature (realm, method, consumer, token, version, timestamp)."""
    if params.get("realm") != settings.NETSUITE_ACCOUNT_ID:
        return "realm"
    if params.get("oauth_signature_method") != "HMAC-SHA256":
        return "signature method"
    if not hmac.compare_digest(
        params.get("oauth_consumer_key", ""), settings.NETSUITE_CONSUMER_KEY
    ):
        return "consumer"
    if not hmac.compare_digest(params.get("oauth_token", ""), settings.NETSUITE_TOKEN_ID):
        return "token"
    if params.get("oauth_version", "1.0") != "1.0":
        return "version"
    try:
        stamp = int(params.get("oauth_timestamp", ""))
    except ValueError:
        stamp = 0
    if abs(time.time() - stamp) > TIMESTAMP_TOLERANCE:
        return "timestamp"
    return None


def tba_signature(request: Request, oauth: dict[str, str]) -> str:
    """RFC 5849 section 3.4: the signature base string of request, signed with HMAC-SHA256."""
    url = urlsplit(request.url)
    scheme, host = url.scheme.lower(), (url.hostname or "").lower()
    port = url.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else (f"{host}:{port}")
    )
    base_uri = f"{scheme}://{netloc}{url.path}"
    pairs = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True)]
    pairs += [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
    normalized = "&".join(
        f"{k}={v}" for k, v in sorted((_rfc3986(k), _rfc3986(v)) for k, v in pairs)
    )
    base_string = "&".join(_rfc3986(x) for x in (request.method.upper(), base_uri, normalized))
    key = (
        f"{_rfc3986(settings.NETSUITE_CONSUMER_SECRET)}&{_rfc3986(settings.NETSUITE_TOKEN_SECRET)}"
    )
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class TokenAuthMixin:
    """Every REST call is authenticated first; failures are counted as auth_failed_<reason>."""

    _nonces: dict[str, float]
    stats: dict[str, Any]

    def authenticate(self, request: Request) -> Response | None:
        """None when the request is signed as NetSuite requires, else its 401 answer."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return ns_error(401, "INVALID_LOGIN", "Invalid login attempt. Missing OAuth header.")
        params = oauth_params(header)
        failure = credentials_failure(params)
        if failure is None:
            expected = tba_signature(request, params)
            if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
                failure = "signature"
        if failure is None and not self.nonce_is_new(params):
            failure = "nonce"
        if failure:
            with self.lock:
                self.stats["calls"][f"auth_failed_{failure.replace(' ', '_')}"] += 1
            return ns_error(401, "INVALID_LOGIN", INVALID_LOGIN)
        return None

    def nonce_is_new(self, params: dict[str, str]) -> bool:
        """Remember this timestamp and nonce; False for a replay or a missing nonce."""
        nonce_key = f"{params['oauth_timestamp']}:{params.get('oauth_nonce', '')}"
        with self.lock:
            cutoff = time.time() - TIMESTAMP_TOLERANCE * 2
            self._nonces = {k: v for k, v in self._nonces.items() if v > cutoff}
            if not params.get("oauth_nonce") or nonce_key in self._nonces:
                return False
            self._nonces[nonce_key] = time.time()
        return True
