"""Ingest benchmark: several large files through the tus endpoint, from a separate process.

Run: ``.venv/bin/python bench/ingest_bench.py [--files 3] [--mb 200]``. Printed against the limits
measured in the same run on the same bytes: raw SHA-256 throughput, write+fsync throughput, and a
minimal streaming server (bench/minimal_server.py) fed by the same client code.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

CHUNK = 4 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
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


def minimal_server_rate(files: list[Path], scratch: Path) -> float:
    port = free_port()
    env = {**os.environ, "BENCH_TARGET_DIR": str(scratch)}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "minimal_server.py"), str(port)], env=env
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", server)
        total, start = 0, time.perf_counter()
        with httpx.Client(timeout=600) as client:
            for path in files:
                client.put(
                    f"http://127.0.0.1:{port}/", content=file_chunks(path)
                ).raise_for_status()
                total += path.stat().st_size
        return total / (time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait()


def tus_rate(files: list[Path], data_dir: Path) -> float:
    env = {**os.environ, "BWV_DATA_DIR": str(data_dir), "BWV_LOG_LEVEL": "WARNING"}
    bwv = [sys.executable, "-m", "openbwv.composition"]
    subprocess.run([*bwv, "db", "upgrade"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*bwv, "token", "create", "--name", "bench", "--role", "device", "--quiet"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    headers = {"Authorization": f"Bearer {token.stdout.strip()}", "Tus-Resumable": "1.0.0"}
    port = free_port()
    server = subprocess.Popen([*bwv, "serve", "--no-worker", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/api/v1/health", server)
        total, start = 0, time.perf_counter()
        with httpx.Client(timeout=600, headers=headers) as client:
            for path in files:
                size = path.stat().st_size
                created = client.post(
                    f"{base}/api/v1/uploads/", headers={"Upload-Length": str(size)}
                )
                created.raise_for_status()
                done = client.patch(
                    created.headers["Location"],
                    content=file_chunks(path),
                    headers={
                        "Upload-Offset": "0",
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
                if done.status_code != 204:
                    raise SystemExit(f"upload failed: {done.status_code} {done.text}")
                total += size
        return total / (time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait()


def _rounds(rates: list[float]) -> str:
    return "(rounds: " + ", ".join(f"{rate / 1024 / 1024:.0f}" for rate in rates) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved; medians reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(
        prefix="bwv-ingest-bench-", dir=ROOT / "var" if (ROOT / "var").exists() else None
    ) as scratch_name:
        scratch = Path(scratch_name)
        files = []
        for index in range(args.files):
            path = scratch / f"upload-{index}.bin"
            path.write_bytes(os.urandom(args.mb * 1024 * 1024))
            files.append(path)
        sample = files[0].read_bytes()
        sha = sha256_rate(sample)
        disk = disk_rate(sample, scratch)
        floor = 1 / (1 / sha + 1 / disk)  # hash then write, one core: the serial limit
        # Interleaved rounds, medians: a shared machine's noise hits both sides alike.
        minimal_rates, ingest_rates = [], []
        for round_number in range(args.rounds):
            minimal_rates.append(minimal_server_rate(files, scratch))
            ingest_rates.append(tus_rate(files, scratch / f"data-{round_number}"))
        minimal, ingest = statistics.median(minimal_rates), statistics.median(ingest_rates)
    mb = 1024 * 1024
    print(
        f"ingest benchmark: {args.files} × {args.mb} MB through tus PATCH, one client process; "
        f"median of {args.rounds} interleaved rounds"
    )
    print(f"  raw SHA-256:                 {sha / mb:8.1f} MB/s")
    print(f"  write + fsync:               {disk / mb:8.1f} MB/s")
    print(f"  SHA-256 then write (serial): {floor / mb:8.1f} MB/s")
    print(f"  minimal streaming server:    {minimal / mb:8.1f} MB/s  {_rounds(minimal_rates)}")
    print(f"  openbwv tus ingest:          {ingest / mb:8.1f} MB/s  {_rounds(ingest_rates)}")
    print(f"  ratio to minimal server:     {ingest / minimal:8.2f}  (aim ≥ 0.80)")
    print(f"  ratio to hash+write limit:   {ingest / floor:8.2f}")


if __name__ == "__main__":
    main()
