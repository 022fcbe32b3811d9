"""
The emulators' HTTP server (emulators/base.py): HTTP/1.1 connections kept alive, as Salesforce and
NetSuite keep them, over plain HTTP and TLS; and requests handled at once in a burst.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator

from .netsuite.helpers import REST, oauth


class PortRecordingEmulator(NetSuiteEmulator):
    """The NetSuite emulator, noting the client port each request came from."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client_ports: list[str] = []

    def __call__(self, environ, start_response):
        self.client_ports.append(environ["REMOTE_PORT"])
        return super().__call__(environ, start_response)


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_session_sends_its_requests_over_one_kept_alive_connection(tls, tmp_path, settings):
    ca = str(tmp_path / "ca.pem") if tls else None
    app = PortRecordingEmulator()
    app.seed({"customer": [{"id": "501", "companyName": "Acme"}]})
    running = start_emulator(app, ca_out=ca)
    try:
        with requests.Session() as session:
            session.auth = oauth(settings)
            answers = [
                session.get(
                    f"{running.url}{REST}/record/v1/customer/{ref}", verify=ca or True, timeout=5
                )
                for ref in ("501", "502", "501")
            ]
    finally:
        running.stop()

    assert running.url.startswith("https://" if tls else "http://")
    assert [answer.status_code for answer in answers] == [200, 404, 200]
    assert len(app.client_ports) == 3
    assert len(set(app.client_ports)) == 1, "each request came on a new connection"
    for answer in answers:
        assert answer.raw.version == 11
        assert "close" not in answer.headers.get("Connection", "").lower()


class BarrierEmulator(NetSuiteEmulator):
    """Every routed request waits until `parties` requests are being handled at once."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=20)

    def dispatch(self, request):
        self.barrier.wait()  # BrokenBarrierError (a 500) unless all parties are in here at once
        return super().dispatch(request)


def test_a_burst_of_new_connections_is_handled_all_at_once(settings):
    burst = 40  # more than any test or benchmark sends at once
    app = BarrierEmulator(burst)
    app.seed({"customer": [{"id": "501", "companyName": "Acme"}]})
    running = start_emulator(app)
    url = f"{running.url}{REST}/record/v1/customer/501"

    def get(_) -> int:
        return requests.get(url, auth=oauth(settings), timeout=30).status_code

    try:
        with ThreadPoolExecutor(max_workers=burst) as pool:
            statuses = list(pool.map(get, range(burst)))
        stats = requests.get(f"{running.url}/__emulator__/stats", timeout=5).json()
    finally:
        running.stop()

    assert statuses == [200] * burst
    assert stats["peak_in_flight"] == burst
