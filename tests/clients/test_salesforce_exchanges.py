"""
The Salesforce client keeps an Exchange of every HTTP round trip (client.exchanges) for the
integration log, against the Salesforce emulator over real HTTPS: successes, refusals, the
renewed session, logins (never a credential or a token), and requests that got no answer.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from sync.clients.errors import NotFound, RateLimited, Rejected, Transient
from sync.clients.exchanges import Exchange
from sync.clients.salesforce import API_RESERVE_CODE, SalesforceClient

from .conftest import GRANT_TYPES, write_rsa_key

TOKEN_PATH = "/services/oauth2/token"


def data_path(settings, rest: str) -> str:
    return f"/services/data/v{settings.SALESFORCE_API_VERSION}/{rest}"


def summary(exchanges: list[Exchange]) -> list[tuple]:
    return [(e.method, e.path, e.status) for e in exchanges]


def assert_no_credentials(settings, exchanges: list[Exchange], *extra: str) -> None:
    """Nothing an exchange holds may show a configured credential or a token."""
    text = repr(exchanges)
    secrets = [settings.SALESFORCE_CLIENT_SECRET, settings.SALESFORCE_PASSWORD, *extra]
    key_file = settings.SALESFORCE_PRIVATE_KEY_FILE
    if key_file and Path(key_file).is_file():
        secrets += Path(key_file).read_text().splitlines()[1:-1]
    for secret in secrets:
        assert secret
        assert secret not in text
    for key in ("client_secret", "password", "assertion", "access_token", "signature"):
        assert f"'{key}':" not in text


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- answered calls ------------------------------------------------------------------------------
def test_successful_update_records_method_path_body_and_status(org, salesforce_client, settings):
    [account_id] = org.seed_accounts({"Name": "Acme"})

    salesforce_client.update("Account", account_id, {"Phone": "555", "Website": "acme.test"})

    login, update = salesforce_client.exchanges
    assert summary([login]) == [("POST", TOKEN_PATH, 200)]
    assert update.method == "PATCH"
    assert update.path == data_path(settings, f"sobjects/Account/{account_id}")
    assert update.request == {"Phone": "555", "Website": "acme.test"}
    assert (update.status, update.response) == (204, None)
    assert update.duration_ms >= 0
    assert org.account(account_id)["Phone"] == "555"


def test_read_records_the_query_string_and_the_answer(org, salesforce_client, settings):
    [account_id] = org.seed_accounts({"Name": "Acme", "Phone": "555"})

    salesforce_client.get("Account", account_id, fields=["Name", "Phone"])
    salesforce_client.query("SELECT Name FROM Account")

    get, query = salesforce_client.exchanges[1:]
    assert get.path == data_path(settings, f"sobjects/Account/{account_id}?fields=Name%2CPhone")
    assert (get.method, get.request, get.status) == ("GET", None, 200)
    assert (get.response["Name"], get.response["Phone"]) == ("Acme", "555")
    url = urlsplit(query.path)
    assert url.path == data_path(settings, "query/")
    assert parse_qs(url.query) == {"q": ["SELECT Name FROM Account"]}
    assert query.response["records"][0]["Name"] == "Acme"


def test_upsert_records_the_path_as_sent_with_the_escaped_external_id(
    org, sfns_key_field, salesforce_client, settings
):
    salesforce_client.upsert("Account", "SFNS_Key__c", "NS#5 01?x=1", {"Name": "Acme"})

    upsert = salesforce_client.exchanges[-1]
    assert upsert.path == data_path(settings, "sobjects/Account/SFNS_Key__c/NS%235%2001%3Fx%3D1")
    assert (upsert.method, upsert.request, upsert.status) == ("PATCH", {"Name": "Acme"}, 201)
    assert upsert.response["success"] is True


def test_collection_update_records_the_json_body_and_the_results(org, salesforce_client, settings):
    ids = org.seed_accounts({"Name": "One"}, {"Name": "Two"})

    salesforce_client.update_many(
        "Account", [{"id": ids[0], "Name": "Uno"}, {"id": ids[1], "Name": None}]
    )

    call = salesforce_client.exchanges[-1]
    assert (call.method, call.path, call.status) == (
        "PATCH",
        data_path(settings, "composite/sobjects"),
        200,
    )
    assert call.request == {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Account"}, "id": ids[0], "Name": "Uno"},
            {"attributes": {"type": "Account"}, "id": ids[1], "Name": None},
        ],
    }
    assert [result["success"] for result in call.response] == [True, False]
    assert call.response[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"


# -- refused calls -------------------------------------------------------------------------------
def test_missing_record_records_the_404_and_the_salesforce_error(org, salesforce_client, settings):
    with pytest.raises(NotFound):
        salesforce_client.get("Account", "001000000000001AAA")

    assert summary(salesforce_client.exchanges) == [
        ("POST", TOKEN_PATH, 200),
        ("GET", data_path(settings, "sobjects/Account/001000000000001AAA"), 404),
    ]
    assert salesforce_client.exchanges[-1].response == [
        {
            "message": "The requested resource does not exist",
            "errorCode": "NOT_FOUND",
            "fields": [],
        }
    ]
    assert_no_credentials(
        settings, salesforce_client.exchanges, salesforce_client.token().access_token
    )


def test_unknown_field_records_the_sent_body_and_the_400_field_error(
    org, salesforce_client, settings
):
    [account_id] = org.seed_accounts({"Name": "Acme"})

    with pytest.raises(Rejected):
        salesforce_client.update("Account", account_id, {"Colour": "red"})

    refused = salesforce_client.exchanges[-1]
    assert (refused.method, refused.status) == ("PATCH", 400)
    assert refused.path == data_path(settings, f"sobjects/Account/{account_id}")
    assert refused.request == {"Colour": "red"}
    [error] = refused.response
    assert (error["errorCode"], error["fields"]) == ("INVALID_FIELD", ["Colour"])
    assert "Colour" in error["message"]
    assert len(salesforce_client.exchanges) == 2  # a refusal is not retried


def test_expired_session_records_the_401_the_new_login_and_the_retry(
    org, salesforce_client, settings
):
    [account_id] = org.seed_accounts({"Name": "Acme"})
    salesforce_client.get("Account", account_id)
    org.expire_sessions()
    before = len(salesforce_client.exchanges)

    salesforce_client.get("Account", account_id)

    record = data_path(settings, f"sobjects/Account/{account_id}")
    renewal = salesforce_client.exchanges[before:]
    assert summary(renewal) == [
        ("GET", record, 401),
        ("POST", TOKEN_PATH, 200),
        ("GET", record, 200),
    ]
    assert renewal[0].response[0]["errorCode"] == "INVALID_SESSION_ID"
    assert renewal[2].response["Name"] == "Acme"
    assert_no_credentials(
        settings, salesforce_client.exchanges, salesforce_client.token().access_token
    )


# -- logins --------------------------------------------------------------------------------------
@pytest.mark.parametrize("flow", ["password", "client_credentials", "jwt"])
def test_login_is_recorded_without_any_credential_or_token(org, settings, tmp_path, flow):
    settings.SALESFORCE_AUTH_FLOW = flow
    if flow == "jwt":
        settings.SALESFORCE_PRIVATE_KEY_FILE = str(write_rsa_key(tmp_path / "sfns.key"))
    [account_id] = org.seed_accounts({"Name": "Acme"})
    salesforce_client = SalesforceClient()

    salesforce_client.get("Account", account_id)

    login = salesforce_client.exchanges[0]
    assert summary([login]) == [("POST", TOKEN_PATH, 200)]
    assert login.request == {"grant_type": GRANT_TYPES[flow]}
    assert login.response == {
        "instance_url": org.url,
        "token_type": "Bearer",
        "issued_at": login.response["issued_at"],
    }
    assert_no_credentials(
        settings, salesforce_client.exchanges, salesforce_client.token().access_token
    )


@responses.activate
def test_gateway_page_is_cut_text_and_no_token_of_the_login_answer_is_kept(settings, credentials):
    """A proxy's HTML page is kept as text, cut short; the token in the answer is dropped."""
    settings.SALESFORCE_LOGIN_URL = "https://login.example.test"
    instance = "https://org.example.test"
    responses.post(
        f"https://login.example.test{TOKEN_PATH}",
        json={
            "access_token": "00D000000000001!the-access-token",
            "refresh_token": "the-refresh-token",
            "instance_url": instance,
            "id": "https://login.example.test/id/00D000000000001/005000000000001",
            "token_type": "Bearer",
            "issued_at": "1700000000000",
            "signature": "the-signature",
        },
    )
    page = "<html><body>502 Bad Gateway" + " padding" * 500 + "</body></html>"
    record = data_path(settings, "sobjects/Account/001000000000001AAA")
    responses.get(instance + record, body=page, status=502, content_type="text/html")
    salesforce_client = SalesforceClient(attempts=1)

    with pytest.raises(Transient):
        salesforce_client.get("Account", "001000000000001AAA")

    login, call = salesforce_client.exchanges
    assert login.response == {
        "instance_url": instance,
        "token_type": "Bearer",
        "issued_at": "1700000000000",
    }
    assert (call.method, call.path, call.status) == ("GET", record, 502)
    assert call.response == page[:2000]
    assert len(page) > 2000
    assert_no_credentials(
        settings,
        salesforce_client.exchanges,
        "the-access-token",
        "the-refresh-token",
        "the-signature",
    )


