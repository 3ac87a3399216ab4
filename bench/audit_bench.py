"""Audit log benchmark: append, integrate, prove and verify, against raw SHA-256 as the limit.

Run: ``.venv/bin/python bench/audit_bench.py [--events 50000] [--single 1000] [--requests 1000]
[--proof-sizes 1000000,10000000] [--database-url URL]`` (about 3½ minutes by default). By default
everything runs on the embedded SQLite (a temporary data directory, WAL, synchronous=FULL);
``--database-url`` points steps 1–3 and 5 at another, empty, database such as PostgreSQL. Proofs
always use SQLite node tables built in bulk.

Each figure is printed next to the raw SHA-256 rate over the same bytes, measured in the same run:
for appends, integration and verification the rate of hashing each event's leaf
(SHA-256(0x00 ‖ entry)); for proofs the time to hash the bytes a verifier hashes to check them.
The ratio says how far the platform is from the hashing limit.

1. append, direct: ``record()`` in transactions of ``--batch`` events (the events wait in the
   session and are written in one statement at commit), against the 10,000 events/s target; then
   ``--single`` transactions of one event each (what an audited read in a request commits),
   against the same number of bare one-row commits (the transaction's own limit);
2. append through the real request path: concurrent ``GET /api/v1/evidence/{id}`` against
   ``bwv serve`` (each request authenticates, checks the policy and records one event);
3. integration: the single writer numbering events, storing subtrees and signing checkpoints,
   also as a ratio to the batched append rate (at least 1: it keeps up);
4. inclusion and consistency proofs at each ``--proof-sizes`` tree size (the node table is built in
   bulk from synthetic leaves, as the integrator would store it);
5. full verification (``bwv audit verify``'s pass) of the log from steps 1–3.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# Direct appends use a catalogued action the API path of this benchmark never records.
DIRECT_ACTION = "audit.entries"
TARGET = 10_000  # events/s appended (issue 15)
sys.path.insert(0, str(ROOT / "bench"))
from ingest_bench import free_port, wait_http  # noqa: E402


def leaf_hash_rate(entries: list[bytes]) -> float:
    """Events/s of raw SHA-256(0x00 ‖ entry) over these entries (best of three passes)."""
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for entry in entries:
            hashlib.sha256(b"\x00" + entry).digest()
        best = max(best, len(entries) / (time.perf_counter() - start))
    return best


def line(label: str, rate: float, limit: float, unit: str = "events/s") -> None:
    print(
        f"  {label:<44} {rate:>12,.0f} {unit}   raw SHA-256 {limit:>12,.0f} {unit}"
        f"   ratio {rate / limit:8.2g}"
    )


def entries_of(action: str) -> list[bytes]:
    from sqlalchemy import select

    from openbwv.audit.models import AuditEvent
    from openbwv.db.session import unit_of_work

    with unit_of_work() as session:
        rows = session.scalars(select(AuditEvent.entry).where(AuditEvent.action == action)).all()
    return [row.encode("utf-8") for row in rows]


# --------------------------------------------------------------------------------------------------
# Appends, integration, verification


def append_direct(events: int, batch: int, evidence_id: object) -> float:
    """Events/s of `record()` called `batch` times per transaction (one commit per batch)."""
    from openbwv.access.principal import SYSTEM
    from openbwv.audit.events import record
    from openbwv.db.session import unit_of_work

    start = time.perf_counter()
    for offset in range(0, events, batch):
        with unit_of_work() as session:
            for number in range(offset, min(events, offset + batch)):
                record(
                    session,
                    SYSTEM,
                    DIRECT_ACTION,
                    evidence_id=evidence_id,  # type: ignore[arg-type]
                    source_ip="192.0.2.1",
                    details={"n": number, "filters": {"camera": "CAM-0001"}},
                )
    return events / (time.perf_counter() - start)


def bare_commits(transactions: int) -> float:
    """Transactions/s of the same one-statement write with no event: what a transaction holding
    one event can reach at best (SQLite: a WAL fsync each; PostgreSQL: a WAL flush each)."""
    from sqlalchemy import text

    from openbwv.db.session import unit_of_work

    with unit_of_work() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS bench_commits (n INTEGER)"))
    start = time.perf_counter()
    for number in range(transactions):
        with unit_of_work() as session:
            session.execute(text("INSERT INTO bench_commits (n) VALUES (:n)"), {"n": number})
    return transactions / (time.perf_counter() - start)


def seed_item_and_token() -> tuple[str, str]:
    """An evidence row and a force-wide reviewer's token (no media needed to read metadata)."""
    from openbwv.access.admin.service import UserSpec, create_token, create_user
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem

    with unit_of_work() as session:
        user = create_user(
            session,
            UserSpec(username="bench", display_name="Bench", roles=["professional_standards"]),
        )
        secret, _ = create_token(
            session, name="bench", role="professional_standards", user_id=user.id
        )
        item = EvidenceItem(
            sha256=hashlib.sha256(b"bench").hexdigest(),
            size_bytes=1,
            media_type="video/mp4",
            source="import",
        )
        session.add(item)
        session.flush()
        return str(item.id), secret


