"""Workers without a broker claim job rows themselves (jobs.worker): on SQLite (embedded) and on
PostgreSQL with `SKIP LOCKED` (scaled, here run broker-less). Real worker processes, real jobs
(thumbnails of a real clip) on queues of the test's own, so the session's worker never takes
them; every wait has a deadline and asserts on the job rows' recorded events."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from openbwv.config import reset_settings
from openbwv.db.session import unit_of_work
from openbwv.jobs import wakeup
from openbwv.jobs.models import Job, JobState
from openbwv.jobs.service import dedupe_key
from openbwv.timeutil import utcnow
from tests.support.evidence import ingest, wait_processed
from tests.support.stack import Stack
from tests.support.waiting import wait_until

NO_BROKER = {"BWV_BROKER_URL": ""}
QUEUE = f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def item(live_server: str, admin_token: str, tmp_path_factory: pytest.TempPathFactory) -> uuid.UUID:
    """A processed item (made before this module goes broker-less): thumbnails jobs on it are
    real work, idempotent in effect."""
    from openbwv.media.synth import make_clip

    clip = make_clip(tmp_path_factory.mktemp("claiming") / "clip.mp4", seconds=2, seed=4242)
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as api:
        return uuid.UUID(wait_processed(api, ingest(api, clip))["id"])


@pytest.fixture(scope="module")
def workers(stack: Stack, item: uuid.UUID) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two broker-less workers on the module's own queue (the session's worker never takes its
    jobs), polling once in ten minutes: within a test's deadline only a wake-up, or a delayed
    job's `not_before`, starts a job. This process is broker-less too while the module runs.
    Scaled, the session's Celery worker is stopped meanwhile: its sweeper would recover a crashed
    job by a message on a queue no Celery worker reads, and wake no broker-less worker (a mixed
    deployment nobody runs)."""
    celery_worker = stack.scaled and bool(stack.workers)
    if celery_worker:
        stack.stop_workers()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BWV_BROKER_URL", "")
        reset_settings()
        started = [start(stack) for _ in range(2)]
        yield started
        for process in started:
            if process in stack.workers:
                stop(stack, process)
    reset_settings()
    if celery_worker:
        stack.start_worker()


def start(stack: Stack) -> subprocess.Popen[bytes]:
    process = stack.start_worker(
        NO_BROKER,
        {"BWV_WORKER_POLL_SECONDS": "600"},
        args=("--concurrency", "2", "--queues", QUEUE),
    )
    wake = wakeup.wake_folder() / f"{process.pid}{wakeup.SOCKET_SUFFIX}"
    wait_until(wake.exists, timeout=60, what="the worker to listen for wake-ups")
    return process


def stop(stack: Stack, process: subprocess.Popen[bytes]) -> None:
    stack.workers.remove(process)
    process.terminate()
    process.wait(30)


def worker_id(process: subprocess.Popen[bytes]) -> str:
    return f"{socket.gethostname()}:{process.pid}"


def add_jobs(
    item: uuid.UUID, queue: str, count: int, *, not_before: datetime | None = None
) -> list[uuid.UUID]:
    """Thumbnails jobs for the item on `queue`, committed together (and announced after)."""
    ids = []
    with unit_of_work() as session:
        for n in range(count):
            params = {"test": uuid.uuid4().hex, "n": n}
            job = Job(
                kind="thumbnails",
                evidence_id=item,
                params=params,
                dedupe_key=dedupe_key("thumbnails", item, params),
                queue=queue,
                enqueued_at=utcnow(),
                not_before=not_before,
            )
            session.add(job)
            session.flush()
            ids.append(job.id)
    wakeup.notify()
    return ids


def jobs(ids: list[uuid.UUID]) -> list[Job]:
    with unit_of_work() as session:
        return list(session.scalars(select(Job).where(Job.id.in_(ids))))


def all_done(ids: list[uuid.UUID]) -> list[Job]:
    """The jobs once every one is done; empty (keep waiting) until then."""
    found = jobs(ids)
    return found if all(job.state == JobState.DONE for job in found) else []


def test_two_workers_never_run_one_job_at_once(
    item: uuid.UUID, workers: list[subprocess.Popen[bytes]]
) -> None:
    ids = add_jobs(item, QUEUE, 16)
    done = wait_until(lambda: all_done(ids), timeout=180, what="every job to finish")
    assert len(done) == 16
    assert all(job.attempts == 1 for job in done)  # each claimed once, by one worker
    assert {job.lease_owner for job in done} <= {worker_id(p) for p in workers}


def test_a_delayed_job_runs_at_its_not_before_and_not_earlier(
    item: uuid.UUID, workers: list[subprocess.Popen[bytes]]
) -> None:
    due = utcnow() + timedelta(seconds=1.5)
    (delayed,) = add_jobs(item, QUEUE, 1, not_before=due)
    (done,) = wait_until(lambda: all_done([delayed]), timeout=60, what="the delayed job")
    assert done.started_at is not None and done.started_at >= due and done.attempts == 1


def test_a_crashed_workers_job_is_recovered_by_the_sweeper(
    item: uuid.UUID, workers: list[subprocess.Popen[bytes]]
) -> None:
    (job_id,) = add_jobs(item, QUEUE, 1, not_before=utcnow() + timedelta(days=1))
    with unit_of_work() as session:  # as a worker that claimed it and died left it
        job = session.get(Job, job_id)
        assert job is not None
        job.state, job.attempts, job.not_before = JobState.RUNNING, 1, None
        job.lease_owner, job.lease_until = "gone-host:1", utcnow() - timedelta(seconds=1)
    (done,) = wait_until(lambda: all_done([job_id]), timeout=60, what="the job's recovery")
    assert done.attempts == 2 and done.lease_owner in {worker_id(p) for p in workers}


def test_a_new_job_starts_on_its_wake_up_not_on_a_poll(
    item: uuid.UUID, workers: list[subprocess.Popen[bytes]]
) -> None:
    """The workers poll once in ten minutes: only the wake-up sent after the commit
    (jobs.service.ensure_job) can start the job within the deadline."""
    from openbwv.jobs.service import ensure_job

    first = add_jobs(item, QUEUE, 1)
    wait_until(lambda: all_done(first), timeout=60, what="the first job")  # the workers idle
    with unit_of_work() as session:
        job = ensure_job(session, "thumbnails", item, {"test": uuid.uuid4().hex})
        job.queue = QUEUE
        job_id = job.id
    (done,) = wait_until(lambda: all_done([job_id]), timeout=60, what="the woken job")
    assert done.lease_owner in {worker_id(p) for p in workers} and done.attempts == 1


def test_a_dead_workers_wake_socket_is_removed_by_the_next_wake_up(stack: Stack) -> None:
    folder = wakeup.wake_folder()
    folder.mkdir(parents=True, exist_ok=True)
    wake = folder / f"999999999{wakeup.SOCKET_SUFFIX}"
    bind = "import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])"
    subprocess.run([sys.executable, "-c", bind, str(wake)], check=True)  # exits, file stays
    assert wake.exists()
    wakeup.notify()
    assert not wake.exists()
