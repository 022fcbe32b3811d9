"""
The NetSuite emulator against docs/wire.md, over real HTTP, signed by requests-oauthlib directly
(not SFNS's client): token-based auth, record semantics, SuiteQL, governance, the change notifier.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from requests_oauthlib import OAuth1

from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator

REST = "/services/rest"
LOGIN_AUDIT = "Invalid login attempt."


@pytest.fixture(autouse=True)
def no_faults(ns):
    """Faults live on the session's emulator and survive reset: start and leave without any."""
    ns.faults(latency_ms=0, fail_rate=0.0, concurrency_limit=0)
    yield ns
    ns.faults(latency_ms=0, fail_rate=0.0, concurrency_limit=0)


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


@pytest.fixture
def api(netsuite_emulator, settings):
    return Api(netsuite_emulator.url, settings)


def error_of(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) >= {"type", "title", "status", "o:errorDetails"}
    assert body["status"] == response.status_code
    return body["o:errorDetails"][0]


def assert_invalid_login(ns, response: requests.Response, reason: str) -> None:
    assert response.status_code == 401
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_LOGIN"
    assert detail["detail"].startswith(LOGIN_AUDIT)
    # the emulator counts why it refused: make sure it was for the reason under test
    assert ns.stats()["calls"].get(f"auth_failed_{reason}") == 1


# -- token-based authentication -----------------------------------------------------------------
def test_hmac_sha256_with_realm_is_accepted(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])

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


def test_tampered_signature_is_refused(ns, api, netsuite_emulator, settings):
    prepared = requests.Request(
        "GET", f"{netsuite_emulator.url}{REST}/record/v1/customer/501", auth=oauth(settings)
    ).prepare()
    header = prepared.headers["Authorization"].decode()
    signature = re.search(r'oauth_signature="([^"]+)"', header)[1]
    tampered = ("A" if signature[0] != "A" else "B") + signature[1:]
    prepared.headers["Authorization"] = header.replace(signature, tampered)

    with requests.Session() as session:
        response = session.send(prepared, timeout=10)

    assert_invalid_login(ns, response, "signature")


def test_query_parameters_are_signed(ns, netsuite_emulator, settings):
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

    assert_invalid_login(ns, response, "signature")


def test_json_body_is_not_signed(ns, netsuite_emulator, settings):
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


def test_hmac_sha1_is_refused(ns, api, settings):
    response = api(
        "GET", "record/v1/customer/501", auth=oauth(settings, signature_method="HMAC-SHA1")
    )

    assert_invalid_login(ns, response, "signature_method")


def test_unknown_token_is_refused(ns, api, settings):
    response = api(
        "GET", "record/v1/customer/501", auth=oauth(settings, resource_owner_key="no-such-token")
    )

    assert_invalid_login(ns, response, "token")


def test_unknown_consumer_key_is_refused(ns, api, settings):
    response = api("GET", "record/v1/customer/501", auth=oauth(settings, client_key="other-app"))

    assert_invalid_login(ns, response, "consumer")


def test_wrong_token_secret_is_refused(ns, api, settings):
    response = api(
        "GET", "record/v1/customer/501", auth=oauth(settings, resource_owner_secret="not-it")
    )

    assert_invalid_login(ns, response, "signature")


def test_wrong_realm_is_refused(ns, api, settings):
    # the realm keeps the account id's original form: the host form is not accepted
    host_form = settings.NETSUITE_ACCOUNT_ID.lower().replace("_", "-")
    response = api("GET", "record/v1/customer/501", auth=oauth(settings, realm=host_form))

    assert_invalid_login(ns, response, "realm")


def test_stale_timestamp_is_refused(ns, api, settings):
    stale = str(int(time.time()) - 600)
    response = api("GET", "record/v1/customer/501", auth=oauth(settings, timestamp=stale))

    assert_invalid_login(ns, response, "timestamp")


