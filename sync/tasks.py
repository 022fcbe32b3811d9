"""Celery tasks: thin wrappers that take primary keys and call one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="sync.tasks.run_job")
def run_job(job_id: int) -> None:
    services.job_run(job_id=job_id)


@shared_task(name="sync.tasks.sweep")
def sweep() -> dict:
    return services.jobs_sweep()
