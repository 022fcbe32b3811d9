"""
A worker keeps its PostgreSQL connections from one task to the next (CONN_MAX_AGE), as the web
does from one request to the next: Celery's Django fixup would open one per task.
"""

from __future__ import annotations

import pytest
from django.db import connection

from sync import outbox

from .conftest import wait_for

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def _others_connected() -> set[int]:
    """The backends connected to the test database, this test's own apart."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _run_a_task(worker) -> None:
    succeeded = worker.log.read_text().count("succeeded in")
    outbox.jobs_wake(job_ids=[])
    wait_for(
        lambda: worker.log.read_text().count("succeeded in") > succeeded,
        message="the task to finish",
    )


def test_a_worker_keeps_its_database_connection_from_one_task_to_the_next(celery_worker):
    _run_a_task(celery_worker)
    after_one = _others_connected()

    for _ in range(3):
        _run_a_task(celery_worker)

    assert after_one, "the worker closed its connection at the end of the task"
    assert after_one & _others_connected()
