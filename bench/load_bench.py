"""API capacity: 50 concurrent clients reading evidence from `bwv serve`, one process and one per
CPU, every read audited.

Run: ``.venv/bin/python bench/load_bench.py [--clients 50] [--seconds 10] [--max-requests N]``
(bounded by both; loopback only). The requests are a mix of what reviewers do, in equal parts
(load_seed.py): the evidence list, the search, an item's detail and its thumbnail, each with a
bearer token — authentication, the access policy, the reads and the audit event in the same
transaction. `bwv serve` runs without its local worker (`--no-worker`): the seeded year of
footage would have the worker's retention sweep disposing of thousands of items during the run,
a different benchmark (`--with-worker` runs it anyway).

Printed for each server: requests/s, p50 and p95 (all requests and by kind), the share of the
machine's CPU the client took, and the audit check (one event per read, exactly). Beside it, in
the same run: the limit, a bare ASGI app under the same uvicorn answering the same requests
with no work (bench/minimal_server.py) with as many processes; and the audit write measured on
its own, the insert and commit every read pays (a transaction holding only the event, timed
one after another on the same database), with the ceiling that puts on audited reads while
SQLite has one writer.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

import load_seed
from ingest_bench import free_port, wait_http
from load_client import Plan, Tally, drive
from openbwv.access.policy.queries import principal_for_token
from openbwv.access.signin.queries import token_by_hash
from openbwv.access.signin.tokens import hash_token
from openbwv.audit.events import record
from openbwv.audit.models import AuditEvent
from openbwv.db.session import dispose_engines, unit_of_work

ROOT = Path(__file__).resolve().parent.parent
AUDITED = {"list": "evidence.search", "search": "evidence.search"}
AUDITED |= {"detail": "evidence.view", "thumbnail": "evidence.thumbnail"}
TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 3.0  # seconds of the same load before each measured run, not counted


@dataclass(frozen=True)
class Run:
    tally: Tally
    server_cpu: float  # seconds, the server's processes together

    @property
    def seconds(self) -> float:
        return self.tally.ended - self.tally.began

    def all_latencies(self) -> list[float]:
        return sorted(v for values in self.tally.latencies.values() for v in values)


def _tree_cpu(root: int) -> float:
    """CPU seconds used so far by a process and its descendants (Linux /proc)."""
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


@contextmanager
def _server(command: list[str], health: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(command, env=env, cwd=ROOT / "bench", start_new_session=True)
    try:
        wait_http(health, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def measure(process: subprocess.Popen, plan: Plan) -> Run:
    before = _tree_cpu(process.pid)
    tally = drive(plan)
    return Run(tally, _tree_cpu(process.pid) - before)


def bare(plan: Plan, workers: int) -> Run:
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "minimal_server.py"), str(port), str(workers)]
    with _server(command, f"http://127.0.0.1:{port}/", dict(os.environ)) as process:
        return measure(process, Plan(**{**plan.__dict__, "port": port}))


def served(plan: Plan, workers: int, with_worker: bool) -> tuple[Run, dict[str, int]]:
    port = free_port()
    env = {**os.environ, "BWV_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "openbwv.composition", "serve", "--port", str(port)]
    command += ["--workers", str(workers), *([] if with_worker else ["--no-worker"])]
    with _server(command, f"http://127.0.0.1:{port}/api/v1/health", env) as process:
        here = Plan(**{**plan.__dict__, "port": port})
        drive(Plan(**{**here.__dict__, "seconds": WARM_UP}))  # every process up, caches filled
        since = _audit_counts()
        run = measure(process, here)
    after = _audit_counts()
    return run, {action: after.get(action, 0) - since.get(action, 0) for action in after}


def _audit_counts() -> dict[str, int]:
    with unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)
        ).all()
    dispose_engines()
    return {action: count for action, count in rows}


def audit_write_ms(token: str, item_id: str, samples: int) -> float:
    """The audit write alone, as a read pays it: one event inserted and committed (p50, ms)."""
    with unit_of_work() as session:
        row = token_by_hash(session, hash_token(token))
        assert row is not None
        principal = principal_for_token(session, row)
    timings = []
    for number in range(samples):
        start = time.perf_counter()
        with unit_of_work() as session:
            record(
                session,
                principal,
                "evidence.view",
                evidence_id=uuid.UUID(item_id),
                source_ip="127.0.0.1",
                details={"bench": number},
            )
        timings.append(time.perf_counter() - start)
    dispose_engines()
    return statistics.median(timings) * 1000


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000 if ordered else float("nan")


def _line(name: str, run: Run, cpus: int) -> str:
    ordered = run.all_latencies()
    rate = len(ordered) / run.seconds
    client = run.tally.cpu_seconds / (run.seconds * cpus)
    server = run.server_cpu / (run.seconds * cpus)
    errors = sum(run.tally.errors.values())
    return (
        f"  {name:<30}{rate:7.0f} req/s  p50 {_percentile(ordered, 0.5):6.1f} ms  "
        f"p95 {_percentile(ordered, 0.95):7.1f} ms  errors {errors}  "
        f"CPU: client {client:4.0%} server {server:4.0%}"
    )


def _kinds(run: Run) -> str:
    parts = []
    for kind in load_seed.KINDS:
        ordered = sorted(run.tally.latencies.get(kind, []))
        parts.append(
            f"{kind} p50 {_percentile(ordered, 0.5):.0f}/p95 {_percentile(ordered, 0.95):.0f}"
        )
    return "    by kind (ms): " + ", ".join(parts)


def _audit_check(run: Run, events: dict[str, int]) -> str:
    answered = {action: 0 for action in set(AUDITED.values())}
    for kind, values in run.tally.latencies.items():
        answered[AUDITED[kind]] += len(values) - run.tally.errors.get(kind, 0)
    exact = all(events.get(action, 0) == count for action, count in answered.items())
    pairs = ", ".join(f"{a} {events.get(a, 0)}/{n}" for a, n in sorted(answered.items()))
    return f"    audited (events/reads answered): {pairs} -> {'exact' if exact else 'MISMATCH'}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=20_000, help="per server, in all")
    parser.add_argument("--items", type=int, default=20_000, help="evidence items seeded")
    parser.add_argument("--workers", default="", help="API processes to try, e.g. 1,2")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--with-worker", action="store_true", help="bwv serve's local worker too")
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    counts = sorted({int(w) for w in args.workers.split(",") if w} or {1, min(cpus, 8)})
    print(
        f"load benchmark: {args.clients} clients, {args.seconds:.0f} s or {args.max_requests} "
        f"requests per server, {cpus} CPUs, load average {os.getloadavg()[0]:.2f}; mix: "
        f"{', '.join(load_seed.KINDS)} in equal parts over {args.items:,} items"
    )
    rng = random.Random(15)
    with tempfile.TemporaryDirectory(prefix="bwv-load-") as scratch:
        os.environ.update(BWV_DATA_DIR=scratch, BWV_LOG_LEVEL="WARNING")
        for key in ("BWV_DATABASE_URL", "BWV_BROKER_URL", "BWV_STORAGE_URL", "BWV_API_WORKERS"):
            os.environ.pop(key, None)
        fixture = load_seed.seed(args.items, rng)
        mix = load_seed.requests(fixture, 4000, rng)
        plan = Plan(
            port=0,
            headers={"Authorization": f"Bearer {fixture.token}"},
            requests=mix,
            clients=args.clients,
            seconds=args.seconds,
            max_requests=args.max_requests,
            processes=args.client_processes,
        )
        for workers in counts:
            limit = bare(plan, workers)
            run, events = served(plan, workers, args.with_worker)
            write_ms = audit_write_ms(fixture.token, fixture.item_ids[0], 200)
            rate, floor = (
                len(run.all_latencies()) / run.seconds,
                len(limit.all_latencies()) / limit.seconds,
            )
            print(_line(f"bare ASGI app, {workers} process(es)", limit, cpus))
            print(_line(f"openbwv, {workers} process(es)", run, cpus))
            print(_kinds(run))
            print(_audit_check(run, events))
            print(
                f"    ratio to the bare app {rate / floor:.2f}; audit write alone "
                f"{write_ms:.2f} ms (p50), so one writer allows {1000 / write_ms:,.0f} audited "
                f"reads/s: served {rate / (1000 / write_ms):.2f} of that"
            )


if __name__ == "__main__":
    main()
