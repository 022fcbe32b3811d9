"""The Celery application. Tasks live in each app's tasks.py and are found by autodiscovery."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfns.settings")

logger = logging.getLogger(__name__)

app = Celery("sfns")
# Every CELERY_* Django setting configures the app (see the Celery block in settings.py).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def cpu_priority_lower(nice: int) -> None:
    """
    Give the CPU to the web first: this process (and what it starts) runs `nice` steps lower.
    On Linux with autogroups (CONFIG_SCHED_AUTOGROUP, on in most distribution kernels), the
    processes of different sessions share the CPU by session whatever their nice values, and a
    process manager starts each process in a session of its own: a worker that leads its
    session lowers the session's share too. (Under systemd, whose units are control groups,
    CPUWeight= on the unit is the knob; this does no harm there.)
    """
    if nice <= 0:
        return
    os.nice(nice)
    if os.getsid(0) == os.getpid():  # its own session: nothing else shares the group
        with contextlib.suppress(OSError):  # no autogroups here, or not Linux
            Path("/proc/self/autogroup").write_text(str(nice))
    logger.info("CPU priority lowered by %d (SFNS_WORKER_NICE)", nice)


@worker_init.connect
def _worker_yields_the_cpu(**_: object) -> None:
    from django.conf import settings

    cpu_priority_lower(settings.SFNS_WORKER_NICE)


@task_prerun.connect
@task_postrun.connect
def _connections_kept_as_for_a_request(sender: object = None, **_: object) -> None:
    """
    A task is to the worker what a request is to the web: before and after one, the database
    connections past CONN_MAX_AGE or broken (a restarted PostgreSQL) are closed, the rest kept
    (the next use checks them first: CONN_HEALTH_CHECKS). Celery's Django fixup closes them
    all around every task whatever CONN_MAX_AGE says (celery/celery#9824: a new PostgreSQL
    connection per task); CELERY_DB_REUSE_MAX makes it do so only every that many tasks.
    """
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # in the caller's thread: its connection is the caller's to manage
    from django.db import close_old_connections

    close_old_connections()
