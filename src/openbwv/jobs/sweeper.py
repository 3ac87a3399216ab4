"""The sweeper: recovers lost work after crashes and runs periodic maintenance.

Every worker runs it in a background thread (it is safe to run many at once: claims are atomic).
It re-queues jobs whose worker died mid-run (their lease ran out) and, with a broker, re-sends jobs
whose message may have been lost (a crash between commit and send, a broker that dropped an
unacknowledged message), then runs each registered maintenance hook (e.g. expiring abandoned
uploads).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.jobs import service, wakeup
from openbwv.jobs.models import JobState
from openbwv.logging import get_logger
from openbwv.timeutil import utcnow

log = get_logger(__name__)
_hooks: list[Callable[[], int]] = []


def maintenance(hook: Callable[[], int]) -> Callable[[], int]:
    """Register a periodic hook (domains do, through their installs); it returns how many things
    it handled. Registering the same hook twice keeps one."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def resend_stale_jobs(sent_before: datetime | None = None) -> int:
    """Re-send jobs whose message may be lost; with `sent_before`, every pending job last sent
    before then, however recently (a worker starting recovers what a crash left unsent)."""
    to_send: list[tuple[str, str]] = []
    with unit_of_work() as session:
        for job in service.stale_jobs(session, sent_before=sent_before):
            if job.state == JobState.RUNNING:
                job.state = JobState.PENDING
                job.lease_until = None
            job.enqueued_at = utcnow()
            to_send.append((str(job.id), job.queue))
    if get_settings().database_queue and to_send:
        wakeup.notify()  # the rows are the queue: one hint for all of them
    else:
        for job_id, queue in to_send:
            service.send(uuid.UUID(job_id), queue)
    if to_send:
        log.info("re-sent stale jobs", count=len(to_send))
    return len(to_send)


def sweep_once() -> int:
    handled = resend_stale_jobs()
    for hook in _hooks:
        try:
            handled += hook()
        except Exception:
            log.exception("maintenance hook failed", hook=hook.__name__)
    return handled


class SweeperThread(threading.Thread):
    def __init__(self, interval: float | None = None) -> None:
        super().__init__(name="openbwv-sweeper", daemon=True)
        self.interval = interval or get_settings().sweep_interval_seconds
        self.stop_event = threading.Event()

    def run(self) -> None:
        started = utcnow()
        try:
            # (Without a broker this finds only expired leases: pending rows need no message.)
            # Work pending when this worker started may have lost its message in the crash that
            # the start recovers from: waiting for the stale horizon would leave it idle.
            resend_stale_jobs(sent_before=started)
        except Exception:
            log.exception("start-up recovery failed")
        while True:
            try:
                sweep_once()
            except Exception:
                log.exception("sweep failed")
            if self.stop_event.wait(self.interval):
                return

    def stop(self) -> None:
        self.stop_event.set()
