"""Group commit: small writes from many threads made durable together, one commit for all.

A read of evidence changes nothing but its audit event, and that event must be durable before
the read's data leaves. With SQLite's `synchronous=FULL` (no data loss on power failure) every
commit waits for an fsync — about 4 ms on the reference machine — and SQLite has one writer,
so one commit per read caps a whole machine at a few hundred reads a second however many
processes serve them. Here the writes submitted while a commit is under way wait for it and
then share the next one: a lone write costs one commit, as before; fifty at once cost one or
two.

`submit(write)` runs `write(session)` in the process's committing thread, inside a savepoint of
the batch's transaction (a write that raises is rolled back alone and its error re-raised in
the caller), and returns once the batch has committed — or raises if the commit failed, so the
caller never acts as if it were recorded when it is not.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openbwv.config import Settings, get_settings
from openbwv.db.session import unit_of_work

Write = Callable[[Session], Any]
MAX_BATCH = 500  # writes in one transaction at most (a bound on its size, never reached alone)


@dataclass(frozen=True)
class _Pending:
    settings: Settings
    write: Write
    done: Future[Any]


class GroupCommitter:
    """One committing thread per process, started on first use (and again after a fork)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None

    def submit(self, write: Write, settings: Settings | None = None) -> Any:
        """Run `write` in the next group commit; its result once that commit is durable."""
        self._ensure_thread()
        done: Future[Any] = Future()
        self._queue.put(_Pending(settings or get_settings(), write, done))
        return done.result()

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()  # a forked child starts with none pending
                threading.Thread(target=self._run, name="group-commit", daemon=True).start()
                self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_database: dict[str, list[_Pending]] = {}
            for pending in batch:
                url = pending.settings.resolved_database_url
                by_database.setdefault(url, []).append(pending)
            for group in by_database.values():
                _commit(group)


def _commit(group: list[_Pending]) -> None:
    results: list[tuple[_Pending, Any]] = []
    try:
        with unit_of_work(group[0].settings) as session:
            for pending in group:
                try:
                    with session.begin_nested():
                        results.append((pending, pending.write(session)))
                except Exception as error:  # handed to its caller, alone
                    pending.done.set_exception(error)
    except BaseException as error:  # the commit failed: nobody's write is durable
        for pending, _ in results:
            pending.done.set_exception(error)
        if not isinstance(error, Exception):
            raise
        return
    for pending, result in results:
        pending.done.set_result(result)


_committer = GroupCommitter()


def submit(write: Write, settings: Settings | None = None) -> Any:
    """`write(session)` made durable in the next group commit; see the module's docstring."""
    return _committer.submit(write, settings)
