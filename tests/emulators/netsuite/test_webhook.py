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
