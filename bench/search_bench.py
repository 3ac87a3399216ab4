"""Search and evidence-page latency on a seeded database, against the database's own time.

Run: ``.venv/bin/python bench/search_bench.py [--items 1000000] [--requests 300]
[--databases sqlite,postgresql] [--postgres-url URL]`` (``make bench`` runs it with the defaults;
``--items 50000`` for a quick run). For each database: a fresh one (SQLite in a temporary data
directory; PostgreSQL as a scratch database created on the server and dropped afterwards),
migrated, seeded in bulk (see search_seed.py), analysed; then typical searches and the evidence
page are requested through the real application (the ASGI app in-process: authentication, the
access policy, the queries, the audit record, the template) as a borough investigator.

Server time is each request's wall time through the app. The floor is the database's own time for
the same SQL with the same parameters, measured in the same run, interleaved with the requests:
on PostgreSQL the execution time EXPLAIN ANALYZE reports, on SQLite the bare query (executed and
fetched). For searches the SQL is the page's keys across the branches of the searcher's reach
(see openbwv.evidence.queries.reach_branches) plus the capped count; for the evidence page the
policy's query for the item. Printed: p50 and p95 of both, and their ratio. The aim: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search_seed

LONDON = ZoneInfo("Europe/London")
PAGE_ITEMS = 200
AIM_MS = 100.0  # issue 15: every filter's p95 under this


class Explain(Executable, ClauseElement):
    """EXPLAIN (ANALYZE, FORMAT JSON) of a statement, with its parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement: Any) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (ANALYZE, FORMAT JSON) " + compiler.process(element.statement, **kw)


@dataclass
class Scenario:
    name: str
    params: Callable[[], dict[str, str]]  # the search form (or {"item": id} for the page)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def db_time(session: Any, statement: Any) -> float:
    """Milliseconds the database itself takes for the statement."""
    if session.get_bind().dialect.name == "postgresql":
        plan = session.execute(Explain(statement)).scalar_one()
        return float(plan[0]["Execution Time"])
    started = time.perf_counter()
    session.execute(statement).all()
    return (time.perf_counter() - started) * 1000


def search_floor(session: Any, principal: Any, form: dict[str, str]) -> float:
    from openbwv.evidence.search import queries as search
    from openbwv.evidence.search.criteria import queries as criteria
    from openbwv.evidence.search.schemas import SearchForm

    crit, errors = criteria.validate(session, principal, SearchForm.from_params(form))
    assert not errors, errors
    queries = search.plan(session, principal, crit)
    # As the page: one newest-first walk gives the first page and the capped count (an area
    # search: the first batch of candidates whose tracks it tests).
    limit = search.AREA_BATCH if crit.areas else search.COUNT_CAP + 1
    return db_time(session, search.keys_query(queries, None, limit))


def page_floor(session: Any, principal: Any, item_id: str) -> float:
    from sqlalchemy import select

    from openbwv.access.policy import roles
    from openbwv.access.policy.queries import visible_clause
    from openbwv.evidence.models import EvidenceItem

    query = select(EvidenceItem).where(
        EvidenceItem.id == uuid.UUID(item_id), visible_clause(principal, roles.VIEW)
    )
    return db_time(session, query)


def scenarios(
    force: search_seed.Force, borough: str, pages: list[str], rng: random.Random
) -> list[Scenario]:
    local = search_seed.YEAR_START.astimezone(LONDON)
    officers = force.by_borough[borough]
    phrases = force.phrases

    def window(days: int) -> dict[str, str]:
        start = local + timedelta(days=rng.randrange(365 - days), hours=rng.randrange(24))
        end = start + timedelta(days=days)
        return {"start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{end:%Y-%m-%dT%H:%M}"}

    return [
        Scenario("borough + 7-day window", lambda: {"borough": borough, **window(7)}),
        Scenario("officer", lambda: {"officer": rng.choice(officers)["username"]}),
        Scenario("category", lambda: {"category": rng.choice(["arrest", "use_of_force"])}),
        Scenario("category + 30-day window", lambda: {"category": "arrest", **window(30)}),
        Scenario("restricted category", lambda: {"category": "domestic_abuse"}),
        Scenario("camera", lambda: {"camera": rng.choice(officers)["camera"]}),
        Scenario("free text", lambda: {"text": rng.choice(phrases)}),
        Scenario("where: borough outline", lambda: {"area_borough": borough}),
        Scenario("evidence page", lambda: {"item": rng.choice(pages)}),
    ]