def test_reused_nonce_is_refused(ns, api, settings):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])
    fixed = {"nonce": "0123456789abcdef0123456789", "timestamp": str(int(time.time()))}

    first = api("GET", "record/v1/customer/501", auth=oauth(settings, **fixed))
    replay = api("GET", "record/v1/customer/501", auth=oauth(settings, **fixed))

    assert first.status_code == 200
    assert_invalid_login(ns, replay, "nonce")


def test_missing_authorization_is_refused(ns, netsuite_emulator):
    response = requests.get(f"{netsuite_emulator.url}{REST}/record/v1/customer/501", timeout=10)

    assert response.status_code == 401
    assert error_of(response)["o:errorCode"] == "INVALID_LOGIN"


# -- records -------------------------------------------------------------------------------------
def test_post_answers_204_with_location_and_no_body(ns, api):
    response = api("POST", "record/v1/customer", json={"companyName": "Globex"})

    assert response.status_code == 204
    assert response.content == b""
    location = response.headers["Location"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/services/rest/record/v1/customer/\d+", location)
    new_id = location.rsplit("/", 1)[1]
    record = api("GET", f"record/v1/customer/{new_id}").json()
    assert record["id"] == new_id
    assert record["companyName"] == "Globex"
    assert record["balance"] == 0
    assert record["links"] == [{"rel": "self", "href": location}]


def test_reference_fields_carry_id_ref_name_and_links(ns, api):
    ns.seed(
        customer=[
            {"id": "501", "companyName": "Acme"},
            {"id": "502", "companyName": "Acme EU", "parent": {"id": "501"}},
        ]
    )

    parent = api("GET", "record/v1/customer/502").json()["parent"]

    assert parent["id"] == "501"
    assert parent["refName"] == "Acme"
    assert parent["links"][0]["href"].endswith("/services/rest/record/v1/customer/501")


def test_fields_parameter_limits_the_answer(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme", "email": "a@acme.test", "phone": "1"}])

    record = api("GET", "record/v1/customer/501", params={"fields": "email"}).json()

    assert set(record) == {"id", "links", "email"}


def test_patch_changes_given_fields_and_null_clears(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme", "email": "a@acme.test", "phone": "1"}])

    response = api("PATCH", "record/v1/customer/501", json={"phone": None, "email": "b@a.test"})

    assert response.status_code == 204
    stored = ns.record("customer", "501")
    assert "phone" not in stored
    assert stored["email"] == "b@a.test"
    assert stored["companyName"] == "Acme"


def test_patch_appends_sublist_lines_unless_replace_names_the_sublist(ns, api):
    line = {"addressBookAddress": {"addr1": "1 Main St"}, "defaultBilling": True}
    ns.seed(customer=[{"id": "502", "companyName": "Acme", "addressBook": {"items": [line]}}])
    other = {"addressBookAddress": {"addr1": "2 Side St"}}

    assert (
        api("PATCH", "record/v1/customer/502", json={"addressBook": {"items": [other]}}).status_code
        == 204
    )
    assert ns.record("customer", "502")["addressBook"]["items"] == [line, other]

    response = api(
        "PATCH",
        "record/v1/customer/502",
        params={"replace": "addressBook"},
        json={"addressBook": {"items": [other]}},
    )
    assert response.status_code == 204
    assert ns.record("customer", "502")["addressBook"]["items"] == [other]


@pytest.mark.parametrize("field", ["balance", "overdueBalance", "creditLimit", "depositBalance"])
def test_financial_fields_are_read_only(ns, api, field):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])

    patched = api("PATCH", "record/v1/customer/501", json={field: 10})
    created = api("POST", "record/v1/customer", json={"companyName": "New", field: 10})

    for response in (patched, created):
        assert response.status_code == 400
        detail = error_of(response)
        assert detail["o:errorCode"] == "INVALID_CONTENT"
        assert detail["o:errorPath"] == field
        assert "read-only" in detail["detail"]
    assert ns.record("customer", "501")[field] == 0
    assert len(ns.state()["records"]["customer"]) == 1


def test_a_netsuite_user_can_change_financials(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])

    ns.edit(type="customer", id="501", fields={"balance": 1250.5, "daysOverdue": 12})

    record = api("GET", "record/v1/customer/501").json()
    assert (record["balance"], record["daysOverdue"]) == (1250.5, 12)


