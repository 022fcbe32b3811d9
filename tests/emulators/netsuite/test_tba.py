"""Token-based authentication as the emulator verifies it (emulators/netsuite/tba.py)."""

from __future__ import annotations

import json
import re
import time

import requests

from .helpers import REST, assert_invalid_login, error_of, oauth


def test_hmac_sha256_with_realm_is_accepted(netsuite, api):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    response = api("GET", "record/v1/customer/501", params={"fields": "companyName,email"})

    assert response.status_code == 200
    assert response.json()["companyName"] == "Acme"


def test_authorization_header_has_the_documented_shape(settings):
    prepared = requests.Request(
        "GET", "http://127.0.0.1/services/rest/record/v1/customer/1", auth=oauth(settings)
    ).prepare()
    header = prepared.headers["Authorization"].decode()  # requests-oauthlib sets bytes

    assert header.startswith(f'OAuth realm="{settings.NETSUITE_ACCOUNT_ID}"')
    assert 'oauth_signature_method="HMAC-SHA256"' in header


def test_tampered_signature_is_refused(netsuite, api, netsuite_emulator, settings):
    prepared = requests.Request(
        "GET", f"{netsuite_emulator.url}{REST}/record/v1/customer/501", auth=oauth(settings)
    ).prepare()
    header = prepared.headers["Authorization"].decode()
    signature = re.search(r'oauth_signature="([^"]+)"', header)[1]
    tampered = ("A" if signature[0] != "A" else "B") + signature[1:]
    prepared.headers["Authorization"] = header.replace(signature, tampered)

    with requests.Session() as session:
        response = session.send(prepared, timeout=10)

    assert_invalid_login(netsuite, response, "signature")


def test_query_parameters_are_signed(netsuite, netsuite_emulator, settings):
    url = f"{netsuite_emulator.url}{REST}/query/v1/suiteql"
    prepared = requests.Request(
        "POST",
        url + "?limit=5&offset=0",
        json={"q": "SELECT id FROM customer"},
        headers={"Prefer": "transient"},
        auth=oauth(settings),
    ).prepare()
    prepared.url = url + "?limit=5&offset=5"

    with requests.Session() as session:
        response = session.send(prepared, timeout=10)

    assert_invalid_login(netsuite, response, "signature")


def test_json_body_is_not_signed(netsuite, netsuite_emulator, settings):
    prepared = requests.Request(
        "POST",
        f"{netsuite_emulator.url}{REST}/record/v1/customer",
        json={"companyName": "Signed"},
        auth=oauth(settings),
    ).prepare()
    prepared.body = json.dumps({"companyName": "Changed after signing"}).encode()
    prepared.headers["Content-Length"] = str(len(prepared.body))

    with requests.Session() as session:
        response = session.send(prepared, timeout=10)

    assert response.status_code == 204


def test_hmac_sha1_is_refused(netsuite, api, settings):
    response = api(
        "GET", "record/v1/customer/501", auth=oauth(settings, signature_method="HMAC-SHA1")
    )

    assert_invalid_login(netsuite, response, "signature_method")


def test_unknown_token_is_refused(netsuite, api, settings):
    response = api(
        "GET", "record/v1/customer/501", auth=oauth(settings, resource_owner_key="no-such-token")
    )

    assert_invalid_login(netsuite, response, "token")


def test_unknown_consumer_key_is_refused(netsuite, api, settings):
    response = api("GET", "record/v1/customer/501", auth=oauth(settings, client_key="other-app"))

    assert_invalid_login(netsuite, response, "consumer")


def test_wrong_token_secret_is_refused(netsuite, api, settings):
    response = api(
        "GET", "record/v1/customer/501", auth=oauth(settings, resource_owner_secret="not-it")
    )

    assert_invalid_login(netsuite, response, "signature")


def test_wrong_realm_is_refused(netsuite, api, settings):
    # the realm keeps the account id's original form: the host form is not accepted
    host_form = settings.NETSUITE_ACCOUNT_ID.lower().replace("_", "-")
    response = api("GET", "record/v1/customer/501", auth=oauth(settings, realm=host_form))

    assert_invalid_login(netsuite, response, "realm")


def test_stale_timestamp_is_refused(netsuite, api, settings):
    stale = str(int(time.time()) - 600)
    response = api("GET", "record/v1/customer/501", auth=oauth(settings, timestamp=stale))

    assert_invalid_login(netsuite, response, "timestamp")


def test_reused_nonce_is_refused(netsuite, api, settings):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])
    fixed = {"nonce": "0123456789abcdef0123456789", "timestamp": str(int(time.time()))}

    first = api("GET", "record/v1/customer/501", auth=oauth(settings, **fixed))
    replay = api("GET", "record/v1/customer/501", auth=oauth(settings, **fixed))

    assert first.status_code == 200
    assert_invalid_login(netsuite, replay, "nonce")


def test_missing_authorization_is_refused(netsuite, netsuite_emulator):
    response = requests.get(f"{netsuite_emulator.url}{REST}/record/v1/customer/501", timeout=10)

    assert response.status_code == 401
    assert error_of(response)["o:errorCode"] == "INVALID_LOGIN"
