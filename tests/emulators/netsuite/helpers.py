"""Signed calls to the NetSuite emulator (requests-oauthlib, not SFNS's client), for its tests."""

from __future__ import annotations

import requests
from requests_oauthlib import OAuth1

REST = "/services/rest"


LOGIN_AUDIT = "Invalid login attempt."


def oauth(settings, **overrides) -> OAuth1:
    """Token-based auth as NetSuite documents it, from the settings the emulator checks."""
    options = {
        "client_key": settings.NETSUITE_CONSUMER_KEY,
        "client_secret": settings.NETSUITE_CONSUMER_SECRET,
        "resource_owner_key": settings.NETSUITE_TOKEN_ID,
        "resource_owner_secret": settings.NETSUITE_TOKEN_SECRET,
        "signature_method": "HMAC-SHA256",
        "realm": settings.NETSUITE_ACCOUNT_ID,
        **overrides,
    }
    return OAuth1(options.pop("client_key"), **options)


class Api:
    """Signed calls to one emulator's /services/rest/."""

    def __init__(self, url: str, settings) -> None:
        self.url = url
        self.settings = settings

    def __call__(self, method: str, path: str, *, auth=None, **kwargs) -> requests.Response:
        auth = auth or oauth(self.settings)
        return requests.request(method, f"{self.url}{REST}/{path}", auth=auth, timeout=10, **kwargs)

    def suiteql(self, query: str, *, limit: int = 1000, offset: int = 0) -> requests.Response:
        return self(
            "POST",
            "query/v1/suiteql",
            params={"limit": limit, "offset": offset},
            json={"q": query},
            headers={"Prefer": "transient"},
        )


def error_of(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) >= {"type", "title", "status", "o:errorDetails"}
    assert body["status"] == response.status_code
    return body["o:errorDetails"][0]


def assert_invalid_login(netsuite, response: requests.Response, reason: str) -> None:
    assert response.status_code == 401
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_LOGIN"
    assert detail["detail"].startswith(LOGIN_AUDIT)
    # the emulator counts why it refused: make sure it was for the reason under test
    assert netsuite.stats()["calls"].get(f"auth_failed_{reason}") == 1