def test_missing_company_name_is_a_user_error(api):
    response = api("POST", "record/v1/customer", json={"email": "x@example.test"})

    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "USER_ERROR"
    assert detail["detail"] == "You must enter a value for Company Name."


def test_unknown_field_is_invalid_content(api):
    response = api("POST", "record/v1/customer", json={"companyName": "A", "nope": 1})

    assert response.status_code == 400
    assert error_of(response)["o:errorCode"] == "INVALID_CONTENT"
    assert error_of(response)["o:errorPath"] == "nope"


def test_unknown_id_is_404_nonexistent_id(api):
    response = api("GET", "record/v1/customer/999")

    assert response.status_code == 404
    assert error_of(response)["o:errorCode"] == "NONEXISTENT_ID"


def test_put_without_external_id_is_refused(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])

    response = api("PUT", "record/v1/customer/501", json={"companyName": "Acme 2"})

    assert response.status_code == 400
    assert "eid:" in error_of(response)["detail"]
    assert ns.record("customer", "501")["companyName"] == "Acme"


def test_put_by_external_id_creates_then_updates_the_same_record(ns, api):
    created = api("PUT", "record/v1/customer/eid:SF-42", json={"companyName": "Initech"})
    updated = api("PUT", "record/v1/customer/eid:SF-42", json={"phone": "555"})

    assert created.status_code == updated.status_code == 204
    assert created.headers["Location"] == updated.headers["Location"]
    customers = ns.state()["records"]["customer"]
    assert len(customers) == 1
    (record,) = customers.values()
    assert (record["externalId"], record["companyName"], record["phone"]) == (
        "SF-42",
        "Initech",
        "555",
    )
    by_eid = api("GET", "record/v1/customer/eid:SF-42").json()
    assert by_eid["companyName"] == "Initech"


def test_external_id_with_other_characters_is_refused(api):
    response = api("PUT", "record/v1/customer/eid:has.dot", json={"companyName": "A"})

    assert response.status_code == 400
    assert error_of(response)["o:errorCode"] == "INVALID_CONTENT"


def test_estimate_needs_an_existing_entity(ns, api):
    lines = {"items": [{"item": {"id": "7"}, "quantity": 2, "rate": 10}]}

    response = api("POST", "record/v1/estimate", json={"entity": {"id": "999"}, "item": lines})

    assert response.status_code == 400
    detail = error_of(response)
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("USER_ERROR", "entity")
    assert ns.state()["records"]["estimate"] == {}


def test_estimate_needs_at_least_one_item(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])

    for body in ({"entity": {"id": "501"}}, {"entity": {"id": "501"}, "item": {"items": []}}):
        response = api("POST", "record/v1/estimate", json=body)
        assert response.status_code == 400
        assert error_of(response)["o:errorPath"] == "item"
        assert "at least one valid line item" in error_of(response)["detail"]
    assert ns.state()["records"]["estimate"] == {}


def test_estimate_with_entity_and_items_is_created(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])
    lines = {"items": [{"item": {"id": "7"}, "quantity": 2, "rate": 10}]}

    response = api("POST", "record/v1/estimate", json={"entity": {"id": "501"}, "item": lines})

    assert response.status_code == 204
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    estimate = api("GET", f"record/v1/estimate/{new_id}").json()
    assert estimate["entity"]["refName"] == "Acme"
    assert estimate["total"] == 20


def test_delete_answers_204_and_the_record_is_gone(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])

    assert api("DELETE", "record/v1/customer/501").status_code == 204
    assert api("GET", "record/v1/customer/501").status_code == 404


