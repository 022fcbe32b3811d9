"""
/healthz and /readyz for load balancers and orchestrators: unauthenticated, cheap, JSON.
Answered by a middleware placed first, so a probe by IP address over plain http is not
refused by ALLOWED_HOSTS nor redirected to https, and touches no session (nor django-axes).
They say nothing a stranger could use: no host names, no URLs, no error texts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .models import JobStatus, SyncJob

BROKER_TIMEOUT = 2.0  # seconds: a probe's own timeout is typically 5


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def database_check() -> dict[str, Any]:
    """The database answers a SELECT 1."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": _ms(started)}


def broker_check() -> dict[str, Any]:
    """
    The Celery broker accepts a connection. In the embedded mode (no CELERY_BROKER_URL) jobs
    run in-process: there is no broker to check. Only the transport's name is shown (the URL
    holds a host and maybe a password).
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    from kombu import Connection  # only where there is a broker to reach

    started = time.monotonic()
    broker = Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT,
        transport_options={
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "socket_connect_timeout": BROKER_TIMEOUT,
            "socket_timeout": BROKER_TIMEOUT,
        },
    )
    answer: dict[str, Any] = {"mode": "broker", "transport": broker.transport_cls}
    try:
        broker.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:  # any failure to connect is "not ready", whatever its class
        return {**answer, "ok": False, "error": type(exc).__name__}
    finally:
        broker.release()
    return {**answer, "ok": True, "ms": _ms(started)}


def queue_check() -> dict[str, Any]:
    """How many jobs wait (pending), and for how long the oldest has (seconds)."""
    pending = SyncJob.objects.filter(status=JobStatus.PENDING)
    found = pending.aggregate(oldest=Min("created_at"))
    oldest = found["oldest"]
    return {
        "pending": pending.count(),
        "oldest_pending_seconds": (
            round((timezone.now() - oldest).total_seconds(), 1) if oldest else None
        ),
    }


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests. Checks nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """
    Ready for traffic: the database and the broker answer (503 when either does not). The
    queue is reported, not judged: a backlog is the workers' concern, not the web's.
    """
    database = database_check()
    broker = broker_check()
    queue: dict[str, Any] | None = None
    if database["ok"]:
        try:
            queue = queue_check()
        except DatabaseError as exc:
            database = {"ok": False, "error": type(exc).__name__}
    ready = database["ok"] and broker["ok"]
    return JsonResponse(
        {
            "status": "ready" if ready else "unavailable",
            "database": database,
            "broker": broker,
            "queue": queue,
        },
        status=200 if ready else 503,
    )


PROBES: dict[str, Callable[[HttpRequest], JsonResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
}


class HealthMiddleware:
    """Answers the probes before any other middleware runs; passes everything else on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response: HttpResponse = JsonResponse(
                {"detail": f"{request.method} not allowed: GET or HEAD"}, status=405
            )
            response["Allow"] = "GET, HEAD"
        else:
            response = probe(request)
        response["Cache-Control"] = "no-store"
        return response
