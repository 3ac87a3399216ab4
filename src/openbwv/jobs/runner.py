"""Running one job row by id, exactly once in effect: claim it, run its handler while a lease
is kept, finish it in its own transaction, or record the failure and send a retry. The Celery
task (`jobs.tasks`) calls this; so may a command that runs a job in its own process (`bwv
redact`), without building the Celery app and so without reading the broker's settings."""

from __future__ import annotations

import threading
import traceback
import uuid

from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.jobs import registry, service
from openbwv.logging import get_logger

log = get_logger(__name__)


class _LeaseKeeper:
    """Renews a running job's lease until stopped, so the sweeper leaves live jobs alone."""

    def __init__(self, job_id: uuid.UUID) -> None:
        self.job_id = job_id
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"lease-{job_id}", daemon=True)

    def _run(self) -> None:
        interval = max(1.0, get_settings().job_lease_seconds / 3)
        while not self.stop_event.wait(interval):
            try:
                with unit_of_work() as session:
                    service.renew_lease(session, self.job_id)
            except Exception:  # keep renewing; a missed renewal only risks a duplicate run
                log.warning("lease renewal failed", job_id=str(self.job_id))

    def __enter__(self) -> _LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_event.set()
        self.thread.join()


def run(job_id: str) -> str:
    """ "done", "failed", "retrying", "superseded", or "skipped" (claimed elsewhere or finished)."""
    job_uuid = uuid.UUID(job_id)
    with unit_of_work() as session:
        job = service.claim(session, job_uuid)
        if job is not None:
            session.expunge(job)
    if job is None:
        return "skipped"
    log.info("job started", job_id=job_id, kind=job.kind, attempt=job.attempts)
    try:
        with _LeaseKeeper(job_uuid):
            finish = registry.kind(job.kind).handler(job)
        with unit_of_work() as session:
            owned = service.claim_for_finish(session, job_uuid)
            if owned is None:
                return "superseded"
            result = finish(session)
            service.complete(session, owned, result)
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.warning("job failed", job_id=job_id, kind=job.kind, error=error)
        with unit_of_work() as session:
            retry, delay = service.record_failure(session, job_uuid, error)
        if retry:
            service.send(job_uuid, job.queue, countdown=delay)
            return "retrying"
        return "failed"
    log.info("job done", job_id=job_id, kind=job.kind)
    return "done"
