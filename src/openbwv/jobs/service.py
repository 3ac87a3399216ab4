"""Creating, enqueueing, claiming and finishing jobs.

Jobs are rows written in the same transaction as the work that needs them (an outbox). After that
transaction commits, the job is announced: with a broker, a Celery message carrying its id; without
one (the embedded default), a wake-up hint to the local workers, which claim the oldest ready row
of their queues themselves (`claim_next`). Either way a worker claims a job with a conditional
UPDATE, so duplicated or redelivered messages never run a job twice at once, and a finished job is
never run again. A lease (renewed while a long job runs) lets the sweeper recover jobs from crashed
workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from openbwv.config import Settings, get_settings
from openbwv.db.session import after_commit
from openbwv.jobs import registry, wakeup
from openbwv.jobs.celery_app import get_celery
from openbwv.jobs.models import Job, JobState
from openbwv.timeutil import utcnow

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
RUN_JOB = "openbwv.run_job"
WAKE_KEY = "openbwv_wake_workers"


def params_digest(params: dict[str, Any]) -> str:
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def dedupe_key(kind: str, evidence_id: uuid.UUID | None, params: dict[str, Any]) -> str:
    return f"{kind}:{evidence_id or '-'}:{params_digest(params)[:32]}"


def ensure_job(
    session: Session,
    kind: str,
    evidence_id: uuid.UUID | None = None,
    params: dict[str, Any] | None = None,
    *,
    not_before: datetime | None = None,
) -> Job:
    """The job for (kind, evidence, params), created if new and enqueued after commit; one with
    `not_before` runs no earlier (a local worker's claim skips it until then, a Celery message
    is sent with that countdown)."""
    params = params or {}
    key = dedupe_key(kind, evidence_id, params)
    existing = session.scalar(select(Job).where(Job.dedupe_key == key))
    if existing is not None:
        return existing
    job = Job(
        kind=kind,
        evidence_id=evidence_id,
        params=params,
        dedupe_key=key,
        queue=registry.queue_for(kind),
        enqueued_at=utcnow(),
        not_before=not_before,
    )
    session.add(job)
    session.flush()
    job_id, queue = job.id, job.queue
    if get_settings().database_queue:
        _wake_after_commit(session)
    else:
        after_commit(session, lambda: send(job_id, queue, _countdown(not_before)))
    return job


def _countdown(not_before: datetime | None) -> float | None:
    if not_before is None:
        return None
    return max(0.0, (not_before - utcnow()).total_seconds())


def _wake_after_commit(session: Session) -> None:
    # One hint per transaction, however many jobs it created: a worker's claim pass takes them all.
    if not session.info.get(WAKE_KEY):
        session.info[WAKE_KEY] = True
        after_commit(session, wakeup.notify)


def send(job_id: uuid.UUID, queue: str, countdown: float | None = None) -> None:
    """Announce a committed job: its message to the broker, or a hint to the local workers (the
    row itself is the queue there, and a retry's delay is its `not_before`)."""
    if get_settings().database_queue:
        wakeup.notify()
        return
    get_celery().send_task(RUN_JOB, args=[str(job_id)], queue=queue, countdown=countdown)


def claim(session: Session, job_id: uuid.UUID, settings: Settings | None = None) -> Job | None:
    """Take the job if it is pending (or its runner's lease ran out). None: someone has it/done."""
    settings = settings or get_settings()
    now = utcnow()
    claimable = or_(
        Job.state == JobState.PENDING,
        (Job.state == JobState.RUNNING) & (Job.lease_until < now),
    )
    # `not_before` is not checked here: a retry's message is itself delayed (countdown), and a
    # message arriving a moment early must not strand the job until the sweeper's next pass.
    return session.scalar(
        update(Job)
        .where(Job.id == job_id, claimable)
        .values(**_running(now, settings))
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


def claim_next(
    session: Session, queues: Sequence[str], settings: Settings | None = None
) -> Job | None:
    """Take the oldest ready job of `queues` (pending, past its `not_before`); None when there is
    none. One statement: on SQLite the transaction already holds the write lock (BEGIN
    IMMEDIATE), on PostgreSQL `SKIP LOCKED` lets concurrent workers take different rows."""
    settings = settings or get_settings()
    now = utcnow()
    oldest_ready = (
        select(Job.id)
        .where(
            Job.state == JobState.PENDING,
            Job.queue.in_(queues),
            or_(Job.not_before.is_(None), Job.not_before <= now),
        )
        .order_by(Job.enqueued_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return session.scalar(
        update(Job)
        .where(Job.id == oldest_ready, Job.state == JobState.PENDING)
        .values(**_running(now, settings))
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


def next_ready_at(session: Session, queues: Sequence[str]) -> datetime | None:
    """When the next delayed job of `queues` (a retry's backoff) becomes ready, if any."""
    return session.scalar(
        select(func.min(Job.not_before)).where(
            Job.state == JobState.PENDING, Job.queue.in_(queues), Job.not_before > utcnow()
        )
    )


def _running(now: datetime, settings: Settings) -> dict[str, Any]:
    return {
        "state": JobState.RUNNING,
        "lease_until": now + timedelta(seconds=settings.job_lease_seconds),
        "lease_owner": WORKER_ID,
        "started_at": now,
        "attempts": Job.attempts + 1,
        "updated_at": now,
    }


def renew_leases(
    session: Session, job_ids: Sequence[uuid.UUID], settings: Settings | None = None
) -> int:
    """Extend the leases of jobs this worker still runs; how many it still held."""
    settings = settings or get_settings()
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id.in_(job_ids), Job.state == JobState.RUNNING, Job.lease_owner == WORKER_ID)
        .values(lease_until=now + timedelta(seconds=settings.job_lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def complete(session: Session, job: Job, result: dict[str, Any] | None) -> None:
    job.state = JobState.DONE
    job.completed_at = utcnow()
    job.lease_until = None
    job.result = result
    job.last_error = None


def backoff_seconds(attempts: int, base: float = 5.0) -> float:
    """Exponential backoff: base, 2×base, 4×base … capped at ten minutes."""
    return float(min(600.0, 2 ** max(0, attempts - 1) * base))


def record_failure(
    session: Session, job_id: uuid.UUID, error: str, settings: Settings | None = None
) -> tuple[bool, float]:
    """Note a failed attempt. Returns (will_retry, delay_seconds)."""
    settings = settings or get_settings()
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        return False, 0.0
    job.last_error = error[:4000]
    job.lease_until = None
    if job.attempts >= settings.job_max_attempts:
        job.state = JobState.FAILED
        job.completed_at = utcnow()
        give_up = registry.kind(job.kind).give_up
        if give_up is not None:
            give_up(session, job)
        return False, 0.0
    delay = backoff_seconds(job.attempts, settings.job_retry_base_seconds)
    job.state = JobState.PENDING
    job.not_before = utcnow() + timedelta(seconds=delay)
    job.enqueued_at = utcnow()
    return True, delay


def stale_jobs(
    session: Session,
    settings: Settings | None = None,
    limit: int = 500,
    sent_before: datetime | None = None,
) -> list[Job]:
    """Jobs whose message may be lost: pending and not (re)sent since `sent_before` (default: the
    stale horizon ago), or running past their lease (its worker died)."""
    settings = settings or get_settings()
    now = utcnow()
    horizon = sent_before or now - timedelta(seconds=settings.resolved_job_stale_seconds)
    lost_worker = (Job.state == JobState.RUNNING) & (Job.lease_until < now)
    lost_message = (
        (Job.state == JobState.PENDING)
        & (Job.enqueued_at < horizon)
        & or_(Job.not_before.is_(None), Job.not_before <= now)
    )
    # Without a broker there is no message to lose: a pending row is claimed where it is.
    stale = lost_worker if settings.database_queue else or_(lost_message, lost_worker)
    query = select(Job).where(stale).order_by(Job.created_at).limit(limit)
    return list(session.scalars(query))


def claim_for_finish(session: Session, job_id: uuid.UUID) -> Job | None:
    """The job, if this worker still holds it; None when a sweeper gave it to another worker."""
    job = session.get(Job, job_id, populate_existing=True, with_for_update=True)
    if job is None or job.state != JobState.RUNNING or job.lease_owner != WORKER_ID:
        return None
    return job
