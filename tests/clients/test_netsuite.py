"""SFNS's NetSuite client against the NetSuite emulator over real HTTP: operations and errors."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests

from sync.clients.errors import AuthError, ClientError, NotFound, RateLimited, Rejected, Transient
from sync.clients.netsuite import NetSuiteClient


@pytest.fixture(autouse=True)
def no_faults(netsuite):
    """Faults live on the session's emulator and survive reset: start and leave without any."""
    netsuite.faults(latency_ms=0, fail_rate=0.0, concurrency_limit=0)
    yield netsuite
    netsuite.faults(latency_ms=0, fail_rate=0.0, concurrency_limit=0)


def assert_no_secrets(settings, *texts: object) -> None:
    secrets = (settings.NETSUITE_CONSUMER_SECRET, settings.NETSUITE_TOKEN_SECRET)
    for text in texts:
        for secret in secrets:
            assert secret not in str(text)


def assert_error_is_clean(settings, exc: Exception, netsuite_client: NetSuiteClient) -> None:
    assert_no_secrets(
        settings,
        str(exc),
        repr(exc),
        json.dumps(getattr(exc, "response", None)),
        netsuite_client.exchanges,
    )


# -- operations ----------------------------------------------------------------------------------
def test_get_returns_the_record_with_reference_fields(netsuite, netsuite_client):
    netsuite.seed(
        customer=[
            {"id": "501", "companyName": "Acme", "email": "ap@acme.test", "parent": None},
            {"id": "502", "companyName": "Acme EU", "parent": {"id": "501"}},
        ]
    )

    record = netsuite_client.get("customer", "502")

    assert record["id"] == "502"
    assert record["companyName"] == "Acme EU"
    assert record["parent"]["id"] == "501"
    assert record["parent"]["refName"] == "Acme"
    assert record["balance"] == 0
    exchange = netsuite_client.exchanges[-1]
    assert (exchange.method, exchange.path, exchange.status) == (
        "GET",
        "record/v1/customer/502",
        200,
    )
    assert exchange.response["companyName"] == "Acme EU"
    assert exchange.request is None
    assert exchange.duration_ms >= 0


def test_get_with_fields_returns_only_those_fields(netsuite, netsuite_client):
    netsuite.seed(
        customer=[{"id": "501", "companyName": "Acme", "email": "ap@acme.test", "phone": "1"}]
    )

    record = netsuite_client.get("customer", "501", fields=["companyName", "email"])

    assert set(record) == {"id", "links", "companyName", "email"}
    assert record["email"] == "ap@acme.test"


def test_get_by_external_id(netsuite, netsuite_client):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme", "externalId": "SF-001A"}])

    record = netsuite_client.get("customer", "eid:SF-001A")

    assert record["id"] == "501"
    assert record["companyName"] == "Acme"


def test_create_returns_the_new_id_from_location(netsuite, netsuite_client):
    new_id = netsuite_client.create(
        "customer", {"companyName": "Globex", "email": "hi@globex.test", "subsidiary": {"id": "1"}}
    )

    assert new_id.isdigit()
    stored = netsuite.record("customer", new_id)
    assert stored["companyName"] == "Globex"
    assert stored["subsidiary"] == {"id": "1"}
    exchange = netsuite_client.exchanges[-1]
    assert (exchange.method, exchange.path, exchange.status) == ("POST", "record/v1/customer", 204)
    assert exchange.request == {
        "companyName": "Globex",
        "email": "hi@globex.test",
        "subsidiary": {"id": "1"},
    }
    assert exchange.response is None


def test_update_changes_given_fields_keeps_others_and_null_clears(netsuite, netsuite_client):
    netsuite.seed(
        customer=[{"id": "501", "companyName": "Acme", "email": "a@acme.test", "phone": "1"}]
    )

    netsuite_client.update("customer", "501", {"email": "b@acme.test", "phone": None})

    stored = netsuite.record("customer", "501")
    assert stored["email"] == "b@acme.test"
    assert "phone" not in stored
    assert stored["companyName"] == "Acme"
    assert netsuite_client.exchanges[-1].status == 204


