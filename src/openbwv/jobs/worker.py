"""The broker-less worker (the embedded default): slots claim job rows themselves.

Each of `concurrency` slot threads claims the oldest ready job of its queues (`service.claim_next`,
one conditional UPDATE), runs it (`runner.run_claimed`) and claims again at once; when nothing is
ready it sleeps until a wake-up hint (`jobs.wakeup`: a datagram sent after a job commits), the
next delayed job's `not_before`, or the fallback poll, whichever comes first. The fallback only
matters when a hint is lost or the job was committed on another machine (a broker-less
PostgreSQL deployment with workers elsewhere).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from types import FrameType

from sqlalchemy.orm import Session

from openbwv.config import get_settings
from openbwv.db.session import read_only_unit_of_work, unit_of_work
from openbwv.jobs import runner, service
from openbwv.jobs.models import Job
from openbwv.jobs.sweeper import SweeperThread
from openbwv.jobs.wakeup import WakeSocket
from openbwv.logging import get_logger
from openbwv.timeutil import utcnow

log = get_logger(__name__)


class Hints:
    """A counter of wake-ups: a slot waits for it to move past what it saw before its failed
    claim, so a hint arriving between the claim and the wait is never missed."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.count = 0

    def bump(self) -> None:
        with self.condition:
            self.count += 1
            self.condition.notify_all()

    def wait_past(self, seen: int, timeout: float) -> None:
        with self.condition:
            self.condition.wait_for(lambda: self.count != seen, timeout=timeout)


class LocalWorker:
    def __init__(self, concurrency: int, queues: Sequence[str]) -> None:
        self.concurrency = concurrency
        self.queues = tuple(queues)
        self.hints = Hints()
        self.stopping = threading.Event()
        self.socket = WakeSocket()
        self.poll_seconds = get_settings().worker_poll_seconds

    def run(self) -> None:
        """Until SIGTERM or SIGINT; then the running jobs finish (a warm shutdown)."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        listener = threading.Thread(target=self._listen, name="wake-listener", daemon=True)
        listener.start()
        sweeper = SweeperThread()
        sweeper.start()
        slots = [
            threading.Thread(target=self._slot, name=f"job-slot-{n}")
            for n in range(self.concurrency)
        ]
        for slot in slots:
            slot.start()
        log.info("worker ready", concurrency=self.concurrency, queues=",".join(self.queues))
        self.stopping.wait()
        for slot in slots:
            slot.join()
        sweeper.stop()
        self.socket.close()

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping.set()
        self.hints.bump()

    def _listen(self) -> None:
        while not self.stopping.is_set():
            if self.socket.wait(self.poll_seconds):
                self.hints.bump()

    def _slot(self) -> None:
        job: Job | None = None
        while True:
            if job is None:
                if self.stopping.is_set():
                    return
                seen = self.hints.count
                job = self._claim()
                if job is None:
                    self.hints.wait_past(seen, self._idle_seconds())
                    continue
            # The transaction that finishes this job claims the next (none once stopping).
            job = runner.run_claimed(job, self._claim_next).next_job

    def _claim_next(self, session: Session) -> Job | None:
        if self.stopping.is_set():
            return None
        return service.claim_next(session, self.queues)

    def _claim(self) -> Job | None:
        try:
            with unit_of_work() as session:
                job = service.claim_next(session, self.queues)
                if job is not None:
                    session.expunge(job)
            return job
        except Exception:
            log.exception("claiming a job failed")
            return None

    def _idle_seconds(self) -> float:
        """Until the next delayed job is due, at most the fallback poll."""
        try:
            with read_only_unit_of_work() as session:
                due = service.next_ready_at(session, self.queues)
        except Exception:
            return self.poll_seconds
        if due is None:
            return self.poll_seconds
        wait = (due - utcnow()).total_seconds()
        return min(self.poll_seconds, max(0.01, wait))