# -- SuiteQL -------------------------------------------------------------------------------------
@pytest.fixture
def companies(ns):
    ns.seed(
        customer=[
            {"id": "501", "companyName": "Acme", "email": "a@acme.test", "subsidiary": {"id": "1"}},
            {"id": "502", "companyName": "Globex", "subsidiary": {"id": "2"}},
            {"id": "503", "companyName": "Initech", "subsidiary": {"id": "1"}},
            {"id": "504", "companyName": "Umbrella", "subsidiary": {"id": "3"}},
            {"id": "505", "companyName": "Hooli", "subsidiary": {"id": "1"}},
        ]
    )


@pytest.mark.usefixtures("companies")
def test_suiteql_where_equals(api):
    response = api.suiteql("SELECT id, companyname FROM customer WHERE companyname = 'Globex'")

    assert response.status_code == 200
    body = response.json()
    assert [{k: v for k, v in i.items() if k != "links"} for i in body["items"]] == [
        {"id": "502", "companyname": "Globex"}
    ]
    assert (body["count"], body["totalResults"], body["hasMore"]) == (1, 1, False)


@pytest.mark.usefixtures("companies")
def test_suiteql_where_in_and_reference_ids(api):
    by_id = api.suiteql("SELECT id FROM customer WHERE id IN ('501', '504', '999')").json()
    by_subsidiary = api.suiteql("SELECT id FROM customer WHERE subsidiary = 1").json()

    assert [i["id"] for i in by_id["items"]] == ["501", "504"]
    assert [i["id"] for i in by_subsidiary["items"]] == ["501", "503", "505"]


@pytest.mark.usefixtures("companies")
def test_suiteql_order_by(api):
    ascending = api.suiteql("SELECT id, companyname FROM customer ORDER BY companyname").json()
    descending = api.suiteql("SELECT id FROM customer ORDER BY id DESC").json()

    assert [i["companyname"] for i in ascending["items"]] == [
        "Acme",
        "Globex",
        "Hooli",
        "Initech",
        "Umbrella",
    ]
    assert [i["id"] for i in descending["items"]] == ["505", "504", "503", "502", "501"]


@pytest.mark.usefixtures("companies")
def test_suiteql_pages_with_links_and_has_more(api):
    query = "SELECT id FROM customer ORDER BY id"
    first = api.suiteql(query, limit=2, offset=0).json()
    last = api.suiteql(query, limit=2, offset=4).json()

    assert [i["id"] for i in first["items"]] == ["501", "502"]
    assert (first["count"], first["offset"], first["totalResults"]) == (2, 0, 5)
    assert first["hasMore"] is True
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert links["self"].endswith("/services/rest/query/v1/suiteql?limit=2&offset=0")
    assert links["next"].endswith("/services/rest/query/v1/suiteql?limit=2&offset=2")

    assert [i["id"] for i in last["items"]] == ["505"]
    assert last["hasMore"] is False
    assert "next" not in {link["rel"] for link in last["links"]}


def test_suiteql_without_prefer_transient_is_refused(api):
    response = api(
        "POST", "query/v1/suiteql", params={"limit": 10}, json={"q": "SELECT id FROM customer"}
    )

    assert response.status_code == 400
    assert "Prefer: transient" in error_of(response)["detail"]


def test_suiteql_it_cannot_read_is_refused(api):
    response = api.suiteql("DELETE FROM customer")

    assert response.status_code == 400
    assert error_of(response)["detail"].startswith("Invalid search query")


