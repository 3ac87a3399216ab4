"""Shift-change burst: N cameras of one response team dock at once at the end of the early shift
and their system controllers upload everything recorded during it, through the Axis protocol, to
a real `bwv serve` (a separate process, with its worker).

Run: ``.venv/bin/python bench/burst_bench.py [--cameras 24] [--recordings 2]``; the scaled
deployment with ``--database-url postgresql+psycopg://…/postgres --broker-url redis://…/1`` (a
fresh database is made there and dropped after; the Redis database is emptied), kombu's SQLAlchemy
transport on SQLite (the embedded broker before issue 15) with ``--broker-url sqla``. It reports

* ingest: clips/s and MB/s sustained from the first upload to the last `Complete`;
* end to end: from dock (upload start) to playable (the item `ready`: probed, thumbnails and
  playback copy made), p50/p95, and clips/s from the burst to the last item ready;
* proof: every clip the simulator sent (SHA-256, camera, officer) is one evidence item with that
  camera and officer, and no other item came of the burst;
* the machine's limits measured in the same run on the same bytes: SHA-256 and write+fsync of
  each clip (what ingest must at least do), and the processing capacity from probing,
  thumbnailing and making the playback copy of one clip (what the worker must at least do).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BOROUGH = "Lambeth"
PORTS_PER_DOCK = 8


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bwv(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "openbwv.composition", *args], check=True, capture_output=True
    )


def make_fleet(folder: Path, cameras: int) -> None:
    """One response team (early shift) with a personal camera each, docking at 8-port docks."""
    officers, kit = folder / "officers.csv", folder / "cameras.csv"
    with officers.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["warrant_number", "display_name", "borough", "team"])
        for n in range(cameras):
            writer.writerow([f"B{n:05d}", f"PC Burst {n}", BOROUGH, "Burst Response A"])
    with kit.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["serial", "model", "borough", "station", "assigned_to"])
        for n in range(cameras):
            station = f"Burst Station {n // PORTS_PER_DOCK + 1}"
            writer.writerow([f"AXB-B{n:05d}", "Axis W110", BOROUGH, station, f"B{n:05d}"])
    bwv("fleet", "import-officers", str(officers))
    bwv("fleet", "import-cameras", str(kit))


def serve(port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "openbwv.composition", "serve", "--port", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300  # its API processes import the platform: slow when busy
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bwv serve exited ({process.returncode}); see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_group(process)  # and its worker, which would go on polling a removed data dir
    raise SystemExit("bwv serve did not answer")


def ready_times(evidence_ids: list[str], timeout: float) -> dict[str, float]:
    """When each item became playable: the completion of its last processing job (server clock,
    same machine), once every item is ready or the time is up."""
    import uuid

    from sqlalchemy import func, select

    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem
    from openbwv.jobs.models import Job

    ids = [uuid.UUID(i) for i in evidence_ids]
    deadline = time.monotonic() + timeout
    while True:
        with unit_of_work() as session:
            pending = session.scalar(
                select(func.count()).where(EvidenceItem.id.in_(ids), EvidenceItem.status != "ready")
            )
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    with unit_of_work() as session:
        rows = session.execute(
            select(Job.evidence_id, func.max(Job.completed_at))
            .where(Job.evidence_id.in_(ids))
            .group_by(Job.evidence_id)
        )
        ready = {
            str(item): when
            for item, when in rows
            if when is not None and session.get(EvidenceItem, item).status == "ready"  # type: ignore[union-attr]
        }
    return {k: (v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp() for k, v in ready.items()}


def machine_limits(paths: list[Path], sample: Path, scratch: Path) -> tuple[float, float, float]:
    """(SHA-256 B/s and write+fsync B/s, clip by clip, over the bytes received; seconds to
    process the plaintext clip `sample`)."""
    from openbwv.media import playback, thumbnails
    from openbwv.media.probe import probe

    blobs = [p.read_bytes() for p in paths]
    total = sum(len(b) for b in blobs)
    start = time.perf_counter()
    for blob in blobs:
        hashlib.sha256(blob).digest()
    sha = total / (time.perf_counter() - start)
    start = time.perf_counter()
    for n, blob in enumerate(blobs):
        target = scratch / f"limit-{n}.bin"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, blob)
        os.fsync(fd)
        os.close(fd)
    os.sync()
    disk = total / (time.perf_counter() - start)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        result = probe(sample)
        thumbnails.poster_frame(sample)
        thumbnails.thumbnail_strip(sample, count=10, tile_width=160)
        playback.make_playback_copy(
            sample, scratch / "playback.mp4", playback.plan_playback(result)
        )
        runs.append(time.perf_counter() - start)
    return sha, disk, min(runs)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=24, help="cameras docking at once")
    parser.add_argument("--recordings", type=float, default=1.5, help="mean per camera-shift")
    parser.add_argument("--seconds", type=float, default=20.0, help="mean recording length")
    parser.add_argument("--bitrate", type=int, default=2000, help="kbit/s (≈0.9 GB/hour)")
    parser.add_argument("--faults", type=float, default=0.0, help="share of uploads interrupted")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="wait for processing (s)")
    parser.add_argument("--keep", action="store_true", help="keep the data and server log")
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL (scaled): a fresh database is made there"
    )
    parser.add_argument(
        "--broker-url", help="Celery broker (redis://…, emptied first; sqla: kombu on SQLite)"
    )
    args = parser.parse_args()
    parent = ROOT / "var" if (ROOT / "var").exists() else None
    if args.keep:
        run(args, Path(tempfile.mkdtemp(prefix="bwv-burst-bench-", dir=parent)))
        return
    with tempfile.TemporaryDirectory(prefix="bwv-burst-bench-", dir=parent) as scratch_name:
        run(args, Path(scratch_name))


def run(args: argparse.Namespace, scratch: Path) -> None:
    from openbwv.config import reset_settings
    from openbwv.db.session import dispose_engines

    os.environ.update(BWV_DATA_DIR=str(scratch / "data"), BWV_LOG_LEVEL="WARNING")
    for key in ("BWV_DATABASE_URL", "BWV_STORAGE_URL", "BWV_BROKER_URL"):
        os.environ.pop(key, None)  # the embedded deployment: one machine, nothing shared
    drop = deployment(args, scratch)
    reset_settings()  # `make bench` runs every benchmark in one process
    dispose_engines()
    try:
        bwv("db", "upgrade")
        make_fleet(scratch, args.cameras)
        port = free_port()
        server = serve(port, scratch / "serve.log")
        try:
            report(args, scratch, f"http://127.0.0.1:{port}")
        finally:
            stop_group(server)
    finally:
        dispose_engines()
        drop()


def deployment(args: argparse.Namespace, scratch: Path) -> Callable[[], None]:
    """Point the environment at the chosen database and broker; returns what removes them."""
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if args.database_url:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"bwv_burst_{os.getpid()}"
        admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.database_url).set(database=name)
        os.environ["BWV_DATABASE_URL"] = url.render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    if args.broker_url == "sqla":
        os.environ["BWV_BROKER_URL"] = f"sqla+sqlite:///{scratch / 'broker.sqlite'}"
    elif args.broker_url:
        if args.broker_url.startswith("redis"):
            import redis

            redis.Redis.from_url(args.broker_url).flushdb()
        os.environ["BWV_BROKER_URL"] = args.broker_url
    return drop


def stop_group(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and its worker (their own process group), and wait until both are gone:
    a worker still shutting down would write into the data being removed."""
    os.killpg(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        server.poll()
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def report(args: argparse.Namespace, scratch: Path, url: str) -> None:
    from openbwv.config import get_settings
    from openbwv.simulate.config import SimConfig
    from openbwv.simulate.credentials import local_credentials
    from openbwv.simulate.roster import FleetReader, load_wearers
    from openbwv.simulate.runner import Simulation
    from openbwv.simulate.verify import Verifier
    from openbwv.storage.factory import originals

    config = SimConfig(
        url=url,
        boroughs=(BOROUGH,),
        hours=24,
        speed=0,
        seed=args.seed,
        recordings_per_shift=args.recordings,
        recording_seconds=args.seconds,
        mid_shift_docks=0.0,
        bitrate=args.bitrate * 1000,
        faults=args.faults,
        dock_uploads=PORTS_PER_DOCK,  # every docked camera uploads at once: the worst burst
    )
    credentials = local_credentials(config)
    fleet = FleetReader(url, credentials.fleet_token)
    wearers = load_wearers(fleet, config)
    fleet.close()
    config.featured = tuple(w.warrant for w in wearers)  # everyone recorded something
    simulation = Simulation(config, wearers, credentials.connections, prerecord=True)
    simulation.prepare()
    print(
        f"burst: {len(wearers)} cameras dock at once at the end of the early shift "
        f"({simulation.stats.recordings} recordings; {config.bitrate // 1000} kbit/s clips)",
        flush=True,
    )
    cpu = time.process_time()  # the simulator's own CPU: is the client the bottleneck?
    stats = simulation.run()
    cpu = time.process_time() - cpu
    ledger = simulation.ledger.stored()
    verifier = Verifier(url, credentials.verify_token or "")
    items = verifier.items_of(ledger)
    ids = [found[0]["id"] for found in items.values()]
    ready = ready_times(ids, args.timeout)
    result = verifier.verify(ledger)
    verifier.close()
    by_sha = {sha: found[0]["id"] for sha, found in items.items()}
    done = [(c, ready[by_sha[c.sha256]]) for c in ledger if by_sha.get(c.sha256) in ready]
    from_upload = [at - clip.sent_at for clip, at in done]
    from_dock = [at - clip.docked_at for clip, at in done]
    first_dock = min(c.docked_at for c in ledger)
    last_ready = max(ready.values()) if ready else first_dock
    store = originals()
    paths = [store.path_for(c.sha256) for c in ledger]  # type: ignore[attr-defined]
    plain = [p for c, p in zip(ledger, paths, strict=True) if not c.encrypted] or paths
    sample = min(plain, key=lambda p: abs(p.stat().st_size - stats.bytes / len(paths)))
    sha, disk, per_clip = machine_limits(paths, sample, scratch)
    mb = 1e6
    ingest_mb = stats.megabytes_per_second * mb
    floor = 1 / (1 / sha + 1 / disk)
    workers = get_settings().worker_concurrency
    capacity = min(workers, os.cpu_count() or 1) / per_clip
    end_to_end = len(ready) / max(last_ready - first_dock, 1e-6)
    settings = get_settings()
    database = settings.resolved_database_url.split(":", 1)[0].split("+")[0]
    queue = settings.resolved_broker_url or "none (workers claim job rows)"
    print(f"  deployment: database {database}; broker {queue.split('://')[0]}")
    print(f"  clips: {stats.clips} ({stats.encrypted_clips} encrypted), {stats.bytes / mb:.1f} MB")
    print(
        f"  uploaders: {len(simulation.systems) * PORTS_PER_DOCK} at once; the simulator used "
        f"{cpu:.1f} s CPU in {stats.upload_seconds:.1f} s of uploading"
    )
    print(
        f"  interruptions: {stats.faults.get('destination_503', 0)} destination 503s, "
        f"{stats.request_retries} request retries, {stats.recording_retries} recordings re-sent, "
        f"{stats.recordings_failed} failed"
    )
    print(
        f"  ingest sustained:            {stats.clips_per_second:8.2f} clips/s "
        f"{stats.megabytes_per_second:8.2f} MB/s"
    )
    print(
        f"  dock → playable sustained:   {end_to_end:8.2f} clips/s "
        f"({len(ready)}/{stats.clips} ready)"
    )
    if from_upload:
        print(
            f"  latency upload start → ready: p50 {statistics.median(from_upload):6.1f} s  "
            f"p95 {percentile(from_upload, 0.95):6.1f} s"
        )
        print(
            f"  latency dock → ready:         p50 {statistics.median(from_dock):6.1f} s  "
            f"p95 {percentile(from_dock, 0.95):6.1f} s"
        )
    print(f"  proof: {result.report()}")
    print(f"  machine: SHA-256 {sha / mb:8.1f} MB/s; write+fsync per clip {disk / mb:8.1f} MB/s")
    print(f"           hash then write (serial): {floor / mb:8.1f} MB/s")
    print(
        f"           probe+thumbnails+playback copy: {per_clip * 1000:6.0f} ms per clip → "
        f"{capacity:6.2f} clips/s on {min(workers, os.cpu_count() or 1)} worker slots"
    )
    print(f"  ratio ingest MB/s to hash+write limit:        {ingest_mb / floor:6.3f}")
    print(f"  ratio dock→playable clips/s to processing:    {end_to_end / capacity:6.2f}")
    # Nothing is playable before it has arrived: when ingest is slower than processing, it is
    # the bound, and the tail after the last upload says whether processing kept up.
    uploads_done = min(c.sent_at for c in ledger) + stats.upload_seconds
    bound = min(stats.clips_per_second, capacity)
    print(f"  ratio dock→playable to min(ingest, processing): {end_to_end / bound:6.2f}")
    print(f"  last item ready {last_ready - uploads_done:6.1f} s after the last upload completed")
    started = datetime.fromtimestamp(first_dock, UTC).strftime("%H:%M:%S")
    kept = "" if args.keep else " until exit"
    print(f"  (burst began {started} UTC; server log and data in {scratch}{kept})")
    arrival = {k: v for k, v in result.problems.items() if k != "not ready"}
    if arrival:
        raise SystemExit(f"the burst went wrong: {', '.join(arrival)}")
    if result.not_ready:
        raise SystemExit(f"processing did not finish within --timeout {args.timeout:.0f} s")


if __name__ == "__main__":
    main()
