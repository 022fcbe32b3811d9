"""Celery tasks: thin wrappers that take primary keys and call one service."""

from __future__ import annotations

from celery import shared_task

from . import outbox


@shared_task(name="sync.tasks.run_job")
def run_job(job_id: int) -> None:
    outbox.job_run(job_id=job_id)


@shared_task(name="sync.tasks.sweep")
def sweep() -> dict:
    return outbox.jobs_sweep()
