"""API capacity: many concurrent clients against `bwv serve`, one process and one per CPU.

Run: ``.venv/bin/python bench/load_bench.py [--clients 50] [--seconds 10]``. Each client is a
keep-alive connection asking for an evidence list with a bearer token: authentication, the
access policy, a database read and an audited write per request. The limit, measured in the
same run with the same client: a bare ASGI app under the same uvicorn answering the same request
with no work at all (bench/minimal_server.py), with as many processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ingest_bench import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/evidence?limit=20"


async def _client(url: str, headers: dict[str, str], until: float, latencies: list[float]) -> int:
    errors = 0
    async with httpx.AsyncClient(headers=headers, timeout=60) as client:
        while time.perf_counter() < until:
            start = time.perf_counter()
            response = await client.get(url)
            latencies.append(time.perf_counter() - start)
            errors += response.status_code != 200
    return errors


def load(base: str, headers: dict[str, str], clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []

    async def run() -> int:
        until = time.perf_counter() + seconds
        tasks = [_client(base + PATH, headers, until, latencies) for _ in range(clients)]
        return sum(await asyncio.gather(*tasks))

    start = time.perf_counter()
    errors = asyncio.run(run())
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "errors": errors,
    }


def minimal(workers: int, clients: int, seconds: float) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "minimal_server.py"), str(port), str(workers)],
        cwd=ROOT / "bench",
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", server)
        return load(f"http://127.0.0.1:{port}", {}, clients, seconds)
    finally:
        server.terminate()
        server.wait()


def platform(data_dir: Path, workers: int, clients: int, seconds: float) -> dict[str, float]:
    env = {**os.environ, "BWV_DATA_DIR": str(data_dir), "BWV_LOG_LEVEL": "WARNING"}
    bwv = [sys.executable, "-m", "openbwv.composition"]
    subprocess.run([*bwv, "db", "upgrade"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*bwv, "token", "create", "--name", f"load-{workers}", "--role", "officer", "--quiet"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    command = [*bwv, "serve", "--no-worker", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/api/v1/health", server)
        return load(base, {"Authorization": f"Bearer {token}"}, clients, seconds)
    finally:
        server.terminate()
        server.wait()


def _line(name: str, figures: dict[str, float]) -> str:
    return (
        f"  {name:<34}{figures['rate']:8.0f} req/s   p50 {figures['p50']:6.1f} ms   "
        f"p95 {figures['p95']:7.1f} ms   errors {figures['errors']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    cpus = max(1, min(os.cpu_count() or 1, 8))
    print(f"load benchmark: {args.clients} concurrent clients for {args.seconds:.0f} s, GET {PATH}")
    with tempfile.TemporaryDirectory(prefix="bwv-load-") as scratch:
        rows = {}
        for workers in sorted({1, cpus}):
            rows[workers] = (
                minimal(workers, args.clients, args.seconds),
                platform(Path(scratch) / f"w{workers}", workers, args.clients, args.seconds),
            )
    for workers, (floor, served) in rows.items():
        print(_line(f"bare ASGI app, {workers} process(es)", floor))
        print(_line(f"openbwv, {workers} process(es)", served))
        print(f"  ratio to the bare app:           {served['rate'] / floor['rate']:8.2f}")
    if len(rows) > 1:
        one, many = rows[1][1]["rate"], rows[cpus][1]["rate"]
        print(f"  {cpus} processes / 1 process:         {many / one:8.2f}")


if __name__ == "__main__":
    main()
