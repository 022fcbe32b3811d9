"""
What both emulators share: a threaded HTTP/1.1 keep-alive WSGI server (optionally HTTPS), injected
latency and failures, a concurrency limit, per-operation statistics, JSON state with an optional
state file, the notifier (emulators.notify), the /__emulator__/ control endpoints, and the web
pages a person uses (emulators.ui, at the root).
"""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from cheroot import wsgi
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .notify import Notifier

if TYPE_CHECKING:
    from .ui import RecordPages

CONTROL_PREFIX = "/__emulator__/"


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers, content_type="application/json"
    )


class EmulatorApp:
    """
    Base WSGI application. Subclasses define `name`, `rules()` (werkzeug Rules whose endpoint is
    a method name) and `initial_state()`, and answer errors in their vendor's format via
    `too_many_requests()` and `unavailable()`.
    """

    name = "emulator"
    # The pages a person uses (emulators.ui); outside the API: no faults, limits or statistics.
    pages: RecordPages | None = None

    def __init__(
        self,
        *,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        concurrency_limit: int = 0,
        notify_url: str = "",
        state_file: str | None = None,
        notify_verify: bool | str = True,
    ) -> None:
        self.lock = threading.RLock()
        # Faults changed at run time (POST /__emulator__/faults) go back to these on reset.
        self._initial_faults = (latency_ms, fail_rate, concurrency_limit)
        self.latency_ms, self.fail_rate, self.concurrency_limit = self._initial_faults
        self.state_file = Path(state_file) if state_file else None
        self.url_map = Map(self.rules())
        self.in_flight = 0
        self.stats: dict[str, Any] = {}
        self.reset_stats()
        self.state: dict[str, Any] = self.initial_state()
        if self.state_file and self.state_file.exists():
            self.state = json.loads(self.state_file.read_text())
        self.notifier = (
            Notifier(notify_url, accepted=self.notification_accepted, verify=notify_verify)
            if notify_url
            else None
        )

    # -- to override ---------------------------------------------------------------------------
    def rules(self) -> list[Rule]:
        raise NotImplementedError

    def initial_state(self) -> dict[str, Any]:
        return {}

    def seed(self, data: dict[str, Any]) -> None:
        """Merge records into the state (POST /__emulator__/seed)."""
        raise NotImplementedError

    def too_many_requests(self) -> Response:
        return json_response({"error": "too many requests"}, 429)

    def unavailable(self) -> Response:
        return Response("Service Unavailable", status=503)

    def notification_accepted(self, response: requests.Response) -> bool:
        return response.status_code == 200

    # -- shared machinery ----------------------------------------------------------------------
    def reset_stats(self) -> None:
        with self.lock:
            self.stats = {
                "calls": Counter(),
                "status": Counter(),
                "peak_in_flight": 0,
                "rejected_429": 0,
                "rejected_403": 0,
                "failed_503": 0,
            }

    def save_state(self) -> None:
        """Call with the lock held after every change."""
        if self.state_file:
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.state))
            tmp.replace(self.state_file)

    def count(self, key: str) -> None:
        with self.lock:
            self.stats[key] += 1

    def notify(self, body: bytes, headers: dict) -> None:
        if self.notifier:
            self.notifier.send(body, headers)

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX):
            response = self.control(request)
        elif self.pages is not None and self.pages.serves(request.path):
            response = self.pages(request)
        else:
            response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.in_flight += 1
            in_flight = self.in_flight
            self.stats["peak_in_flight"] = max(self.stats["peak_in_flight"], in_flight)
            latency, fail_rate, limit = self.latency_ms, self.fail_rate, self.concurrency_limit
        # The count drops before the response is written, so a client that has read its answer
        # and sends the next request is never counted twice.
        try:
            if limit and in_flight > limit:
                self.count("rejected_429")
                return self.too_many_requests()
            if latency:
                time.sleep(latency / 1000)
            if fail_rate and random.random() < fail_rate:  # noqa: S311 (fault injection)
                self.count("failed_503")
                return self.unavailable()
            response = self.dispatch(request)
        finally:
            with self.lock:
                self.in_flight -= 1
        with self.lock:
            self.stats["status"][str(response.status_code)] += 1
            if response.status_code == 403:
                self.stats["rejected_403"] += 1
        return response

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except HTTPException as exc:
            return self.not_routed(request, exc)
        with self.lock:
            self.stats["calls"][endpoint] += 1
        return getattr(self, endpoint)(request, **values)

    def not_routed(self, request: Request, exc: HTTPException) -> Response:
        return exc.get_response()

    def edit(self, data: dict[str, Any]) -> Response:
        """A change made "in the vendor's UI" (POST /__emulator__/edit); called with the lock."""
        return NotFound().get_response()

    def control(self, request: Request) -> Response:
        action = request.path[len(CONTROL_PREFIX) :].strip("/")
        body = request.get_json(silent=True) or {}
        with self.lock:
            if action == "reset" and request.method == "POST":
                self.state = self.initial_state()
                self.latency_ms, self.fail_rate, self.concurrency_limit = self._initial_faults
                self.reset_stats()
                self.save_state()
            elif action == "seed" and request.method == "POST":
                self.seed(body)
                self.save_state()
            elif action == "state" and request.method == "GET":
                return json_response(copy.deepcopy(self.state))
            elif action == "stats" and request.method == "GET":
                return json_response(self.stats_snapshot())
            elif action == "stats/reset" and request.method == "POST":
                self.reset_stats()
            elif action == "edit" and request.method == "POST":
                return self.edit(body)
            elif action == "faults" and request.method == "POST":
                self.latency_ms = int(body.get("latency_ms", self.latency_ms))
                self.fail_rate = float(body.get("fail_rate", self.fail_rate))
                self.concurrency_limit = int(body.get("concurrency_limit", self.concurrency_limit))
            else:
                return NotFound().get_response()
        return json_response({"ok": True})

    def stats_snapshot(self) -> dict[str, Any]:
        with self.lock:
            snapshot = {
                "calls": dict(self.stats["calls"]),
                "status": dict(self.stats["status"]),
                "peak_in_flight": self.stats["peak_in_flight"],
                "in_flight": self.in_flight,
                "rejected_429": self.stats["rejected_429"],
                "rejected_403": self.stats["rejected_403"],
                "failed_503": self.stats["failed_503"],
                "latency_ms": self.latency_ms,
                "fail_rate": self.fail_rate,
                "concurrency_limit": self.concurrency_limit,
            }
        if self.notifier:
            snapshot["notifications"] = {
                "delivered": self.notifier.delivered,
                "attempts": self.notifier.attempts,
                "pending": self.notifier.pending(),
                "abandoned": self.notifier.abandoned,
            }
        return snapshot