# -- governance and faults -----------------------------------------------------------------------
def test_over_the_concurrency_limit_is_429_and_counted(ns, api):
    ns.seed(customer=[{"id": "501", "companyName": "Acme"}])
    ns.faults(concurrency_limit=2, latency_ms=400)

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(lambda _: api("GET", "record/v1/customer/501"), range(5)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) >= 2
    assert statuses.count(429) >= 1
    refused = next(r for r in responses if r.status_code == 429)
    detail = error_of(refused)
    assert detail["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert detail["detail"] == "Concurrent request limit exceeded. Request blocked."
    assert "Retry-After" not in refused.headers
    stats = ns.stats()
    assert stats["rejected_429"] == statuses.count(429)
    assert stats["status"]["200"] == statuses.count(200)
    assert stats["peak_in_flight"] >= 3
    assert stats["concurrency_limit"] == 2


def test_injected_failures_are_503_in_netsuite_format(ns, api):
    ns.faults(fail_rate=1.0)

    response = api("GET", "record/v1/customer/501")

    assert response.status_code == 503
    assert error_of(response)["o:errorCode"] == "UNEXPECTED_ERROR"
    assert ns.stats()["failed_503"] == 1


def test_stats_reset(ns, api):
    api("GET", "record/v1/customer/501")
    assert ns.stats()["calls"]["record_item"] == 1

    ns.reset_stats()

    stats = ns.stats()
    assert stats["calls"] == {}
    assert stats["peak_in_flight"] == 0


# -- change notifications ------------------------------------------------------------------------
class Listener:
    """A tiny HTTP receiver recording every POST."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.arrived = threading.Condition()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with listener.arrived:
                    listener.received.append((dict(self.headers), body))
                    listener.arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/netsuite/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[dict, bytes]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    running = Listener()
    yield running
    running.stop()


@pytest.fixture
def notifying_emulator(listener):
    running = start_emulator(NetSuiteEmulator(notify_url=listener.url))
    yield running
    running.stop()


def verified(settings, headers: dict, body: bytes) -> dict:
    stamp = headers["X-SFNS-Timestamp"]
    expected = hmac.new(
        settings.SFNS_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-SFNS-Signature"] == f"sha256={expected}"
    assert abs(time.time() - int(stamp)) < 60
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)


def test_customer_changes_are_posted_signed_to_the_notify_url(
    notifying_emulator, listener, settings
):
    api = Api(notifying_emulator.url, settings)

    created = api("POST", "record/v1/customer", json={"companyName": "Acme", "externalId": "SF-1"})
    new_id = created.headers["Location"].rsplit("/", 1)[1]
    requests.post(
        f"{notifying_emulator.url}/__emulator__/edit",
        json={"type": "customer", "id": new_id, "fields": {"balance": 99}},
        timeout=10,
    ).raise_for_status()

    received = listener.wait_for(2)
    assert len(received) == 2
    first, second = (verified(settings, headers, body) for headers, body in received)
    assert (first["event"], first["recordType"], first["id"]) == ("create", "customer", new_id)
    assert first["externalId"] == "SF-1"
    assert first["fields"]["companyName"] == "Acme"
    assert first["lastModifiedDate"]
    assert (second["event"], second["id"]) == ("update", new_id)
    assert second["fields"]["balance"] == 99
    deadline = time.monotonic() + 5  # the notifier counts after the listener has answered
    while notifying_emulator.app.notifier.delivered < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert notifying_emulator.app.notifier.delivered == 2


def test_transaction_changes_are_not_posted(notifying_emulator, listener, settings):
    api = Api(notifying_emulator.url, settings)
    api("POST", "record/v1/customer", json={"companyName": "Acme"})
    ((_, body),) = listener.wait_for(1)
    customer_id = json.loads(body)["id"]

    response = api(
        "POST",
        "record/v1/estimate",
        json={"entity": {"id": customer_id}, "item": {"items": [{"item": {"id": "1"}}]}},
    )

    assert response.status_code == 204
    time.sleep(0.3)
    assert len(listener.received) == 1


def test_a_deleted_customer_is_posted_with_what_identified_it(
    notifying_emulator, listener, settings
):
    api = Api(notifying_emulator.url, settings)
    created = api("PUT", "record/v1/customer/eid:SF-9", json={"companyName": "Acme"})
    new_id = created.headers["Location"].rsplit("/", 1)[1]

    assert api("DELETE", f"record/v1/customer/{new_id}").status_code == 204

    received = listener.wait_for(2)
    deleted = verified(settings, *received[1])
    assert (deleted["event"], deleted["id"]) == ("delete", new_id)
    # like the SuiteScript's context.oldRecord: the receiver needs the external id to find it
    assert deleted["externalId"] == "SF-9"
    assert deleted["fields"]["companyName"] == "Acme"