def measure(
    client: Any, principal: Any, scenario: Scenario, requests: int
) -> tuple[list[float], list[float]]:
    from openbwv.db.session import unit_of_work

    app_ms, floor_ms = [], []
    for number in range(requests + 5):
        params = scenario.params()
        item = params.pop("item", None)
        path = f"/evidence/{item}" if item else "/search"
        started = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, params, response.text[:500])
        with unit_of_work() as session:
            floor = (
                page_floor(session, principal, item)
                if item
                else search_floor(session, principal, params)
            )
        if number >= 5:  # the first few warm caches
            app_ms.append(elapsed)
            floor_ms.append(floor)
    return app_ms, floor_ms


def prepare(
    items: int, rng: random.Random, reuse: bool, workers: int
) -> tuple[Any, Any, str, list[str], search_seed.Force]:
    """Seed the current database (or, with `reuse`, take what an earlier seed of the same size
    left); the searcher's principal, token, borough and page items."""
    from sqlalchemy import select

    from openbwv.access.admin.service import create_token
    from openbwv.access.models import User
    from openbwv.access.policy.queries import principal_for_user
    from openbwv.db.session import get_engine, unit_of_work

    facts = search_seed.seeded(get_engine()) if reuse else None
    if facts is not None and facts["items"] != items:
        raise SystemExit(f"that database was seeded with {facts['items']:,} items, not {items:,}")
    if facts is None:
        facts = seed(items, rng, workers)
    else:
        print(f"  reused: {items:,} items, seeded in {facts['seconds']:,.0f} s")
    with unit_of_work() as session:
        force = search_seed.force_of(session, facts["borough"], facts["phrases"])
        user_id = uuid.UUID(facts["user"])
        secret, _ = create_token(session, name="bench", role="investigator", user_id=user_id)
        found = session.scalar(select(User).where(User.id == user_id))
        assert found is not None, "the seed's searcher is gone"
        principal = principal_for_user(session, found)
    return principal, secret, facts["borough"], facts["pages"], force


def seed(items: int, rng: random.Random, workers: int) -> dict[str, Any]:
    """Seed, dress the page items, analyse; what was made (kept in the database for --reuse)."""
    from sqlalchemy import select

    from openbwv.access.admin.service import UserSpec, create_user
    from openbwv.db.session import get_engine, unit_of_work
    from openbwv.evidence.models import EvidenceCategory, EvidenceItem

    with unit_of_work() as session:
        force = search_seed.seed_force(session, rng)
    seconds = search_seed.seed_items(get_engine(), force, items, rng, workers)
    borough = force.boroughs[0]
    with unit_of_work() as session:
        user = create_user(
            session,
            UserSpec(
                username="bench-investigator",
                display_name="Bench Investigator",
                roles=["investigator"],
                borough=borough,
                team="Bench CID",
            ),
        )
        restricted = select(EvidenceCategory.evidence_id).where(
            EvidenceCategory.category.in_(["domestic_abuse", "professional_standards"])
        )
        pages = [
            str(i)
            for i in session.scalars(
                select(EvidenceItem.id)
                .where(EvidenceItem.borough == borough, EvidenceItem.id.not_in(restricted))
                .limit(PAGE_ITEMS)
            )
        ]
        search_seed.dress_for_the_page(session, [uuid.UUID(p) for p in pages], rng)
        user_id = str(user.id)
    started = time.perf_counter()
    analyse(get_engine())
    seconds += time.perf_counter() - started
    print(f"  seeded {items:,} items in {seconds:,.0f} s (indexes built, analysed){size()}")
    facts = {"items": items, "seconds": seconds, "borough": borough, "user": user_id}
    facts |= {"phrases": force.phrases, "pages": pages}
    search_seed.record_facts(get_engine(), facts)
    return facts


