"""`bwv serve --quiet`: the console says where the platform is and how processing is going, in a
line or two; everything else goes to the log files.

A thread in the serving process waits for the API to answer health, prints the address once,
then reports the job outbox's counts whenever they change: rewritten in place on a terminal, one
line per change (at most every `PIPE_INTERVAL` seconds) when the console is a file or a pipe."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

import httpx
from sqlalchemy.exc import SQLAlchemyError

from openbwv.db.session import unit_of_work
from openbwv.jobs.models import JobState
from openbwv.jobs.queries import counts_by_state

POLL_SECONDS = 2.0
PIPE_INTERVAL = 10.0
# Listening on every interface: the console points at loopback (nothing here binds).
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


def describe(counts: dict[str, int]) -> str:
    """One line: e.g. 'Processing: 12 of 40 jobs done, 3 running, 25 waiting'."""
    done = counts.get(JobState.DONE, 0)
    failed = counts.get(JobState.FAILED, 0)
    running = counts.get(JobState.RUNNING, 0)
    waiting = counts.get(JobState.PENDING, 0)
    total = done + failed + running + waiting
    if total == 0:
        return "Processing: no jobs yet"
    if running == waiting == 0:
        line = f"Processing: all {total} jobs finished"
    else:
        line = f"Processing: {done} of {total} jobs done, {running} running, {waiting} waiting"
    if failed:
        line += f", {failed} failed (see the worker log)"
    return line


def base_url(host: str, port: int) -> str:
    shown = WILDCARDS.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


class ConsoleProgress(threading.Thread):
    """Prints the ready line, then the progress line, until `stop()`."""

    def __init__(
        self,
        url: str,
        logs: str,
        stream: TextIO | None = None,
        counts: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        super().__init__(name="console-progress", daemon=True)
        self.url = url
        self.logs = logs
        self.stream = stream or sys.stdout
        self.counts = counts or _outbox_counts
        self._stop = threading.Event()
        self._tty = self.stream.isatty()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        if not self._wait_until_ready():
            return
        self._print(f"openbwv is running at {self.url}/ (sign in at {self.url}/sign-in)")
        self._print(f"Logs: {self.logs}. Press Ctrl+C to stop.")
        last, last_at = "", 0.0
        while not self._stop.is_set():
            try:
                line = describe(self.counts())
            except SQLAlchemyError:  # a busy or still-migrating database: try again
                line = last
            due = self._tty or time.monotonic() - last_at >= PIPE_INTERVAL
            if line != last and (due or "finished" in line):
                self._show(line)
                last, last_at = line, time.monotonic()
            self._stop.wait(POLL_SECONDS)
        if self._tty and last:
            self.stream.write("\n")

    def _wait_until_ready(self) -> bool:
        while not self._stop.is_set():
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            self._stop.wait(0.5)
        return False

    def _print(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def _show(self, line: str) -> None:
        if self._tty:
            self.stream.write("\r\x1b[2K" + line)  # rewrite the line in place
            self.stream.flush()
        else:
            self._print(line)


def _outbox_counts() -> dict[str, int]:
    with unit_of_work() as session:
        return counts_by_state(session)
