"""The Celery tasks: run a job row by id, exactly once in effect (`jobs.runner`), and sweep."""

from __future__ import annotations

from typing import Any

from openbwv.jobs import runner, sweeper
from openbwv.jobs.celery_app import get_celery

celery = get_celery()


@celery.task(name="openbwv.run_job", bind=True, acks_late=True, max_retries=None)
def run_job(self: Any, job_id: str) -> str:
    return runner.run(job_id)


@celery.task(name="openbwv.sweep")
def sweep_task() -> int:
    return sweeper.sweep_once()
