"""SFNS's Salesforce client against the Salesforce emulator over real HTTPS: auth, calls, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import responses

from sync.clients.errors import AuthError, NotFound, RateLimited, Rejected, Transient
from sync.clients.salesforce import COLLECTION_LIMIT, SalesforceClient

from .conftest import FOREIGN_CLIENT_SECRET, GRANT_TYPES, write_rsa_key


def assert_no_secrets(settings, exc: BaseException, *extra: str) -> None:
    """Neither the exception nor anything chained to it may show a credential."""
    secrets = [settings.SALESFORCE_CLIENT_SECRET, settings.SALESFORCE_PASSWORD, *extra]
    key_file = settings.SALESFORCE_PRIVATE_KEY_FILE
    if key_file and Path(key_file).is_file():
        secrets += Path(key_file).read_text().splitlines()[1:-1]
    texts = []
    current: BaseException | None = exc
    while current is not None:
        texts += [str(current), repr(current)]
        texts.append(json.dumps(getattr(current, "response", None), default=str))
        current = current.__cause__ or current.__context__
    for text in texts:
        for secret in secrets:
            assert secret not in text


# -- OAuth 2.0 flows -----------------------------------------------------------------------------
@pytest.fixture
def jwt_flow(tmp_path, credentials):
    credentials.SALESFORCE_AUTH_FLOW = "jwt"
    credentials.SALESFORCE_PRIVATE_KEY_FILE = str(write_rsa_key(tmp_path / "sfns.key"))
    return credentials


@pytest.mark.parametrize("flow", ["password", "client_credentials", "jwt"])
def test_each_auth_flow_logs_in_and_reads(org, settings, tmp_path, flow):
    settings.SALESFORCE_AUTH_FLOW = flow
    if flow == "jwt":
        settings.SALESFORCE_PRIVATE_KEY_FILE = str(write_rsa_key(tmp_path / "sfns.key"))
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]

    record = SalesforceClient().get("Account", account_id)

    assert record["Name"] == "Acme"
    assert org.calls("oauth_token") == 1


@pytest.mark.parametrize(
    ("flow", "right_client_secret", "error", "description"),
    [
        ("password", True, "invalid_grant", "authentication failure"),
        ("password", False, "invalid_client", "invalid client credentials"),
        ("client_credentials", False, "invalid_client", "invalid client credentials"),
        ("jwt", False, "invalid_grant", "invalid assertion"),
    ],
)
def test_refused_login_is_auth_error_with_the_oauth_error_and_no_secret(
    foreign_org, credentials, monkeypatch, tmp_path, flow, right_client_secret, error, description
):
    credentials.SALESFORCE_LOGIN_URL = foreign_org.url
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", foreign_org.verify)
    credentials.SALESFORCE_AUTH_FLOW = flow
    if right_client_secret:  # so that only the password is wrong
        credentials.SALESFORCE_CLIENT_SECRET = FOREIGN_CLIENT_SECRET
    if flow == "jwt":
        credentials.SALESFORCE_PRIVATE_KEY_FILE = str(write_rsa_key(tmp_path / "sfns.key"))
    before = foreign_org.calls("oauth_token")
    client = SalesforceClient()

    with pytest.raises(AuthError) as caught:
        client.query("SELECT Id FROM Account")

    assert caught.value.code == error
    assert caught.value.status == 400
    assert f"{error}: {description}" in str(caught.value)
    assert flow in str(caught.value)
    assert_no_secrets(credentials, caught.value)
    assert foreign_org.calls("oauth_token") == before + 1  # a refused login is not retried
    # The log gets the login's exchange: the OAuth error, and no credential.
    [login] = client.exchanges
    assert (login.method, login.path, login.status) == ("POST", "/services/oauth2/token", 400)
    assert login.request == {"grant_type": GRANT_TYPES[flow]}
    assert login.response == {"error": error, "error_description": description}
    for secret in (credentials.SALESFORCE_CLIENT_SECRET, credentials.SALESFORCE_PASSWORD):
        assert secret not in repr(client.exchanges)


def test_jwt_flow_without_a_key_file_is_auth_error(org, jwt_flow):
    jwt_flow.SALESFORCE_PRIVATE_KEY_FILE = ""

    with pytest.raises(AuthError, match="SALESFORCE_PRIVATE_KEY_FILE"):
        SalesforceClient().get("Account", "001000000000001AAA")

    assert org.calls("oauth_token") == 0


@pytest.mark.parametrize("content", [None, "not a PEM key"])
def test_jwt_flow_with_a_missing_or_bad_key_is_auth_error(org, jwt_flow, tmp_path, content):
    key_file = tmp_path / "broken.key"
    if content is not None:
        key_file.write_text(content)
    jwt_flow.SALESFORCE_PRIVATE_KEY_FILE = str(key_file)

    with pytest.raises(AuthError, match="private key") as caught:
        SalesforceClient().get("Account", "001000000000001AAA")

    assert_no_secrets(jwt_flow, caught.value)
    assert org.calls("oauth_token") == 0


def test_jwt_flow_succeeds_on_a_data_call(org, jwt_flow):
    created = SalesforceClient().create("Account", {"Name": "Signed In"})

    assert org.accounts()[created]["Name"] == "Signed In"


# -- token cache ---------------------------------------------------------------------------------
def test_token_is_reused_across_calls_and_clients(org):
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]
    first = SalesforceClient()

    first.get("Account", account_id)
    first.update("Account", account_id, {"Phone": "1"})
    SalesforceClient().get("Account", account_id)

    assert org.calls("oauth_token") == 1
    assert org.stats()["status"].get("401", 0) == 0


def test_token_is_renewed_exactly_once_after_sessions_expire(org, salesforce_client):
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]
    salesforce_client.get("Account", account_id)
    old_token = salesforce_client.token().access_token
    org.expire_sessions()

    record = salesforce_client.get("Account", account_id)
    salesforce_client.get("Account", account_id)

    assert record["Name"] == "Acme"
    assert org.calls("oauth_token") == 2
    assert org.stats()["status"]["401"] == 1
    assert salesforce_client.token().access_token != old_token


def test_token_refused_on_renewal_is_auth_error(
    org, salesforce_client, credentials, foreign_org, monkeypatch, tmp_path
):
    salesforce_client.get("Account", org.seed_ids(Account=[{"Name": "Acme"}])["Account"][0])
    org.expire_sessions()
    # The org now refuses the renewal: the new login goes to an org with other credentials.
    salesforce_client.login_url = foreign_org.url
    both_cas = tmp_path / "both-cas.pem"
    both_cas.write_text(Path(org.verify).read_text() + Path(foreign_org.verify).read_text())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(both_cas))

    with pytest.raises(AuthError, match="invalid_client") as caught:
        salesforce_client.query("SELECT Id FROM Account")

    assert foreign_org.calls("oauth_token") >= 1

    assert_no_secrets(credentials, caught.value)


# -- sObject calls -------------------------------------------------------------------------------
def test_get_with_fields_returns_only_those_fields(org, salesforce_client):
    [account_id] = org.seed_ids(Account=[{"Name": "Acme", "Phone": "555", "Website": "acme.test"}])[
        "Account"
    ]

    record = salesforce_client.get("Account", account_id, fields=["Name", "Phone"])

    assert set(record) == {"attributes", "Name", "Phone"}
    assert record["Phone"] == "555"
    assert record["attributes"]["type"] == "Account"


def test_create_update_and_delete(org, salesforce_client):
    account_id = salesforce_client.create("Account", {"Name": "Acme", "Phone": "1"})
    assert org.accounts()[account_id]["Phone"] == "1"

    salesforce_client.update("Account", account_id, {"Phone": "2", "Website": "acme.test"})
    stored = org.accounts()[account_id]
    assert (stored["Name"], stored["Phone"], stored["Website"]) == ("Acme", "2", "acme.test")

    salesforce_client.delete("Account", account_id)
    assert account_id not in org.accounts()
    with pytest.raises(NotFound):
        salesforce_client.get("Account", account_id)


@pytest.mark.parametrize("key", ["NS-501", "NS#5 01?x=1&y=50%"])
def test_upsert_creates_then_updates(org, sfns_key_field, salesforce_client, key):
    org.seed_ids(Account=[{"Name": "Bystander", "SFNS_Key__c": "NS"}])

    created = salesforce_client.upsert("Account", "SFNS_Key__c", key, {"Name": "Acme"})
    updated = salesforce_client.upsert("Account", "SFNS_Key__c", key, {"Name": "Acme Corp"})

    assert (created, updated) == (True, False)
    stored = {record["SFNS_Key__c"]: record["Name"] for record in org.accounts().values()}
    assert stored == {"NS": "Bystander", key: "Acme Corp"}


def test_upsert_matching_several_records_is_rejected(org, sfns_key_field, salesforce_client):
    org.seed_ids(
        Account=[{"Name": "One", "SFNS_Key__c": "NS-7"}, {"Name": "Two", "SFNS_Key__c": "NS-7"}]
    )

    with pytest.raises(Rejected) as caught:
        salesforce_client.upsert("Account", "SFNS_Key__c", "NS-7", {"Name": "Three"})

    assert caught.value.status == 300
    assert sorted(r["Name"] for r in org.accounts().values()) == ["One", "Two"]


def test_missing_record_is_not_found(org, salesforce_client, credentials):
    with pytest.raises(NotFound) as caught:
        salesforce_client.get("Account", "001000000000001AAA")

    assert caught.value.status == 404
    assert caught.value.code == "NOT_FOUND"
    assert_no_secrets(credentials, caught.value, salesforce_client.token().access_token)


def test_missing_required_field_is_rejected_with_field_errors(org, salesforce_client, credentials):
    with pytest.raises(Rejected) as caught:
        salesforce_client.create("Account", {"Phone": "1"})

    assert caught.value.status == 400
    assert caught.value.code == "REQUIRED_FIELD_MISSING"
    assert caught.value.field_errors == [
        {
            "field": "Name",
            "code": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [Name]",
        }
    ]
    assert_no_secrets(credentials, caught.value, salesforce_client.token().access_token)
    assert org.accounts() == {}


def test_unknown_field_is_rejected_with_field_errors(org, salesforce_client, credentials):
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]

    with pytest.raises(Rejected) as caught:
        salesforce_client.update("Account", account_id, {"Colour": "red"})

    [error] = caught.value.field_errors
    assert (error["field"], error["code"]) == ("Colour", "INVALID_FIELD")
    assert "Colour" in error["message"]
    assert "INVALID_FIELD" in str(caught.value)
    assert_no_secrets(credentials, caught.value, salesforce_client.token().access_token)


# -- query and collections -----------------------------------------------------------------------
def test_query_follows_next_records_url_over_several_pages(org, salesforce_client):
    names = [f"Account {n:05d}" for n in range(4100)]
    org.seed_ids(Account=[{"Name": name} for name in names])

    rows = salesforce_client.query("SELECT Id, Name FROM Account ORDER BY Name")

    assert [row["Name"] for row in rows] == names
    assert len({row["Id"] for row in rows}) == 4100
    assert (org.calls("query"), org.calls("query_more")) == (1, 2)


def test_update_many_sends_chunks_of_200_and_returns_a_result_per_record(org, salesforce_client):
    ids = org.seed_ids(Account=[{"Name": f"Old {n}"} for n in range(450)])["Account"]
    records = [{"id": account_id, "Name": f"New {n}"} for n, account_id in enumerate(ids)]
    records[225] = {"id": ids[225], "Name": None}  # the second chunk holds a bad record

    results = salesforce_client.update_many("Account", records)

    assert COLLECTION_LIMIT == 200
    assert org.calls("composite_sobjects") == 3
    assert len(results) == 450
    assert [r.id for r in results] == ids
    bad = results[225]
    assert not bad.success
    assert bad.errors[0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert bad.errors[0]["fields"] == ["Name"]
    assert all(r.success and r.errors == [] for n, r in enumerate(results) if n != 225)
    stored = org.accounts()
    assert stored[ids[0]]["Name"] == "New 0"
    assert stored[ids[449]]["Name"] == "New 449"
    assert stored[ids[225]]["Name"] == "Old 225"


# -- limits, retries, edition --------------------------------------------------------------------
def test_api_usage_is_read_from_every_response(org, salesforce_client):
    assert salesforce_client.api_usage is None
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]

    salesforce_client.get("Account", account_id)
    first = salesforce_client.api_usage
    salesforce_client.get("Account", account_id)

    assert first == (1, 15000)
    assert salesforce_client.api_usage == (2, 15000)


def test_spent_daily_allocation_is_rate_limited_and_not_retried(
    org, salesforce_client, credentials
):
    credentials.SALESFORCE_API_RESERVE = 0  # no reserve: go on until Salesforce refuses
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]
    org.faults(api_limit=100, api_usage=99)
    salesforce_client.get("Account", account_id)
    assert salesforce_client.api_usage == (100, 100)

    with pytest.raises(RateLimited) as caught:
        salesforce_client.get("Account", account_id)

    assert caught.value.status == 403
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert org.calls("sobject_record") == 2  # one success, one refusal: no retry in the call
    assert org.stats()["rejected_403"] == 1
    assert_no_secrets(credentials, caught.value, salesforce_client.token().access_token)


def test_transient_failures_are_retried_until_they_succeed(org, settings):
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]
    salesforce_client = SalesforceClient(attempts=25, max_wait=0.01)
    salesforce_client.token()
    org.faults(fail_rate=0.5)

    records = [salesforce_client.get("Account", account_id) for _ in range(20)]

    assert all(record["Name"] == "Acme" for record in records)
    stats = org.stats()
    assert stats["failed_503"] > 0  # one in a million to see none in 20+ calls at 50 %
    assert stats["calls"]["sobject_record"] == 20


def test_transient_failure_is_raised_after_the_attempts(org, credentials):
    [account_id] = org.seed_ids(Account=[{"Name": "Acme"}])["Account"]
    salesforce_client = SalesforceClient(attempts=3, max_wait=0.01)
    salesforce_client.token()
    org.faults(fail_rate=1.0)

    with pytest.raises(Transient) as caught:
        salesforce_client.get("Account", account_id)

    assert not isinstance(caught.value, RateLimited)
    assert (caught.value.status, caught.value.code) == (503, "SERVER_UNAVAILABLE")
    assert org.stats()["failed_503"] == 3
    assert_no_secrets(credentials, caught.value, salesforce_client.token().access_token)


def test_unavailable_token_endpoint_is_transient_not_auth_error(org, credentials):
    org.faults(fail_rate=1.0)

    with pytest.raises(Transient) as caught:
        SalesforceClient(attempts=2, max_wait=0.01).get("Account", "001000000000001AAA")

    assert org.stats()["failed_503"] == 2
    assert_no_secrets(credentials, caught.value)


def test_slow_answer_times_out_as_transient(org, settings):
    settings.SFNS_HTTP_TIMEOUT = (5.0, 0.2)
    salesforce_client = SalesforceClient(attempts=2, max_wait=0.01)
    salesforce_client.token()
    org.faults(latency_ms=600)

    with pytest.raises(Transient, match="timed out"):
        salesforce_client.get("Account", "001000000000001AAA")

    # The emulator still answers both abandoned requests: let them land here, not in the next
    # test's counts (API usage, calls).
    deadline = time.monotonic() + 5
    while org.calls("sobject_record") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("edition", ["Enterprise Edition", "Professional Edition"])
def test_edition_is_the_organization_type(org, salesforce_client, edition):
    org.faults(edition=edition)

    assert salesforce_client.edition() == edition


# -- error shapes the emulator does not produce --------------------------------------------------
@responses.activate
def test_token_answer_without_json_is_auth_error_with_the_status(settings, credentials):
    settings.SALESFORCE_LOGIN_URL = "https://login.example.test"
    responses.post(
        "https://login.example.test/services/oauth2/token",
        body="<html>Forbidden</html>",
        status=403,
    )

    with pytest.raises(AuthError, match="HTTP 403") as caught:
        SalesforceClient().token()

    assert_no_secrets(credentials, caught.value)