def analyse(engine: Any) -> None:
    """Statistics for the planner; on PostgreSQL also VACUUM, which marks the freshly loaded
    pages all-visible so index-only scans need not visit the table (autovacuum would do so
    later, in the middle of a measurement)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
        return
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def prewarm() -> None:
    """PostgreSQL: the database's files read once into the operating system's page cache
    (pg_prewarm's 'read' mode), as on a server with the memory for its working set. Without
    it a reused 12 GiB database measures the disk for its first minutes (the same searches
    1.5-2x slower, and varying from run to run with what earlier work left cached)."""
    from openbwv.db.session import get_engine

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        blocks = connection.execute(
            text(
                "SELECT sum(pg_prewarm(oid::regclass, 'read')) FROM pg_class"
                " WHERE relkind IN ('r', 'i', 't') AND relnamespace = 'public'::regnamespace"
            )
        ).scalar()
        connection.commit()
    gib, seconds = (blocks or 0) * 8192 / 2**30, time.perf_counter() - started
    print(f"  prewarmed {gib:,.1f} GiB into the page cache in {seconds:.0f} s")


def size() -> str:
    from openbwv.db.session import get_engine

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as connection:
        found = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    return f"; database {(found or 0) / 2**30:,.1f} GiB"


def run_database(
    items: int, requests: int, seed: int, *, reuse: bool = False, workers: int = 1
) -> None:
    from fastapi.testclient import TestClient

    from openbwv.composition import compose, create_app
    from openbwv.config import reset_settings
    from openbwv.db.migrate import upgrade
    from openbwv.db.session import dispose_engines

    reset_settings()
    dispose_engines()
    compose()  # every domain installed: reference data, job kinds
    upgrade()  # on a reused database: any migration newer than its seed
    rng = random.Random(seed)
    principal, token, borough, pages, force = prepare(items, rng, reuse, workers)
    prewarm()
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
    print(
        f"  {'':<26}{'server p50':>11}{'p95':>9}   {'database p50':>12}{'p95':>9}"
        f"   {'server/database p95':>19}   {'p95 / 100 ms aim':>16}"
    )
    with TestClient(create_app(), headers=headers) as client:
        for scenario in scenarios(force, borough, pages, rng):
            app_ms, floor_ms = measure(client, principal, scenario, requests)
            app95, floor95 = percentile(app_ms, 0.95), percentile(floor_ms, 0.95)
            print(
                f"  {scenario.name:<26}{statistics.median(app_ms):>9.1f}ms{app95:>7.1f}ms"
                f"   {statistics.median(floor_ms):>10.1f}ms{floor95:>7.1f}ms"
                f"   {app95 / max(floor95, 0.01):>18.1f}×   {app95 / AIM_MS:>15.2f}"
                + ("" if app95 < AIM_MS else "  (over)"),
                flush=True,
            )


def count(value: str) -> int:
    """`--items 10M`, `250k` or `1000000`."""
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1:].lower(), 1)
    return int(float(value[:-1] if scale > 1 else value) * scale)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--items", type=count, default=1_000_000, help="1M, 10M, 50k, ...")
    parser.add_argument("--requests", type=int, default=300, help="per scenario")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a server where a scratch database may be created (and is dropped afterwards)",
    )
    parser.add_argument(
        "--postgres-database",
        help="a named PostgreSQL database, created when missing and never dropped (to EXPLAIN, "
        "or to --reuse)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --postgres-database: measure what an earlier seed of the same size left",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--workers", type=int, default=3, help="processes seeding PostgreSQL (COPY each)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL scratch database (to EXPLAIN)"
    )
    args = parser.parse_args()
    print(
        f"Search benchmark: {args.items:,} items, {args.requests} requests per scenario; "
        f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; load {os.getloadavg()[0]:.2f}"
    )
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        with tempfile.TemporaryDirectory(prefix="search-bench-") as scratch:
            os.environ.update(BWV_DATA_DIR=scratch, BWV_LOG_LEVEL="WARNING")
            for key in ("BWV_DATABASE_URL", "BWV_BROKER_URL", "BWV_STORAGE_URL"):
                os.environ.pop(key, None)
            if database == "sqlite":
                print("\nSQLite (embedded default: WAL, synchronous=FULL)")
                run_database(args.items, args.requests, args.seed)
                continue
            run_postgres(args)


def run_postgres(args: argparse.Namespace) -> None:
    named = args.postgres_database
    name = named or f"bwv_search_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        present = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not present:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    # JIT compilation costs more than these short queries run: off, as advised for OLTP
    # work (docs/web.md); the same option belongs in a deployment's database URL.
    url = make_url(args.postgres_url).set(database=name)
    url = url.update_query_dict({"options": "-c jit=off"})
    os.environ["BWV_DATABASE_URL"] = url.render_as_string(hide_password=False)
    print(f"\nPostgreSQL (database {name}, jit=off)")
    try:
        run_database(args.items, args.requests, args.seed, reuse=args.reuse, workers=args.workers)
    finally:
        from openbwv.db.session import dispose_engines

        dispose_engines()
        if args.keep or named:
            print(f"  kept {name}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
