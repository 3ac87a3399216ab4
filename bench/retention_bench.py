"""The retention sweep and disposal at scale, each against a floor measured in the same run.

Run: ``.venv/bin/python bench/retention_bench.py [--sqlite-items 1000000]
[--postgres-items 10000000] [--databases sqlite,postgresql] [--dispose 2000] [--postgres-url URL]``
(``make bench`` runs it with the defaults; ``--sqlite-items 100000 --postgres-items 100000`` for a
quick run). For each database: a fresh one (SQLite in a temporary data directory; PostgreSQL as a
scratch database created on the server and dropped afterwards), migrated, seeded in bulk (see
retention_seed.py: most items uncategorised and recorded within the last 32 days, some evidential,
some linked to cases at every CPIA stage, holds of every scope), analysed. Then:

- **Sweep** (`openbwv.retention.tasks.run`, the code `bwv retention run` runs): the first run
  (every item's state written, a thirty-second of the non-evidential queued) and a daily run the
  day after (only what changed written). Items evaluated per second, against a **plain scan** of
  the same rows in the same run: the same columns of every item and its categories, in the same
  keyset batches, one read transaction a batch, nothing built from them. Aim: the daily sweep
  within 3× of the scan.
- **Disposal**: N queued items past their grace period, each with its original and two
  derivatives in the local store, disposed of by the same run (re-checked under locks, tombstone,
  audit event, disposal row, bytes deleted, each deletion recorded). Items per second, against
  **raw deletes** of the same objects in the same store (its `delete`: unlink and fsync of the
  directory), rewritten for the purpose.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import retention_seed
import scratch_db

AIM = 3.0


def plain_scan(batch: int) -> tuple[int, float]:
    """Every item's retention columns and categories in id-ordered batches: rows, seconds."""
    from sqlalchemy import select

    from openbwv.db.session import read_only_unit_of_work
    from openbwv.evidence.disposal.queries import _FACT_COLUMNS
    from openbwv.evidence.models import EvidenceCategory, EvidenceItem

    started, rows, after = time.perf_counter(), 0, None
    columns = (*_FACT_COLUMNS, EvidenceItem.disposed_at, EvidenceItem.disposal)
    while True:
        with read_only_unit_of_work() as session:
            query = select(*columns).order_by(EvidenceItem.id).limit(batch)
            if after is not None:
                query = query.where(EvidenceItem.id > after)
            found = session.connection().execute(query).all()
            if not found:
                break
            ids = [row[0] for row in found]
            named = select(EvidenceCategory.evidence_id, EvidenceCategory.category).where(
                EvidenceCategory.evidence_id.in_(ids)
            )
            session.connection().execute(named.order_by(EvidenceCategory.category)).all()
        rows += len(found)
        after = ids[-1]
    return rows, time.perf_counter() - started


def timed_sweep(label: str, now: Any, scan_rate: float) -> Any:
    from openbwv.retention import tasks

    started = time.perf_counter()
    report = tasks.run(now=now, actor="retention benchmark")
    seconds = time.perf_counter() - started
    rate = report.evaluated / seconds
    ratio = scan_rate / rate
    mark = "" if ratio <= AIM else f"   (over the {AIM:.0f}× aim)"
    print(
        f"  {label:<34} {rate:>10,.0f} items/s  ({report.evaluated:,} in {seconds:,.1f} s;"
        f" queued {report.newly_queued:,}, review {report.review:,}, held {report.held:,})"
        f"   scan ÷ sweep {ratio:5.2f}×{mark}",
        flush=True,
    )
    return report