def test_upsert_by_external_id_creates_then_updates_without_duplicating(netsuite, netsuite_client):
    first = netsuite_client.upsert("customer", "SF-0017", {"companyName": "Initech"})
    second = netsuite_client.upsert(
        "customer", "SF-0017", {"companyName": "Initech", "phone": "555"}
    )

    assert first == second
    customers = netsuite.state()["records"]["customer"]
    matching = [c for c in customers.values() if c.get("externalId") == "SF-0017"]
    assert len(matching) == 1
    assert customers[first]["phone"] == "555"
    assert [e.method for e in netsuite_client.exchanges] == ["PUT", "PUT"]
    assert netsuite_client.exchanges[0].path == "record/v1/customer/eid:SF-0017"


def test_delete_removes_the_record(netsuite, netsuite_client):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    netsuite_client.delete("customer", "501")

    assert netsuite.record("customer", "501") is None
    with pytest.raises(NotFound):
        netsuite_client.get("customer", "501")


def test_suiteql_follows_every_page(netsuite, netsuite_client):
    netsuite.seed(customer=[{"id": str(600 + n), "companyName": f"Company {n}"} for n in range(7)])
    netsuite.seed(customer=[{"id": "700", "companyName": "Other", "isInactive": True}])

    rows = list(
        netsuite_client.suiteql(
            "SELECT id, companyname FROM customer WHERE isinactive = 'F' ORDER BY id",
            page_size=3,
        )
    )

    assert [row["id"] for row in rows] == [str(600 + n) for n in range(7)]
    assert rows[0] == {"id": "600", "companyname": "Company 0"}
    assert all("links" not in row for row in rows)
    pages = [e for e in netsuite_client.exchanges if e.path == "query/v1/suiteql"]
    assert len(pages) == 3
    assert [e.response["offset"] for e in pages] == [0, 3, 6]
    assert [e.response["hasMore"] for e in pages] == [True, True, False]
    assert pages[0].request == {
        "q": "SELECT id, companyname FROM customer WHERE isinactive = 'F' ORDER BY id"
    }


def test_suiteql_with_no_rows_yields_nothing(netsuite_client):
    assert (
        list(netsuite_client.suiteql("SELECT id FROM customer WHERE companyname = 'nobody'")) == []
    )
    assert len(netsuite_client.exchanges) == 1


# -- errors --------------------------------------------------------------------------------------
def test_missing_company_name_is_rejected_with_field_errors(netsuite, netsuite_client, settings):
    with pytest.raises(Rejected) as caught:
        netsuite_client.create("customer", {"email": "x@example.test"})

    error = caught.value
    assert error.status == 400
    assert error.code == "USER_ERROR"
    assert "You must enter a value for Company Name." in str(error)
    assert error.field_errors == [
        {
            "field": "companyName",
            "code": "USER_ERROR",
            "message": "You must enter a value for Company Name.",
        }
    ]
    assert len(netsuite_client.exchanges) == 1  # a refusal is not retried
    assert netsuite.state()["records"]["customer"] == {}
    assert_error_is_clean(settings, error, netsuite_client)


def test_read_only_financial_field_is_rejected_and_nothing_changes(
    netsuite, netsuite_client, settings
):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])

    with pytest.raises(Rejected) as caught:
        netsuite_client.update("customer", "501", {"companyName": "Acme 2", "balance": 100})

    error = caught.value
    assert error.code == "INVALID_CONTENT"
    assert "balance is read-only" in str(error)
    assert error.field_errors[0]["field"] == "balance"
    assert error.field_errors[0]["code"] == "INVALID_CONTENT"
    assert netsuite.record("customer", "501")["companyName"] == "Acme"
    assert_error_is_clean(settings, error, netsuite_client)


