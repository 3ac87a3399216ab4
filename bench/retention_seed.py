"""Seeding a database for the retention benchmark, in bulk (executemany on SQLite, COPY on
PostgreSQL; see search_seed.bulk_insert): the search benchmark's force (32 boroughs, 6,400
officers with a camera each) and N items in a mix like a force's steady state under a 31-day rule.

- 72 % uncategorised (non-evidential) and 5 % categorised non-evidential, recorded over the last
  32 days: each daily run finds about a thirty-second of them due;
- 18 % in an evidential category, recorded over the last seven years (the oldest are due a MoPI
  review);
- 5 % linked to a case (five items a case), the cases spread over every CPIA stage and outcome;
- holds: items (3 × 10 items), cases (2), officers in a week's window (3) and boroughs in a day's
  window (3), placed through the retention service as a person would.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import search_seed

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # the benchmark's clock: the first sweep runs then
CHUNK = 20_000
EVIDENTIAL = ["arrest", "stop_and_search", "use_of_force", "public_order", "traffic", "complaint"]
STAGES = [
    "under_investigation",
    "charged",
    "no_further_action",
    "convicted",
    "acquitted",
    "discontinued",
    "appeal_pending",
]
ITEMS_PER_CASE = 5


@dataclass
class Seeded:
    force: search_seed.Force
    items: int
    cases: int = 0
    holds: int = 0
    sample: list[uuid.UUID] = field(default_factory=list)  # some item ids (for item holds)


def _recorded(rng: random.Random, kind: str) -> datetime:
    if kind == "evidential":
        return NOW - timedelta(seconds=rng.randrange(7 * 365 * 24 * 3600))
    return NOW - timedelta(seconds=rng.randrange(32 * 24 * 3600))


def _case_row(number: int, borough: str, rng: random.Random) -> dict[str, Any]:
    stage = STAGES[number % len(STAGES)]
    decided = NOW - timedelta(days=rng.randrange(1, 3 * 365))
    open_stage = stage in ("under_investigation",)
    release = decided + timedelta(days=rng.randrange(30, 3 * 365)) if stage == "convicted" else None
    return {
        "id": uuid.uuid4(),
        "created_at": decided - timedelta(days=60),
        "updated_at": decided,
        "crime_reference": f"01/{number:06d}/26",
        "cad_number": None,
        "title": f"Bench case {number}",
        "description": None,
        "borough": borough,
        "status": "open",
        "created_by": None,
        "closed_at": None,
        "stage": stage,
        "stage_at": None if open_stage else decided,
        "sentence": "2 years" if stage == "convicted" else None,
        "expected_release_at": release,
    }


def _one_item(
    number: int, force: search_seed.Force, rng: random.Random, cases: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    roll = rng.random()
    kind = "evidential" if roll >= 0.77 else "non_evidential"
    row = search_seed._item_row(number, rng.choice(force.officers), rng)
    start = _recorded(rng, kind)
    duration = row["recorded_end"] - row["recorded_start"]
    row |= {"recorded_start": start, "recorded_end": start + duration, "occurred_at": start}
    row["ingested_at"] = start + timedelta(hours=2)
    categories, links = [], []
    name = None
    if 0.72 <= roll < 0.77:
        name = "non_evidential"
    elif roll >= 0.77:
        name = rng.choice(EVIDENTIAL)
    if name:
        categories.append({"evidence_id": row["id"], "category": name, "assigned_at": start})
    if roll >= 0.95:
        if not cases or len(cases[-1]["_items"]) >= ITEMS_PER_CASE:
            case = _case_row(len(cases), row["borough"], rng)
            case["_items"] = []
            cases.append(case)
        cases[-1]["_items"].append(row["id"])
        links.append({"case_id": cases[-1]["id"], "evidence_id": row["id"], "linked_at": start})
    return row, categories, links


def seed(engine: Any, session_factory: Any, count: int, rng: random.Random) -> Seeded:
    """Insert the force and `count` items with their categories, cases and links; seconds are
    printed. Secondary indexes are dropped during the load and built once at the end."""
    from openbwv.cases.models import Case, CaseItem
    from openbwv.evidence.models import EvidenceCategory, EvidenceItem

    with session_factory() as session:
        force = search_seed.seed_force(session, rng)
    seeded = Seeded(force, count)
    tables = [t.__table__ for t in (EvidenceItem, EvidenceCategory, Case, CaseItem)]
    indexes = [index for table in tables for index in table.indexes]
    started = time.perf_counter()
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    cases: list[dict[str, Any]] = []
    for offset in range(0, count, CHUNK):
        items, categories, links = [], [], []
        first_case = len(cases) - 1 if cases else 0
        for number in range(offset, min(count, offset + CHUNK)):
            row, named, linked = _one_item(number, force, rng, cases)
            items.append(row)
            categories += named
            links += linked
            if len(seeded.sample) < 1000 and rng.random() < 0.01:
                seeded.sample.append(row["id"])
        # A case begun in the previous chunk was inserted with it; only new ones go now.
        fresh = [
            {k: v for k, v in c.items() if k != "_items"}
            for c in cases[first_case:]
            if not c.get("_inserted")
        ]
        for case in cases[first_case:]:
            case["_inserted"] = True
        with engine.begin() as connection:
            search_seed.bulk_insert(connection, EvidenceItem.__table__, items)
            search_seed.bulk_insert(connection, EvidenceCategory.__table__, categories)
            search_seed.bulk_insert(connection, Case.__table__, fresh)
            search_seed.bulk_insert(connection, CaseItem.__table__, links)
        done = min(count, offset + CHUNK)
        if done % 500_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            print(f"    {done:>11,} items inserted ({rate:,.0f}/s)", flush=True)
    with engine.begin() as connection:
        for index in indexes:
            index.create(connection)
    seeded.cases = len(cases)
    print(
        f"  seeded {count:,} items, {len(cases):,} cases in {time.perf_counter() - started:,.0f} s"
    )
    seeded.holds = place_holds(session_factory, seeded, cases, rng)
    return seeded


def place_holds(
    session_factory: Any, seeded: Seeded, cases: list[dict[str, Any]], rng: random.Random
) -> int:
    """A few holds of every scope, through the service (audited, as a person places them)."""
    from openbwv.retention import service
    from openbwv.retention.cli import OPERATOR

    requests = []
    for _n in range(3):
        chosen = rng.sample(seeded.sample, min(10, len(seeded.sample)))
        requests.append(dict(scope="items", item_ids=chosen, type="subject_access_request"))
    for case in rng.sample(cases, min(2, len(cases))):
        requests.append(
            dict(scope="case", case_reference=case["crime_reference"], type="appeal_or_ccrc")
        )
    for _n in range(3):
        officer = rng.choice(seeded.force.officers)
        start = NOW - timedelta(days=rng.randrange(2, 30))
        warrant = f"W{int(officer['username'][2:]):06d}"
        requests.append(
            dict(scope="officer", officer=warrant, start=start, end=start + timedelta(days=7))
        )
    for _n in range(3):
        start = NOW - timedelta(days=rng.randrange(2, 30))
        borough = rng.choice(seeded.force.boroughs)
        requests.append(
            dict(scope="area", borough=borough, start=start, end=start + timedelta(days=1))
        )
    with session_factory() as session:
        for number, fields in enumerate(requests):
            kind = str(fields.pop("type", "complaint"))
            request = service.HoldRequest(
                type=kind,
                reference=f"CO/2026/{number:04d}",
                reason="Complaint about the incident filmed here",
                **fields,  # type: ignore[arg-type]
            )
            service.place_hold(session, OPERATOR, request)
    return len(requests)
