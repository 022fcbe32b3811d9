"""Signed change notifications to the notify URL (emulators/netsuite/webhook.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator

from .helpers import Api

LOCK = "custentity_sfns_lock_record"


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


def test_seeded_customers_are_not_posted_but_their_deletion_is(
    notifying_emulator, listener, settings
):
    requests.post(
        f"{notifying_emulator.url}/__emulator__/seed",
        json={"customer": [{"id": str(n), "companyName": f"C{n}"} for n in range(501, 511)]},
        timeout=10,
    ).raise_for_status()
    api = Api(notifying_emulator.url, settings)

    assert api("DELETE", "record/v1/customer/505").status_code == 204

    received = listener.wait_for(1)
    time.sleep(0.3)  # room for any other notification to arrive
    assert len(listener.received) == 1
    deleted = verified(settings, *received[0])
    assert (deleted["event"], deleted["id"]) == ("delete", "505")


# ============================================================================================
# Like the SuiteScript: only changes SFNS reads, and never SFNS's own writes
# ============================================================================================
def script(emulator, **parameters) -> requests.Response:
    url = f"{emulator.url}/__emulator__/script"
    if not parameters:
        return requests.get(url, timeout=10)
    return requests.post(url, json=parameters, timeout=10)


def ui_edit(emulator, customer_id: str, **fields) -> None:
    requests.post(
        f"{emulator.url}/__emulator__/edit",
        json={"type": "customer", "id": customer_id, "fields": fields},
        timeout=10,
    ).raise_for_status()


def seed_customer(emulator, customer_id: str = "501") -> None:
    requests.post(
        f"{emulator.url}/__emulator__/seed",
        json={"customer": [{"id": customer_id, "companyName": "Acme", "balance": 10}]},
        timeout=10,
    ).raise_for_status()


def skipped(emulator) -> dict:
    calls = emulator.app.stats_snapshot()["calls"]
    return {k.removeprefix("webhook_skipped_"): v for k, v in calls.items() if "skipped" in k}


def test_a_rest_edit_is_posted_only_when_a_watched_field_changes(
    notifying_emulator, listener, settings
):
    api = Api(notifying_emulator.url, settings)
    created = api("POST", "record/v1/customer", json={"companyName": "Acme", "phone": "1"})
    new_id = created.headers["Location"].rsplit("/", 1)[1]

    changes = [
        ("PATCH", new_id, {"phone": "2", "companyName": "Acme Inc"}),
        ("PATCH", new_id, {LOCK: False}),  # unchecked, as it was
        ("PATCH", new_id, {LOCK: True}),
        ("PUT", "eid:SF-1", {"companyName": "Other"}),  # a create
        ("PUT", "eid:SF-1", {"email": "a@b.example"}),
    ]
    for method, ref, body in changes:
        assert api(method, f"record/v1/customer/{ref}", json=body).status_code == 204

    received = listener.wait_for(3)
    time.sleep(0.3)  # room for any other notification to arrive
    events = [verified(settings, *message) for message in listener.received]
    assert [(e["event"], e["id"]) for e in events] == [
        ("create", new_id),
        ("update", new_id),
        ("create", events[2]["id"]),
    ]
    assert events[1]["fields"][LOCK] is True
    assert len(received) == 3
    assert skipped(notifying_emulator) == {"unchanged": 3}


def test_a_user_edit_in_the_ui_is_posted_only_when_a_watched_field_changes(
    notifying_emulator, listener, settings
):
    seed_customer(notifying_emulator)

    ui_edit(notifying_emulator, "501", phone="+1 555 0199", comments="called")
    ui_edit(notifying_emulator, "501", **{LOCK: True})

    (message,) = listener.wait_for(1)
    time.sleep(0.3)
    assert len(listener.received) == 1
    event = verified(settings, *message)
    assert (event["event"], event["id"]) == ("update", "501")
    assert event["fields"][LOCK] is True
    assert skipped(notifying_emulator) == {"unchanged": 1}


def test_sfns_own_writes_are_not_posted_when_the_deployment_names_its_user(
    notifying_emulator, listener, settings
):
    rest_user = script(notifying_emulator).json()["rest_user"]
    assert script(notifying_emulator, custscript_sfns_integration_user=rest_user).ok
    seed_customer(notifying_emulator)
    api = Api(notifying_emulator.url, settings)

    created = api("PUT", "record/v1/customer/eid:SF-1", json={"companyName": "Acme"})
    new_id = created.headers["Location"].rsplit("/", 1)[1]
    assert api("PATCH", "record/v1/customer/501", json={"externalId": "SF-2"}).ok
    assert api("PUT", "record/v1/customer/eid:SF-2", json={LOCK: True}).ok
    assert api("DELETE", f"record/v1/customer/{new_id}").ok
    # a NetSuite user checks the lock: the UI is never SFNS, whoever the user is
    ui_edit(notifying_emulator, "501", **{LOCK: False})

    (message,) = listener.wait_for(1)
    time.sleep(0.3)
    assert len(listener.received) == 1
    event = verified(settings, *message)
    assert (event["event"], event["id"]) == ("update", "501")
    assert event["fields"][LOCK] is False
    assert skipped(notifying_emulator) == {"sfns_write": 4}


def test_rest_writes_of_another_user_are_posted(notifying_emulator, listener, settings):
    assert script(notifying_emulator, custscript_sfns_integration_user="12345").ok
    api = Api(notifying_emulator.url, settings)

    api("POST", "record/v1/customer", json={"companyName": "Acme"})

    ((_, body),) = listener.wait_for(1)
    assert json.loads(body)["event"] == "create"


def test_mapped_fields_and_a_renamed_lock_field_are_watched(notifying_emulator, listener, settings):
    requests.post(
        f"{notifying_emulator.url}/__emulator__/fields",
        json={"record": "customer", "add": {"custentity_region": {"type": "string"}}},
        timeout=10,
    ).raise_for_status()
    seed_customer(notifying_emulator)
    assert script(notifying_emulator, custscript_sfns_mapped_fields="custentity_Region").ok

    ui_edit(notifying_emulator, "501", custentity_region="EMEA")

    ((_, body),) = listener.wait_for(1)
    assert json.loads(body)["fields"]["custentity_region"] == "EMEA"


def test_the_script_parameters_are_the_deployments_until_changed_and_reset(
    notifying_emulator,
):
    from emulators.netsuite.package import script_parameters

    shown = script(notifying_emulator).json()
    assert shown["parameters"] == script_parameters()
    assert shown["parameters"]["custscript_sfns_watched_fields"].startswith("externalid,")
    assert shown["rest_user"] != shown["ui_user"]

    changed = script(notifying_emulator, custscript_sfns_integration_user="7")
    assert changed.json()["parameters"]["custscript_sfns_integration_user"] == "7"
    requests.post(f"{notifying_emulator.url}/__emulator__/reset", timeout=10).raise_for_status()
    assert script(notifying_emulator).json()["parameters"] == script_parameters()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"custscript_nope": "1"}, "no script parameter custscript_nope"),
        ({"custscript_sfns_integration_user": 7}, "a parameter's value is a string or null"),
        (["custscript_sfns_integration_user"], "the body is an object"),
    ],
)
def test_a_bad_script_parameter_change_is_refused(notifying_emulator, body, message):
    response = requests.post(f"{notifying_emulator.url}/__emulator__/script", json=body, timeout=10)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert script(notifying_emulator).json()["parameters"]["custscript_sfns_integration_user"] == ""