def append_via_requests(requests: int, concurrency: int, item_id: str, token: str) -> float:
    env = {**os.environ, "BWV_LOG_LEVEL": "WARNING"}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "openbwv.composition", "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/api/v1/health", server)
        headers = {"Authorization": f"Bearer {token}"}
        per_worker = requests // concurrency

        def worker(_: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                client.get(f"/api/v1/evidence/{item_id}").raise_for_status()  # warm
                for _ in range(per_worker - 1):
                    client.get(f"/api/v1/evidence/{item_id}").raise_for_status()

        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(worker, range(concurrency)))
        return per_worker * concurrency / (time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait()


def timed(action: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


# --------------------------------------------------------------------------------------------------
# Proofs at large sizes


def build_node_table(path: Path, size: int) -> None:
    """Every complete perfect subtree of `size` synthetic leaves, in bulk.

    Hashes are computed chunk by chunk into an unindexed staging table, then copied into
    `audit_nodes` (created from the model) in primary-key order, which SQLite appends fast.
    """
    from sqlalchemy import create_engine

    from openbwv.audit.models import AuditNode

    engine = create_engine(f"sqlite:///{path}")
    AuditNode.metadata.create_all(engine, tables=[AuditNode.__table__])
    engine.dispose()
    connection = sqlite3.connect(path)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-400000", "temp_store=FILE"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("CREATE TEMP TABLE staging (level INTEGER, idx INTEGER, hash BLOB)")
    insert = "INSERT INTO staging VALUES (?, ?, ?)"
    sha = hashlib.sha256
    chunk_level = 16
    roots: list[bytes] = []

    def store(height: int, base: int, hashes: list[bytes]) -> None:
        connection.executemany(
            insert,
            zip([height] * len(hashes), range(base, base + len(hashes)), hashes, strict=True),
        )

    def parents(level: list[bytes]) -> list[bytes]:
        return [
            sha(b"\x01" + level[k] + level[k + 1]).digest() for k in range(0, len(level) - 1, 2)
        ]

    for start in range(0, size, 1 << chunk_level):
        count = min(1 << chunk_level, size - start)
        level = [sha(b"\x00" + i.to_bytes(8, "big")).digest() for i in range(start, start + count)]
        height = 0
        while level:
            store(height, start >> height, level)
            if len(level) == 1 and count == 1 << chunk_level:
                roots.append(level[0])
            level = parents(level)
            height += 1
    height, level = chunk_level, roots
    while len(level) >= 2:
        level = parents(level)
        height += 1
        store(height, 0, level)
    connection.execute(
        'INSERT INTO audit_nodes (level, "index", hash) SELECT level, idx, hash FROM staging '
        "ORDER BY level, idx"
    )
    connection.commit()
    connection.close()


def raw_proof_hash_seconds(hashes: int) -> float:
    """Time to SHA-256 `hashes` node inputs (0x01 ‖ 32 ‖ 32 bytes): what checking a proof hashes."""
    data = b"\x01" + bytes(64)
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        for _ in range(hashes):
            hashlib.sha256(data).digest()
    return (time.perf_counter() - start) / rounds


def proof_figures(path: Path, size: int, samples: int) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from openbwv.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
    from openbwv.audit.queries import consistency, inclusion_proofs, root_at

    engine = create_engine(f"sqlite:///{path}")
    rng = random.Random(size)
    with Session(engine) as session:
        root = root_at(session, size)
        inc_times, inc_verify, inc_len = [], [], []
        for _ in range(samples):
            index = rng.randrange(size)
            start = time.perf_counter()
            proof = inclusion_proofs(session, [index], size)[index]
            inc_times.append(time.perf_counter() - start)
            leaf = leaf_hash(index.to_bytes(8, "big"))
            start = time.perf_counter()
            verify_inclusion(leaf, index, size, proof, root)
            inc_verify.append(time.perf_counter() - start)
            inc_len.append(len(proof))
        con_times, con_verify, con_len = [], [], []
        for _ in range(samples):
            first = rng.randrange(1, size)
            first_root = root_at(session, first)
            start = time.perf_counter()
            proof = consistency(session, first, size)
            con_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            verify_consistency(first, size, proof, first_root, root)
            con_verify.append(time.perf_counter() - start)
            con_len.append(len(proof))
    engine.dispose()
    for name, times, checks, lengths in (
        ("inclusion", inc_times, inc_verify, inc_len),
        ("consistency", con_times, con_verify, con_len),
    ):
        hashes = round(statistics.mean(lengths)) + (1 if name == "inclusion" else 2)
        raw = raw_proof_hash_seconds(hashes)
        serve, check = statistics.median(times), statistics.median(checks)
        print(
            f"  {name:<11} at {size:>11,}: serve {serve * 1e6:8.0f} µs (p99 "
            f"{sorted(times)[int(0.99 * (len(times) - 1))] * 1e6:6.0f}), verify "
            f"{check * 1e6:5.0f} µs, {statistics.mean(lengths):4.1f} hashes; raw SHA-256 of the "
            f"same bytes {raw * 1e6:5.1f} µs; ratio serve {serve / raw:6.0f}x, verify "
            f"{check / raw:4.1f}x"
        )


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50_000, help="events appended directly")
    parser.add_argument("--batch", type=int, default=500, help="events per transaction")
    parser.add_argument(
        "--single", type=int, default=1000, help="transactions of one event (and bare commits)"
    )
    parser.add_argument("--requests", type=int, default=1000, help="audited API requests")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--proof-sizes", default="1000000,10000000")
    parser.add_argument(
        "--database-url",
        default="",
        help="an EMPTY database for steps 1-3 and 5 (e.g. PostgreSQL); default: SQLite",
    )
    parser.add_argument("--samples", type=int, default=200, help="proofs per size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.proof_sizes.split(",") if s.strip()]

    with tempfile.TemporaryDirectory(prefix="audit-bench-") as scratch:
        os.environ.update(BWV_DATA_DIR=scratch, BWV_LOG_LEVEL="WARNING")
        for key in ("BWV_DATABASE_URL", "BWV_BROKER_URL", "BWV_STORAGE_URL"):
            os.environ.pop(key, None)
        if args.database_url:
            os.environ["BWV_DATABASE_URL"] = args.database_url
        from openbwv.audit.keys import get_signer
        from openbwv.audit.service import integrate
        from openbwv.audit.verification.queries import verify_log
        from openbwv.composition import compose
        from openbwv.config import get_settings, reset_settings
        from openbwv.db.migrate import upgrade
        from openbwv.db.session import get_engine

        reset_settings()
        compose()  # every domain installed: reference data, job kinds
        upgrade()
        item_id, token = seed_item_and_token()
        print(
            f"Audit log benchmark — {get_engine().dialect.name} "
            f"({args.database_url or 'embedded default'}), data in {scratch}; "
            f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}"
        )

        print(f"Appends (target {TARGET:,} events/s)")
        evidence_id = __import__("uuid").UUID(item_id)
        direct = append_direct(args.events, args.batch, evidence_id)
        line(
            f"record(), {args.batch} per transaction",
            direct,
            leaf_hash_rate(entries_of(DIRECT_ACTION)),
        )
        print(f"  {'':<44} {direct / TARGET:12.2f} of the target ({args.batch} events, one commit)")
        single = append_direct(args.single, 1, evidence_id)
        bare = bare_commits(args.single)
        print(
            f"  {'record(), 1 per transaction (one commit each)':<44} {single:>12,.0f} events/s"
            f"   bare commit {bare:>12,.0f} txn/s      ratio {single / bare:8.2g}"
        )
        if args.requests:  # 0 skips it (it starts `bwv serve`)
            via_api = append_via_requests(args.requests, args.concurrency, item_id, token)
            line(
                f"GET /evidence/{{id}}, {args.concurrency} clients (1 event each)",
                via_api,
                leaf_hash_rate(entries_of("evidence.view")),
            )

        print("Integration (single writer, one signed checkpoint per batch)")
        result, seconds = timed(integrate)
        total = result.integrated  # type: ignore[attr-defined]
        everything = entries_of(DIRECT_ACTION) + entries_of("evidence.view")
        line(
            f"{total:,} events, batches of {get_settings().audit_batch_size}",
            total / seconds,
            leaf_hash_rate(everything),
        )
        print(
            f"  {'':<44} {total / seconds / direct:12.2f} of the batched append rate "
            "(>= 1: integration keeps up)"
        )

        print("Full verification (bwv audit verify)")
        report = verify_log(get_engine(), [get_signer().verifier], get_settings().audit_origin)
        assert report.ok, [finding.describe() for finding in report.findings]
        line(
            f"{report.events:,} events, {report.checkpoints} checkpoints",
            report.events / report.seconds,
            leaf_hash_rate(everything),
        )

        print(f"Proofs (median of {args.samples}; node table built in bulk)")
        for size in sizes:
            path = Path(scratch) / f"nodes-{size}.sqlite"
            _, build = timed(lambda path=path, size=size: build_node_table(path, size))
            print(
                f"  built {size:,} leaves ({2 * size:,} subtrees) in {build:.0f} s, "
                f"{path.stat().st_size / 1e6:,.0f} MB"
            )
            proof_figures(path, size, args.samples)
            path.unlink()


if __name__ == "__main__":
    main()