def test_unknown_field_is_rejected(netsuite_client, settings):
    with pytest.raises(Rejected) as caught:
        netsuite_client.create("customer", {"companyName": "Acme", "favouriteColour": "teal"})

    error = caught.value
    assert error.code == "INVALID_CONTENT"
    assert "Invalid field name: favouriteColour" in str(error)
    assert error.field_errors == [
        {
            "field": "favouriteColour",
            "code": "INVALID_CONTENT",
            "message": "Invalid field name: favouriteColour. The field does not exist on customer.",
        }
    ]
    assert_error_is_clean(settings, error, netsuite_client)


def test_unknown_record_is_not_found(netsuite_client, settings):
    with pytest.raises(NotFound) as caught:
        netsuite_client.get("customer", "999")

    error = caught.value
    assert error.status == 404
    assert error.code == "NONEXISTENT_ID"
    assert "The record instance does not exist" in str(error)
    assert "record/v1/customer/999" in str(error)
    assert not isinstance(error, Transient)
    assert len(netsuite_client.exchanges) == 1
    assert_error_is_clean(settings, error, netsuite_client)


def test_wrong_token_secret_is_an_auth_error_without_secrets(netsuite, netsuite_emulator, settings):
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])
    right_secret = settings.NETSUITE_TOKEN_SECRET
    settings.NETSUITE_TOKEN_SECRET = "wrong-token-secret-4f1c"
    netsuite_client = NetSuiteClient(max_wait=0.02)
    # The emulator runs in this process and reads the same settings: give it the real secret back.
    settings.NETSUITE_TOKEN_SECRET = right_secret

    with pytest.raises(AuthError) as caught:
        netsuite_client.get("customer", "501")

    error = caught.value
    assert error.status == 401
    assert error.code == "INVALID_LOGIN"
    assert "Invalid login attempt" in str(error)
    assert len(netsuite_client.exchanges) == 1  # configuration problems are not retried
    assert_error_is_clean(settings, error, netsuite_client)
    for text in (
        str(error),
        repr(error),
        json.dumps(error.response),
        repr(netsuite_client.exchanges),
    ):
        assert "wrong-token-secret-4f1c" not in text
    # and the right credentials do work, so it was the secret that failed
    assert NetSuiteClient().get("customer", "501")["companyName"] == "Acme"