class EmulatorServer(wsgi.Server):
    """
    cheroot's WSGI server, bound as soon as it is made (server_port is the real port, also for
    port 0). It keeps HTTP/1.1 connections alive as Salesforce and NetSuite do, so a client that
    reuses its connections pays for one TCP (and TLS) handshake, not one per call as with
    werkzeug's development server, which closes every connection. Idle connections wait in a
    selector, not in a thread: the threads bound the requests handled at once, enough for the
    bursts the concurrency limit is tested with.
    """

    THREADS = 64
    # Idle connections are closed after this long; longer than the gaps in a test or benchmark,
    # so a client seldom races the server's close with its next request.
    IDLE_TIMEOUT_SECONDS = 60

    def __init__(self, app: EmulatorApp, host: str, port: int, ssl_adapter: Any = None) -> None:
        super().__init__(
            (host, port),
            app,
            numthreads=self.THREADS,
            max=self.THREADS,
            request_queue_size=128,  # a burst of new connections is not dropped at accept
            timeout=self.IDLE_TIMEOUT_SECONDS,
        )
        self.ssl_adapter = ssl_adapter
        self.keep_alive_conn_limit = None  # every client thread keeps its connection
        self.prepare()

    @property
    def server_port(self) -> int:
        return self.bind_addr[1]


class RunningEmulator:
    """An emulator served from a background thread (tests and `make run`)."""

    def __init__(self, app: EmulatorApp, server: EmulatorServer, scheme: str) -> None:
        self.app = app
        self.server = server
        self.url = f"{scheme}://127.0.0.1:{server.server_port}"
        self.thread = threading.Thread(target=server.serve, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.app.notifier:
            self.app.notifier.stop()
        self.server.stop()


def make_emulator_server(
    app: EmulatorApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ca_out: str | None = None,
    keep_ca: bool = False,
) -> tuple[EmulatorServer, str]:
    """
    A bound server for app (serve() it, stop() it); HTTPS with a local CA written to ca_out
    when given: a fresh one, or with keep_ca the one an earlier run left there.
    """
    ssl_adapter = None
    if ca_out:
        from .tls import make_ssl_adapter

        ssl_adapter = make_ssl_adapter(ca_out, keep=keep_ca)
    return EmulatorServer(app, host, port, ssl_adapter), "https" if ca_out else "http"


def start_emulator(
    app: EmulatorApp, *, port: int = 0, ca_out: str | None = None, keep_ca: bool = False
) -> RunningEmulator:
    server, scheme = make_emulator_server(app, port=port, ca_out=ca_out, keep_ca=keep_ca)
    return RunningEmulator(app, server, scheme)