# -- calls without an answer ---------------------------------------------------------------------
def test_unreachable_login_url_records_each_attempt_without_status(credentials):
    credentials.SALESFORCE_LOGIN_URL = f"https://127.0.0.1:{closed_port()}"
    salesforce_client = SalesforceClient(attempts=2, max_wait=0.01)

    with pytest.raises(Transient, match="token request: ConnectionError"):
        salesforce_client.get("Account", "001000000000001AAA")

    assert [
        (e.method, e.path, e.request, e.status, e.response) for e in salesforce_client.exchanges
    ] == [("POST", TOKEN_PATH, {"grant_type": "password"}, None, None)] * 2
    assert_no_credentials(credentials, salesforce_client.exchanges)


def test_timed_out_call_records_each_attempt_without_status(org, settings):
    settings.SFNS_HTTP_TIMEOUT = (5.0, 0.2)
    salesforce_client = SalesforceClient(attempts=2, max_wait=0.01)
    salesforce_client.token()
    org.faults(latency_ms=600)

    with pytest.raises(Transient, match="timed out"):
        salesforce_client.update("Account", "001000000000001AAA", {"Phone": "1"})

    record = data_path(settings, "sobjects/Account/001000000000001AAA")
    assert [
        (e.method, e.path, e.request, e.status, e.response) for e in salesforce_client.exchanges[1:]
    ] == [("PATCH", record, {"Phone": "1"}, None, None)] * 2
    assert all(e.duration_ms >= 200 for e in salesforce_client.exchanges[1:])
    # The emulator still answers both abandoned requests: let them land here, not in the next
    # test's counts.
    deadline = time.monotonic() + 5
    while org.calls("sobject_record") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_call_held_back_by_the_api_reserve_is_recorded_without_status(
    org, salesforce_client, settings
):
    settings.SALESFORCE_API_RESERVE = 0.05
    [account_id] = org.seed_accounts({"Name": "Acme"})
    org.faults(api_limit=5000, api_usage=4759)
    salesforce_client.get("Account", account_id)  # reads 4,760 of 5,000 used: under the 5 % reserve
    sent = org.calls("sobject_record")

    with pytest.raises(RateLimited) as caught:
        salesforce_client.update("Account", account_id, {"Phone": "1"})

    assert caught.value.code == API_RESERVE_CODE
    assert org.calls("sobject_record") == sent  # nothing reached Salesforce
    held_back = salesforce_client.exchanges[-1]
    assert (held_back.method, held_back.request) == ("PATCH", {"Phone": "1"})
    assert held_back.path == data_path(settings, f"sobjects/Account/{account_id}")
    assert (held_back.status, held_back.response) == (None, None)
    assert (
        len(salesforce_client.exchanges) == 3
    )  # the login, the read, the held-back update: no retry
