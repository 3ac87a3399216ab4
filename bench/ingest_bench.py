"""Ingest benchmark: several large files through the tus endpoint, from a separate process.

Run: ``.venv/bin/python bench/ingest_bench.py [--runs 5] [--rounds 3] [--files 3] [--mb 200]``.
The limit is a minimal streaming server (bench/minimal_server.py) fed by the same client code,
measured in the same run on the same bytes. Each run starts both servers afresh (one process
each, the same uvicorn protocol), warms each with one small untimed upload (a process's first
request builds its routes), then times interleaved rounds, alternating which server goes first;
a run's figure is the median of its rounds. Printed: each run's ratio with the load average, the
smallest ratio and the spread; raw SHA-256 and write+fsync throughput for context.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

CHUNK = 4 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
WARM_UP_BYTES = MB


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300  # a busy machine starts `bwv serve` slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def sha256_rate(data: bytes) -> float:
    start = time.perf_counter()
    hashlib.sha256(data).digest()
    return len(data) / (time.perf_counter() - start)


def disk_rate(data: bytes, folder: Path) -> float:
    path = folder / "disk-probe.bin"
    start = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    view = memoryview(data)
    for offset in range(0, len(data), CHUNK):
        os.write(fd, view[offset : offset + CHUNK])
    os.fsync(fd)
    os.close(fd)
    elapsed = time.perf_counter() - start
    path.unlink()
    return len(data) / elapsed


def make_distinct(files: list[Path], tag: str) -> None:
    """Give every file new leading bytes, so each round's uploads are new content (the tus server
    stores by SHA-256: a repeated file would take the already-held path)."""
    for path in files:
        with open(path, "r+b") as handle:
            handle.write(hashlib.sha256(f"{tag}:{path.name}".encode()).digest())


class MinimalServer:
    """bench/minimal_server.py: write, fsync, rename into place, fsync the directory."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.port = free_port()
        env = {**os.environ, "BENCH_TARGET_DIR": str(target)}
        script = str(ROOT / "bench" / "minimal_server.py")
        self.process = subprocess.Popen([sys.executable, script, str(self.port)], env=env)
        self.url = f"http://127.0.0.1:{self.port}/"
        wait_http(self.url, self.process)
        self.client = httpx.Client(timeout=600)

    def upload(self, path: Path) -> None:
        self.client.put(self.url, content=file_chunks(path)).raise_for_status()

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait()


class TusServer:
    """`bwv serve --no-worker --workers 1` on a fresh data directory: POST, then one PATCH."""

    def __init__(self, data_dir: Path) -> None:
        env = {**os.environ, "BWV_DATA_DIR": str(data_dir), "BWV_LOG_LEVEL": "WARNING"}
        bwv = [sys.executable, "-m", "openbwv.composition"]
        subprocess.run([*bwv, "db", "upgrade"], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [*bwv, "token", "create", "--name", "bench", "--role", "device", "--quiet"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        self.port = free_port()
        serve = [*bwv, "serve", "--no-worker", "--workers", "1", "--port", str(self.port)]
        self.process = subprocess.Popen(serve, env=env)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_http(f"{self.base}/api/v1/health", self.process)
        headers = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
        self.client = httpx.Client(timeout=600, headers=headers)

    def upload(self, path: Path) -> None:
        size = path.stat().st_size
        created = self.client.post(
            f"{self.base}/api/v1/uploads/", headers={"Upload-Length": str(size)}
        )
        created.raise_for_status()
        done = self.client.patch(
            created.headers["Location"],
            content=file_chunks(path),
            headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        )
        if done.status_code != 204:
            raise SystemExit(f"upload failed: {done.status_code} {done.text}")

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait()


def timed(upload: Callable[[Path], None], files: list[Path]) -> float:
    total, start = 0, time.perf_counter()
    for path in files:
        upload(path)
        total += path.stat().st_size
    return total / (time.perf_counter() - start)


@dataclass(frozen=True)
class Run:
    minimal: list[float]
    ingest: list[float]
    load: float  # 1-minute load average when the run ended

    @property
    def ratio(self) -> float:
        return statistics.median(self.ingest) / statistics.median(self.minimal)


def one_run(number: int, files: list[Path], scratch: Path, rounds: int) -> Run:
    folder = scratch / f"run-{number}"
    (folder / "minimal").mkdir(parents=True)
    warm_up = folder / "warm-up.bin"
    warm_up.write_bytes(os.urandom(WARM_UP_BYTES))
    minimal, tus = MinimalServer(folder / "minimal"), TusServer(folder / "tus")
    try:
        minimal.upload(warm_up)
        tus.upload(warm_up)
        minimal_rates, ingest_rates = [], []
        for round_number in range(rounds):
            make_distinct(files, f"{number}.{round_number}")
            first_minimal = round_number % 2 == 0  # alternate: drift hits both sides alike
            if first_minimal:
                minimal_rates.append(timed(minimal.upload, files))
            ingest_rates.append(timed(tus.upload, files))
            if not first_minimal:
                minimal_rates.append(timed(minimal.upload, files))
    finally:
        minimal.stop()
        tus.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return Run(minimal_rates, ingest_rates, os.getloadavg()[0])


def _rates(rates: list[float]) -> str:
    return "/".join(f"{rate / MB:.0f}" for rate in rates)


def report(args: argparse.Namespace, sha: float, disk: float, runs: list[Run]) -> None:
    floor = 1 / (1 / sha + 1 / disk)  # hash then write, one core: the serial limit
    print(
        f"ingest benchmark: {args.files} × {args.mb} MB through tus PATCH, one client process; "
        f"{len(runs)} runs, each the median of {args.rounds} interleaved rounds (MB/s)"
    )
    print(
        f"  raw SHA-256: {sha / MB:.0f} MB/s; write + fsync: {disk / MB:.0f} MB/s; "
        f"SHA-256 then write (serial): {floor / MB:.0f} MB/s"
    )
    for number, run in enumerate(runs, 1):
        ingest, minimal = statistics.median(run.ingest), statistics.median(run.minimal)
        print(
            f"  run {number}: tus {ingest / MB:6.1f} ({_rates(run.ingest)})  "
            f"minimal server {minimal / MB:6.1f} ({_rates(run.minimal)})  "
            f"ratio {run.ratio:.2f}  load {run.load:.2f}"
        )
    ratios = [run.ratio for run in runs]
    middle = statistics.median(ratios)
    print(
        f"  ratio to minimal server: min {min(ratios):.2f}, median {middle:.2f}, "
        f"spread {max(ratios) - min(ratios):.2f} over {len(runs)} runs  (aim: min ≥ 0.80)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved, per run")
    parser.add_argument("--runs", type=int, default=5, help="each with fresh servers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(
        prefix="bwv-ingest-bench-", dir=ROOT / "var" if (ROOT / "var").exists() else None
    ) as scratch_name:
        scratch = Path(scratch_name)
        files = []
        for index in range(args.files):
            path = scratch / f"upload-{index}.bin"
            path.write_bytes(os.urandom(args.mb * MB))
            files.append(path)
        sample = files[0].read_bytes()
        sha, disk = sha256_rate(sample), disk_rate(sample, scratch)
        del sample
        runs = []
        for number in range(args.runs):
            runs.append(one_run(number, files, scratch, args.rounds))
            print(f"  (run {number + 1} of {args.runs}: ratio {runs[-1].ratio:.2f})", flush=True)
    report(args, sha, disk, runs)


if __name__ == "__main__":
    main()
