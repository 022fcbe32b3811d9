"""The Salesforce emulator's OAuth flows and sessions (emulators/salesforce/oauth.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .helpers import API, Api, error_of, password_token

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def test_password_flow_returns_signed_token(salesforce_emulator, salesforce_ca, settings):
    response = password_token(salesforce_emulator.url, settings, salesforce_ca)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    }
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == salesforce_emulator.url
    assert re.match(
        rf"^{re.escape(salesforce_emulator.url)}/id/{settings.SALESFORCE_ORG_ID}/005\w{{15}}$",
        body["id"],
    )
    assert body["issued_at"].isdigit() and abs(int(body["issued_at"]) / 1000 - time.time()) < 60
    expected = hmac.new(
        settings.SALESFORCE_CLIENT_SECRET.encode(),
        (body["id"] + body["issued_at"]).encode(),
        hashlib.sha256,
    ).digest()
    assert base64.b64decode(body["signature"]) == expected


UNSUPPORTED = "grant type not supported"


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"password": "wrong"}, "invalid_grant", "authentication failure"),
        ({"username": "someone@else.example"}, "invalid_grant", "authentication failure"),
        ({"client_id": "nope"}, "invalid_client_id", "client identifier invalid"),
        ({"client_secret": "nope"}, "invalid_client", "invalid client credentials"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type", UNSUPPORTED),
        ({"grant_type": ""}, "unsupported_grant_type", UNSUPPORTED),
    ],
)
def test_token_failures_answer_400_with_oauth_error(
    salesforce_emulator, salesforce_ca, settings, overrides, error, description
):
    response = password_token(salesforce_emulator.url, settings, salesforce_ca, **overrides)

    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}


@pytest.mark.parametrize("use_basic_auth", [False, True])
def test_client_credentials_flow(salesforce_emulator, salesforce_ca, settings, use_basic_auth):
    form = {"grant_type": "client_credentials"}
    auth = None
    if use_basic_auth:
        auth = (settings.SALESFORCE_CLIENT_ID, settings.SALESFORCE_CLIENT_SECRET)
    else:
        form |= {
            "client_id": settings.SALESFORCE_CLIENT_ID,
            "client_secret": settings.SALESFORCE_CLIENT_SECRET,
        }
    url = f"{salesforce_emulator.url}/services/oauth2/token"

    response = requests.post(url, data=form, auth=auth, timeout=10, verify=salesforce_ca)
    wrong = requests.post(
        url,
        data={"grant_type": "client_credentials"},
        auth=(settings.SALESFORCE_CLIENT_ID, "wrong"),
        timeout=10,
        verify=salesforce_ca,
    )

    assert response.status_code == 200
    api = Api(salesforce_emulator.url, response.json()["access_token"], salesforce_ca)
    assert api("GET", "limits").status_code == 200
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_client"


@pytest.fixture
def jwt_key(tmp_path, settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.SALESFORCE_PRIVATE_KEY_FILE = str(path)
    return key


def jwt_token(url: str, verify: str, assertion: str) -> requests.Response:
    return requests.post(
        f"{url}/services/oauth2/token",
        data={"grant_type": JWT_GRANT, "assertion": assertion},
        timeout=10,
        verify=verify,
    )


@pytest.mark.parametrize(
    "audience", ["own", "https://login.salesforce.com", "https://test.salesforce.com"]
)
def test_jwt_bearer_flow(salesforce_emulator, salesforce_ca, settings, jwt_key, audience):
    claims = {
        "iss": settings.SALESFORCE_CLIENT_ID,
        "sub": settings.SALESFORCE_USERNAME,
        "aud": salesforce_emulator.url if audience == "own" else audience,
        "exp": int(time.time()) + 120,
    }
    assertion = jwt.encode(claims, jwt_key, algorithm="RS256")

    response = jwt_token(salesforce_emulator.url, salesforce_ca, assertion)

    assert response.status_code == 200, response.text
    assert response.json()["instance_url"] == salesforce_emulator.url
    api = Api(salesforce_emulator.url, response.json()["access_token"], salesforce_ca)
    assert api("GET", "limits").status_code == 200


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"aud": "https://evil.example.com"}, "invalid_grant"),
        ({"exp": -10}, "invalid_grant"),
        ({"exp": 3600}, "invalid_grant"),
        ({"iss": "someone-else"}, "invalid_client_id"),
        ({"sub": "nobody@sfns.example"}, "invalid_grant"),
        ({"other_key": True}, "invalid_grant"),
    ],
)
def test_jwt_bearer_rejections(
    salesforce_emulator, salesforce_ca, settings, jwt_key, change, error
):
    claims = {
        "iss": change.get("iss", settings.SALESFORCE_CLIENT_ID),
        "sub": change.get("sub", settings.SALESFORCE_USERNAME),
        "aud": change.get("aud", salesforce_emulator.url),
        "exp": int(time.time()) + change.get("exp", 120),
    }
    key = rsa.generate_private_key(65537, 2048) if change.get("other_key") else jwt_key
    assertion = jwt.encode(claims, key, algorithm="RS256")

    response = jwt_token(salesforce_emulator.url, salesforce_ca, assertion)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_jwt_without_configured_key_is_invalid_grant(
    salesforce_emulator, salesforce_ca, settings, tmp_path
):
    settings.SALESFORCE_PRIVATE_KEY_FILE = ""
    key = rsa.generate_private_key(65537, 2048)
    claims = {
        "iss": settings.SALESFORCE_CLIENT_ID,
        "sub": settings.SALESFORCE_USERNAME,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 60,
    }

    response = jwt_token(
        salesforce_emulator.url, salesforce_ca, jwt.encode(claims, key, algorithm="RS256")
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_missing_or_unknown_session_is_401(salesforce_emulator, salesforce_ca, header):
    headers = {"Authorization": header} if header else {}

    response = requests.get(
        f"{salesforce_emulator.url}{API}/query",
        params={"q": "SELECT Id FROM Account"},
        headers=headers,
        timeout=10,
        verify=salesforce_ca,
    )

    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
    ]


def test_expire_sessions_invalidates_every_token(sf):
    assert sf("GET", "limits").status_code == 200

    sf.control("expire-sessions")

    status, code, message = error_of(sf("GET", "limits"))
    assert (status, code, message) == (401, "INVALID_SESSION_ID", "Session expired or invalid")
