"""Running a simulation: connect the systems, plan the period, then play it on a clock — each
dock at its (compressed) time hands its camera's recordings to its station's system controller,
which uploads a few at a time, retrying as a body worn system does.

Clips are encoded ahead of their dock in encoder processes, bounded so memory stays flat however
long the period. A recording that fails (retries exhausted, connection gone) is tried again
after a pause, as the system controller does at its next cycle, with the same bytes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from openbwv.ingest.axis.client import AxisClientError, RecordingSpec
from openbwv.simulate import agent
from openbwv.simulate.agent import Ledger, SentClip
from openbwv.simulate.config import SimConfig
from openbwv.simulate.credentials import local_credentials
from openbwv.simulate.faults import FaultLog
from openbwv.simulate.roster import FleetReader, Wearer, load_wearers
from openbwv.simulate.shifts import Dock, PlannedRecording, plan
from openbwv.simulate.systems import BodyWornSystem, connect_all, systems_for


@dataclass
class Stats:
    wearers: int = 0
    systems: int = 0
    encrypted_systems: int = 0
    docks: int = 0
    recordings: int = 0
    recordings_done: int = 0
    recordings_failed: int = 0
    recordings_rejected: int = 0
    recording_retries: int = 0
    clips: int = 0
    bytes: int = 0
    encrypted_clips: int = 0
    first_sent: float | None = None
    last_stored: float | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    faults: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def upload_seconds(self) -> float:
        if self.first_sent is None or self.last_stored is None:
            return 0.0
        return max(self.last_stored - self.first_sent, 1e-6)

    @property
    def clips_per_second(self) -> float:
        return self.clips / self.upload_seconds if self.upload_seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes / 1e6 / self.upload_seconds if self.upload_seconds else 0.0

    @property
    def request_retries(self) -> int:
        return sum(self.faults.get(k, 0) for k in ("drop", "lost_reply", "busy", "destination_503"))


@dataclass
class Job:
    recording: PlannedRecording
    system: BodyWornSystem
    bodies: Future[list[bytes]]
    docked_at: float = 0.0
    attempts: int = 0
    spec: RecordingSpec | None = None
    entries: list[SentClip] = field(default_factory=list)
    release: Callable[[], None] | None = None  # frees its place among the clips encoded ahead


class Simulation:
    def __init__(
        self,
        config: SimConfig,
        wearers: list[Wearer],
        connections: dict[str, dict[str, Any]],
        *,
        prerecord: bool = False,
        progress: Callable[[Stats, datetime], None] | None = None,
    ) -> None:
        config.check()
        self.config, self.prerecord, self.progress = config, prerecord, progress
        self.faults = FaultLog(each_once=config.each_fault_once and config.faults > 0)
        self.ledger = Ledger()
        self.stats = Stats(wearers=len(wearers))
        self.systems = systems_for(wearers, connections, config)
        self.by_station = {s.station: s for s in self.systems}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._outstanding = 0
        self._queues: dict[str, queue.Queue[Job | None]] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.docks: list[Dock] = []
        self._encoders = config.encoders or os.cpu_count() or 1

    # -- set-up ---------------------------------------------------------------------------------

    def prepare(self) -> list[Dock]:
        categories = connect_all(self.systems, self.config, self.faults)
        self.stats.systems = len(self.systems)
        self.stats.encrypted_systems = sum(s.encrypted for s in self.systems)
        wearers = [w for s in self.systems for w in s.wearers]
        self.docks = plan(wearers, self.config, categories)
        self.stats.docks = len(self.docks)
        self.stats.recordings = sum(len(d.recordings) for d in self.docks)
        return self.docks

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> Stats:
        if not self.docks:
            self.prepare()
        context = multiprocessing.get_context("spawn")  # never fork a process with threads
        with ProcessPoolExecutor(max_workers=self._encoders, mp_context=context) as encoders:
            self._start_uploaders()
            try:
                self._play(encoders)
                with self._idle:
                    self._idle.wait_for(lambda: self._outstanding == 0)
            finally:
                self._stop.set()
                for q in self._queues.values():
                    for _ in range(self.config.dock_uploads):
                        q.put(None)
                for thread in self._threads:
                    thread.join()
        self.stats.finished = time.time()
        self.stats.faults = dict(self.faults.counts)
        return self.stats

    def _start_uploaders(self) -> None:
        for system in self.systems:
            q: queue.Queue[Job | None] = queue.Queue()
            self._queues[system.station] = q
            for n in range(self.config.dock_uploads):
                thread = threading.Thread(
                    target=self._uploader, args=(system, q), name=f"dock-{n}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def _encode(self, encoders: ProcessPoolExecutor, recording: PlannedRecording) -> Job:
        system = self.by_station[recording.wearer.dock]
        specs = agent.footage_specs(recording, self.config, system.container_type)
        comment = f"recording={recording.recording_id}; serial={recording.wearer.serial}"
        return Job(recording, system, encoders.submit(agent.encode, specs, comment))

    def _feed(
        self, encoders: ProcessPoolExecutor, limit: threading.Semaphore, out: queue.Queue[Job]
    ) -> None:
        """Encode the recordings in dock order, ahead of the clock, at most `limit` at once."""
        for dock in self.docks:
            for recording in dock.recordings:
                limit.acquire()
                if self._stop.is_set():
                    return
                job = self._encode(encoders, recording)
                job.release = limit.release
                out.put(job)

    def _play(self, encoders: ProcessPoolExecutor) -> None:
        total = self.stats.recordings
        ahead = total if self.prerecord else max(8, 2 * (self._encoders + len(self._threads)))
        limit = threading.Semaphore(ahead)
        encoded: queue.Queue[Job] = queue.Queue()
        feeder = threading.Thread(target=self._feed, args=(encoders, limit, encoded), daemon=True)
        feeder.start()
        if self.prerecord:  # everything recorded before the clock starts (the burst benchmark)
            jobs = [encoded.get() for _ in range(total)]
            for job in jobs:
                job.bodies.result()
            for job in jobs:
                encoded.put(job)
        period_start, _ = self.config.period
        began = time.monotonic()
        for dock in self.docks:
            offset = (dock.at - period_start).total_seconds()
            self._wait_until(
                began + (offset / self.config.speed if self.config.speed else 0), dock.at
            )
            for _ in dock.recordings:
                self._dispatch(encoded.get())
        feeder.join()

    def _wait_until(self, deadline: float, simulated: datetime) -> None:
        while True:
            left = deadline - time.monotonic()
            if self.progress is not None:
                self.progress(self.stats, simulated)
            if left <= 0:
                return
            time.sleep(min(left, 1.0))

    def _dispatch(self, job: Job) -> None:
        job.docked_at = time.time()
        with self._lock:
            self._outstanding += 1
        self._queues[job.system.station].put(job)

    def _finish(self, job: Job) -> None:
        if job.release is not None:
            job.release()
        with self._idle:
            self._outstanding -= 1
            self._idle.notify_all()

    # -- a system controller's upload slot ------------------------------------------------------

    def _uploader(self, system: BodyWornSystem, jobs: queue.Queue[Job | None]) -> None:
        with system.client(self.config, self.faults) as client:
            while (job := jobs.get()) is not None:
                try:
                    self._attempt(client, job)
                except Exception as exc:  # a slot never dies: the run reports what went wrong
                    self._failed(job, f"{type(exc).__name__}: {exc}")

    def _attempt(self, client: Any, job: Job) -> None:
        if job.spec is None:
            bodies = job.bodies.result()
            job.spec = agent.recording_spec(job.recording, job.system, bodies)
            job.entries = agent.ledger_entries(
                job.recording, job.spec, client, job.system.encrypted
            )
            for entry in job.entries:
                entry.docked_at = job.docked_at
            self.ledger.add(job.entries)
        try:
            agent.upload(client, job.spec, job.entries)
        except agent.RejectedError as exc:
            with self._lock:
                self.stats.recordings_rejected += 1
                self.stats.errors.append(str(exc))
            self._finish(job)
            return
        except (AxisClientError, httpx.HTTPError) as exc:
            job.attempts += 1
            if job.attempts >= self.config.attempts or self._stop.is_set():
                self._failed(job, f"{job.spec.container}: {exc}")
                return
            with self._lock:
                self.stats.recording_retries += 1
            timer = threading.Timer(
                self.config.retry_pause, self._queues[job.system.station].put, args=(job,)
            )
            timer.daemon = True
            timer.start()
            return
        self._done(job)

    def _done(self, job: Job) -> None:
        with self._lock:
            stats = self.stats
            stats.recordings_done += 1
            stats.clips += len(job.entries)
            stats.bytes += sum(e.size for e in job.entries)
            stats.encrypted_clips += sum(e.encrypted for e in job.entries)
            first = min(e.sent_at for e in job.entries)
            last = max(e.stored_at or 0 for e in job.entries)
            stats.first_sent = first if stats.first_sent is None else min(stats.first_sent, first)
            stats.last_stored = max(stats.last_stored or last, last)
        self._finish(job)

    def _failed(self, job: Job, reason: str) -> None:
        with self._lock:
            self.stats.recordings_failed += 1
            self.stats.errors.append(reason[:300])
        self._finish(job)


def period_label(config: SimConfig) -> str:
    start, end = config.period
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC"


def simulate(
    config: SimConfig,
    *,
    connections: dict[str, dict[str, Any]] | None = None,
    fleet_token: str | None = None,
    prerecord: bool = False,
    progress: Callable[[Stats, datetime], None] | None = None,
) -> Simulation:
    """Run a whole simulation against `config.url`. Credentials not given are made on this
    machine's platform (see `credentials`)."""
    config.check()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    if connections is None or fleet_token is None:
        local = local_credentials(config)
        connections = connections or local.connections
        fleet_token = fleet_token or local.fleet_token
    fleet = FleetReader(config.url, fleet_token)
    try:
        wearers = load_wearers(fleet, config)
    finally:
        fleet.close()
    simulation = Simulation(config, wearers, connections, prerecord=prerecord, progress=progress)
    simulation.prepare()
    simulation.run()
    return simulation


def summary_lines(stats: Stats) -> list[str]:
    faults = stats.faults
    return [
        f"{stats.wearers} officers with cameras, {stats.systems} body worn systems "
        f"({stats.encrypted_systems} encrypting end to end), {stats.docks} docks",
        f"recordings: {stats.recordings_done} uploaded, {stats.recordings_failed} failed, "
        f"{stats.recordings_rejected} rejected, of {stats.recordings} planned",
        f"clips: {stats.clips} ({stats.encrypted_clips} encrypted), {stats.bytes / 1e6:.1f} MB",
        f"interruptions: {faults.get('drop', 0)} dropped mid-upload, "
        f"{faults.get('lost_reply', 0)} answers lost, {faults.get('busy', 0)} gateway 503s, "
        f"{faults.get('destination_503', 0)} destination 503s; "
        f"{stats.request_retries} request retries, {stats.recording_retries} recordings re-sent",
        f"throughput: {stats.clips_per_second:.2f} clips/s, "
        f"{stats.megabytes_per_second:.2f} MB/s over {stats.upload_seconds:.1f} s of uploading",
    ]