def stage_disposal(count: int, seed: int) -> tuple[list[uuid.UUID], list[tuple[str, str]]]:
    """Give `count` queued items an original and two derivatives in the local store (the seed
    has rows, not bytes); their ids and (namespace, key) of every object."""
    from sqlalchemy import select

    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import Derivative, EvidenceItem
    from openbwv.retention.models import QueueEntry
    from openbwv.storage.factory import derivatives, originals

    rng = random.Random(seed)
    objects: list[tuple[str, str]] = []
    with unit_of_work() as session:
        ids = list(session.scalars(select(QueueEntry.evidence_id).order_by(QueueEntry.evidence_id)))
        ids = rng.sample(ids, min(count, len(ids)))
        for item in session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(ids))):
            stored = originals().put_bytes(uuid.uuid4().bytes * 64)
            item.sha256 = stored.key  # its content address, as ingest would have set it
            objects.append(("originals", stored.key))
            for kind in ("poster", "strip"):
                derived = derivatives().put_bytes(os.urandom(256))
                objects.append(("derivatives", derived.key))
                session.add(
                    Derivative(
                        evidence_id=item.id,
                        kind=kind,
                        params_hash="0" * 64,
                        storage_key=derived.key,
                        sha256=derived.sha256,
                        media_type="image/jpeg",
                        size_bytes=derived.size,
                    )
                )
    return ids, objects


def raw_deletes(objects: list[tuple[str, str]]) -> float:
    """The same objects written again and deleted by the store itself: seconds for the deletes."""
    from openbwv.storage.factory import derivatives, originals

    stores = {"originals": originals(), "derivatives": derivatives()}
    for namespace, key in objects:
        path = stores[namespace].path_for(key)  # type: ignore[attr-defined]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    started = time.perf_counter()
    for namespace, key in objects:
        stores[namespace].delete(key)
    return time.perf_counter() - started


def run_database(items: int, dispose: int, seed: int) -> None:
    from openbwv.composition import compose
    from openbwv.config import reset_settings
    from openbwv.db.migrate import upgrade
    from openbwv.db.session import dispose_engines, get_engine, unit_of_work
    from openbwv.retention import tasks

    reset_settings()
    dispose_engines()
    compose()
    upgrade()
    rng = random.Random(seed)
    seeded = retention_seed.seed(get_engine(), unit_of_work, items, rng)
    print(f"  {seeded.holds} holds (items, cases, officers, areas)")
    with get_engine().connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    batch = int(os.environ.get("BWV_RETENTION_BATCH_SIZE", "1000"))
    plain_scan(batch)  # warm the cache: both measures read from memory
    rows, seconds = plain_scan(batch)
    scan_rate = rows / seconds
    print(f"  {'plain scan of the same rows':<34} {scan_rate:>10,.0f} items/s  ({seconds:,.1f} s)")
    now = retention_seed.NOW
    timed_sweep("first sweep (every state written)", now, scan_rate)
    rows, seconds = plain_scan(batch)
    scan_rate = rows / seconds
    print(f"  {'plain scan again':<34} {scan_rate:>10,.0f} items/s  ({seconds:,.1f} s)")
    timed_sweep("daily sweep, the day after", now + timedelta(days=1), scan_rate)

    ids, objects = stage_disposal(dispose, seed)
    later = now + timedelta(days=8)
    started = time.perf_counter()
    report = tasks.run(now=later, only=ids, actor="retention benchmark")
    took = time.perf_counter() - started
    assert report.disposed == len(ids), report
    assert report.bytes_deleted == len(objects), report
    raw = raw_deletes(objects)
    rate, raw_rate = len(ids) / took, len(ids) / raw
    print(
        f"  {'disposal (3 objects an item)':<34} {rate:>10,.0f} items/s  ({len(ids):,} in"
        f" {took:,.1f} s)   raw store deletes {raw_rate:,.0f} items/s"
        f"   ratio {rate / raw_rate:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sqlite-items", type=int, default=1_000_000)
    parser.add_argument("--postgres-items", type=int, default=10_000_000)
    parser.add_argument("--dispose", type=int, default=2000, help="items disposed of")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=scratch_db.POSTGRES_URL,
        help="a server where a scratch database may be created (and is dropped afterwards)",
    )
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    print(
        f"Retention benchmark: {os.cpu_count()} CPUs; Python {sys.version.split()[0]};"
        f" disposal of {args.dispose:,} items"
    )
    for database in scratch_db.names(args.databases):
        items = args.sqlite_items if database == "sqlite" else args.postgres_items
        with scratch_db.scratch(database, args.postgres_url, "retention-bench") as label:
            print(f"\n{label}, {items:,} items")
            run_database(items, args.dispose, args.seed)


if __name__ == "__main__":
    main()