def test_concurrency_limit_exhausting_retries_is_rate_limited(
    netsuite, netsuite_emulator, settings
):
    netsuite.faults(concurrency_limit=1, latency_ms=1500)
    hog = threading.Thread(
        target=requests.get,
        args=(f"{netsuite_emulator.url}/services/rest/record/v1/customer/1",),
        kwargs={"timeout": 10},
    )
    hog.start()
    deadline = time.monotonic() + 5
    while netsuite.stats()["in_flight"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    netsuite_client = NetSuiteClient(attempts=3, max_wait=0.05)

    try:
        with pytest.raises(RateLimited) as caught:
            netsuite_client.get("customer", "501")
    finally:
        hog.join()

    error = caught.value
    assert error.status == 429
    assert error.code == "CONCURRENCY_LIMIT_EXCEEDED"
    assert "Concurrent request limit exceeded" in str(error)
    assert error.retryable
    assert [e.status for e in netsuite_client.exchanges] == [429, 429, 429]
    assert netsuite.stats()["rejected_429"] == 3
    assert_error_is_clean(settings, error, netsuite_client)


def test_server_errors_exhausting_retries_are_transient(netsuite, netsuite_client, settings):
    netsuite.faults(fail_rate=1.0)
    netsuite_client.attempts = 3

    with pytest.raises(Transient) as caught:
        netsuite_client.create("customer", {"companyName": "Acme"})

    error = caught.value
    assert not isinstance(error, RateLimited)
    assert error.status == 503
    assert error.code == "UNEXPECTED_ERROR"
    assert "An unexpected error occurred" in str(error)
    assert [e.status for e in netsuite_client.exchanges] == [503, 503, 503]
    assert netsuite.stats()["failed_503"] == 3
    assert netsuite.state()["records"]["customer"] == {}
    assert_error_is_clean(settings, error, netsuite_client)


def test_unreachable_netsuite_is_transient(netsuite_emulator):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    netsuite_client = NetSuiteClient(
        base_url=f"http://127.0.0.1:{port}/services/rest/", attempts=2, max_wait=0.01
    )

    with pytest.raises(Transient) as caught:
        netsuite_client.get("customer", "1")

    assert "cannot connect" in str(caught.value)
    assert [e.status for e in netsuite_client.exchanges] == [None, None]


def test_retries_carry_calls_through_a_flaky_netsuite(netsuite, netsuite_client):
    netsuite.faults(fail_rate=0.5)
    netsuite_client.attempts = 20

    ids = [
        netsuite_client.upsert("customer", f"SF-{n:04d}", {"companyName": f"Co {n}"})
        for n in range(20)
    ]

    statuses = [e.status for e in netsuite_client.exchanges]
    assert 503 in statuses  # some calls did fail and were retried
    assert statuses.count(204) == 20
    customers = netsuite.state()["records"]["customer"]
    assert len(customers) == 20
    assert sorted(ids) == sorted(customers)


def test_client_cap_keeps_netsuite_under_its_concurrency_limit(
    netsuite, netsuite_emulator, settings
):
    settings.NETSUITE_CONCURRENCY_LIMIT = 2
    netsuite.seed(customer=[{"id": "501", "companyName": "Acme"}])
    netsuite.faults(latency_ms=150, concurrency_limit=2)
    netsuite.reset_stats()
    results: list[object] = []

    def fetch() -> None:
        try:
            results.append(NetSuiteClient(attempts=1).get("customer", "501")["id"])
        except Exception as exc:  # collected and asserted below
            results.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == ["501"] * 6
    stats = netsuite.stats()
    assert stats["rejected_429"] == 0
    assert stats["peak_in_flight"] <= 2


def test_cap_store_unreachable_is_transient_and_nothing_is_sent(
    netsuite, netsuite_emulator, settings
):
    with socket.socket() as sock:  # a port no Redis listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SFNS_REDIS_URL = f"redis://127.0.0.1:{port}/0"
    netsuite_client = NetSuiteClient(attempts=2, max_wait=0.01)

    with pytest.raises(Transient) as caught:
        netsuite_client.create("customer", {"companyName": "Acme"})

    assert "Redis" in str(caught.value)
    assert netsuite.stats()["calls"] == {}
    assert netsuite.state()["records"]["customer"] == {}


def test_the_transport_keys_never_show_in_a_repr():
    # The keys are part of the transport cache's key: a traceback or a debugger may show it.
    from sync.clients.netsuite_http import Credentials

    shown = repr(Credentials("consumer-key", "consumer-secret", "token-id", "token-secret"))

    for secret in ("consumer-key", "consumer-secret", "token-id", "token-secret"):
        assert secret not in shown


def test_a_netsuite_slower_than_the_read_timeout_is_transient(
    netsuite, netsuite_emulator, settings
):
    netsuite.seed(customer=[{"id": "100", "companyName": "Acme"}])
    netsuite.faults(latency_ms=1500)
    settings.SFNS_HTTP_TIMEOUT = (5.0, 0.3)
    client = NetSuiteClient(attempts=1)

    with pytest.raises(Transient, match="timed out") as caught:
        client.get("customer", "100")

    assert caught.value.retryable
    assert [e.status for e in client.exchanges] == [None]


def test_a_success_without_a_json_object_is_a_client_error_that_says_what_came():
    # A proxy's login page answered with 200 instead of NetSuite: not a record, not a crash.
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class ProxyPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html>Please sign in to the proxy</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), ProxyPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = NetSuiteClient(
            base_url=f"http://127.0.0.1:{server.server_port}/services/rest/", attempts=1
        )
        with pytest.raises(ClientError, match="without a JSON object") as caught:
            client.get("customer", "100")
    finally:
        server.shutdown()

    assert "Please sign in to the proxy" in str(caught.value)
    assert caught.value.status == 200
    assert not caught.value.retryable
