"""Running one job row, exactly once in effect: claim it, run its handler while a lease is kept,
finish it in its own transaction, or record the failure and announce the retry. Two transactions
per job (claim, finish), plus a lease renewal only while a job runs longer than a third of its
lease. The Celery task (`jobs.tasks`) calls `run` with a message's job id; the broker-less worker
(`jobs.worker`) claims rows itself and calls `run_claimed`; so may a command that runs a job in
its own process (`bwv redact`), without building the Celery app."""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.jobs import registry, service
from openbwv.jobs.models import Job
from openbwv.logging import get_logger

log = get_logger(__name__)


class _Leases:
    """Keeps the leases of this process's running jobs, so the sweeper leaves live jobs alone.

    One thread for the process, started on first use, renews in one statement every job that has
    run a third of its lease: most jobs finish well before and cost no renewal at all (a thread or
    a transaction per short job would cost more than the job's own bookkeeping)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: dict[uuid.UUID, float] = {}  # job → when its lease was last set
        self.thread: threading.Thread | None = None

    @contextmanager
    def held(self, job_id: uuid.UUID) -> Iterator[None]:
        with self.lock:
            self.started[job_id] = time.monotonic()
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="leases", daemon=True)
                self.thread.start()
        try:
            yield
        finally:
            with self.lock:
                self.started.pop(job_id, None)

    def _run(self) -> None:
        while True:
            interval = max(1.0, get_settings().job_lease_seconds / 3)
            time.sleep(interval / 4)  # a lease is renewed between 1/3 and 5/12 of its length
            now = time.monotonic()
            with self.lock:
                due = [job for job, at in self.started.items() if now - at >= interval]
            if not due:
                continue
            try:
                with unit_of_work() as session:
                    service.renew_leases(session, due)
            except Exception:  # keep renewing; a missed renewal only risks a duplicate run
                log.warning("lease renewal failed", jobs=len(due))
                continue
            with self.lock:
                for job in due:
                    if job in self.started:
                        self.started[job] = now


_leases = _Leases()


def run(job_id: str) -> str:
    """ "done", "failed", "retrying", "superseded", or "skipped" (claimed elsewhere or finished)."""
    job_uuid = uuid.UUID(job_id)
    with unit_of_work() as session:
        job = service.claim(session, job_uuid)
        if job is not None:
            session.expunge(job)
    if job is None:
        return "skipped"
    return run_claimed(job).status


@dataclass(frozen=True)
class Outcome:
    status: str  # "done", "failed", "retrying" or "superseded"
    next_job: Job | None = None  # claimed by `claim_next` in the same transaction


ClaimNext = Callable[[Session], Job | None]


def run_claimed(job: Job, claim_next: ClaimNext | None = None) -> Outcome:
    """Run a job this worker has claimed (detached from its session). `claim_next`, given, runs
    in the transaction that finishes this one (or records its failure) and claims the worker's
    next job there: one transaction per job in a busy worker instead of two."""
    job_id, job_uuid = str(job.id), job.id
    log.info("job started", job_id=job_id, kind=job.kind, attempt=job.attempts)
    try:
        with _leases.held(job_uuid):
            finish = registry.kind(job.kind).handler(job)
        with unit_of_work() as session:
            owned = service.claim_for_finish(session, job_uuid)
            if owned is None:
                return Outcome("superseded", _next(session, claim_next))
            service.complete(session, owned, finish(session))
            next_job = _next(session, claim_next)
    except Exception as exc:
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.warning("job failed", job_id=job_id, kind=job.kind, error=error)
        with unit_of_work() as session:
            retry, delay = service.record_failure(session, job_uuid, error)
            next_job = _next(session, claim_next)
        if retry:
            service.send(job_uuid, job.queue, countdown=delay)
            return Outcome("retrying", next_job)
        return Outcome("failed", next_job)
    log.info("job done", job_id=job_id, kind=job.kind)
    return Outcome("done", next_job)


def _next(session: Session, claim_next: ClaimNext | None) -> Job | None:
    if claim_next is None:
        return None
    job = claim_next(session)
    if job is not None:
        session.flush()
        session.expunge(job)
    return job
