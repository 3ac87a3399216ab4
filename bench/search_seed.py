"""Seeding a database for the search benchmark: a force of 32 boroughs, 10 teams of 20 officers
each, a camera per officer, and N evidence items spread over a year — 70 % categorised (mostly
non-evidential), 10 % with notes, 5 % with markers, some with titles — inserted in bulk."""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TEAMS_PER_BOROUGH = 10
OFFICERS_PER_TEAM = 20
CHUNK = 20_000
YEAR_START = datetime(2025, 11, 24, tzinfo=UTC)
CATEGORY_WEIGHTS = {
    "non_evidential": 45,
    "traffic": 12,
    "arrest": 10,
    "stop_and_search": 10,
    "public_order": 8,
    "use_of_force": 5,
    "domestic_abuse": 5,
    "complaint": 3,
    "professional_standards": 2,
}
WORDS = [
    "red",
    "jacket",
    "blue",
    "car",
    "white",
    "van",
    "knife",
    "bicycle",
    "dog",
    "shop",
    "window",
    "bus",
    "stop",
    "pub",
    "door",
    "alley",
    "park",
    "phone",
    "bag",
    "hoodie",
    "tattoo",
    "scooter",
    "motorbike",
    "argument",
    "fight",
    "shouting",
    "crowd",
    "witness",
    "victim",
    "suspect",
    "arrest",
    "caution",
    "warrant",
    "search",
    "drugs",
    "cash",
    "keys",
    "glasses",
]
TITLES = (
    "Arrest on the high street",
    "Stop and search near the station",
    "Disturbance outside a pub",
    "Road traffic collision",
    "Domestic call-out",
    "Shoplifting report",
    "Public order: crowd dispersal",
)


@dataclass
class Force:
    boroughs: list[str]
    officers: list[dict[str, Any]]  # id, username, borough, team_id, camera
    by_borough: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Free-text searches: a registration, an address or a name someone wrote in a note in the
    # searcher's borough (so every search finds something, as a search for what was written does)
    phrases: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def seed_force(session: Any, rng: random.Random) -> Force:
    from sqlalchemy import insert, select

    from openbwv.access.models import User
    from openbwv.fleet.models import Camera
    from openbwv.organisation.models import Borough, Team

    boroughs = list(session.scalars(select(Borough.gss_code).where(Borough.met_policed.is_(True))))[
        :32
    ]
    now = _now()
    teams, users, cameras = [], [], []
    force = Force(boroughs, [])
    for borough in boroughs:
        for t in range(TEAMS_PER_BOROUGH):
            team_id = uuid.uuid4()
            teams.append(
                {"id": team_id, "name": f"Team {t + 1}", "borough": borough}
                | {"created_at": now, "updated_at": now}
            )
            for o in range(OFFICERS_PER_TEAM):
                number = len(users)
                officer = {
                    "id": uuid.uuid4(),
                    "username": f"pc{number:05d}",
                    "borough": borough,
                    "team_id": team_id,
                    "camera": f"AXB-{number:06d}",
                }
                force.officers.append(officer)
                force.by_borough.setdefault(borough, []).append(officer)
                users.append(
                    {
                        "id": officer["id"],
                        "username": officer["username"],
                        "display_name": f"PC {number:05d}",
                        "warrant_number": f"W{number:06d}",
                        "shoulder_number": f"{o + 100}{borough[-2:]}",
                        "kind": "internal",
                        "borough": borough,
                        "team_id": team_id,
                        "active": True,
                        "totp_enabled": False,
                        "failed_logins": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                cameras.append(
                    {"id": uuid.uuid4(), "serial": officer["camera"], "status": "issued"}
                    | {"home_borough": borough, "pool": False}
                    | {"created_at": now, "updated_at": now}
                )
    session.execute(insert(Team), teams)
    session.execute(insert(User), users)
    session.execute(insert(Camera), cameras)
    return force


STREETS = [
    f"{a} {b}"
    for a in (
        "Albany",
        "Baker",
        "Cromwell",
        "Downing",
        "Elgin",
        "Fleet",
        "Garrick",
        "Harley",
        "Inverness",
        "Jermyn",
        "Kingsway",
        "Lambeth",
        "Marylebone",
        "Northumberland",
        "Oxford",
        "Piccadilly",
        "Queensway",
        "Regent",
        "Strand",
        "Tottenham",
        "Upper Thames",
        "Victoria",
        "Whitehall",
        "York",
    )
    for b in ("Street", "Road", "Place", "Court", "Lane")
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Robinson",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "Scott",
    "Watson",
]


def _distinctive(rng: random.Random) -> str:
    """What makes a note worth searching for: a registration, an address, a name."""
    kind = rng.randrange(3)
    if kind == 0:
        letters = "ABCDEFGHJKLMNOPRSTUVWXY"
        return (
            f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(10, 75)} "
            f"{''.join(rng.choice(letters) for _ in range(3))}"
        )
    if kind == 1:
        return f"{rng.randint(1, 250)} {rng.choice(STREETS)}"
    return f"{rng.choice(SURNAMES)}, {rng.choice(SURNAMES)}"


def _sentence(rng: random.Random, distinctive: str | None = None) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 12))]
    if distinctive:
        words.insert(rng.randrange(len(words) + 1), distinctive)
    return " ".join(words).capitalize() + "."


def _item_row(number: int, officer: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    occurred = YEAR_START + timedelta(seconds=rng.randrange(365 * 24 * 3600))
    duration = rng.uniform(20, 900)
    now = _now()
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "sha256": hashlib.sha256(number.to_bytes(8, "big")).hexdigest(),
        "size_bytes": int(duration * 150_000),
        "media_type": "video/mp4",
        "original_filename": f"{officer['camera']}_{occurred:%Y%m%dT%H%M%S}.mp4",
        "source": "axis",
        "camera_serial": officer["camera"],
        "officer": officer["username"],
        "officer_user_id": officer["id"],
        "borough": officer["borough"],
        "team_id": officer["team_id"],
        "recorded_start": occurred,
        "recorded_end": occurred + timedelta(seconds=duration),
        "occurred_at": occurred,
        "gps_track": None,
        "status": "ready",
        "flags": [],
        "extra_metadata": {},
        "duration_seconds": round(duration, 2),
        "title": rng.choice(TITLES) if rng.random() < 0.1 else None,
        "ingested_at": occurred + timedelta(hours=rng.uniform(1, 12)),
    }


def _converter(sample: Any, dialect: str) -> Any:
    """How a column's Python values are stored by the application's column types (UUIDs as hex
    and naive UTC text on SQLite; JSON as text), checked by the benchmark reading rows back."""
    if isinstance(sample, uuid.UUID) and dialect == "sqlite":
        return lambda v: v.hex if v is not None else None
    if isinstance(sample, datetime) and dialect == "sqlite":
        return lambda v: v.replace(tzinfo=None).isoformat(" ") if v is not None else None
    if isinstance(sample, dict | list):
        return lambda v: json.dumps(v) if v is not None else None
    return None


def bulk_insert(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Rows straight to the driver: SQLite executemany, PostgreSQL COPY (the app's code paths
    add nothing a benchmark needs, and a million rows through them take many minutes)."""
    if not rows:
        return
    dialect = connection.dialect.name
    columns = list(rows[0])
    samples = {c: next((r[c] for r in rows if r[c] is not None), None) for c in columns}
    converters = [_converter(samples[c], dialect) for c in columns]
    values = [
        tuple(
            f(row[c]) if f is not None else row[c] for c, f in zip(columns, converters, strict=True)
        )
        for row in rows
    ]
    cursor = connection.connection.driver_connection.cursor()
    names = ", ".join(columns)
    if dialect == "postgresql":
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)


def seed_items(engine: Any, force: Force, count: int, rng: random.Random) -> float:
    """Insert `count` items (and their categories, notes, markers) in chunks; seconds taken.
    Secondary indexes are dropped first and built once at the end, as any bulk load does."""
    from openbwv.evidence.annotations.models import Marker, Note
    from openbwv.evidence.models import EvidenceCategory, EvidenceItem

    tables = [t.__table__ for t in (EvidenceItem, EvidenceCategory, Note, Marker)]
    indexes = [index for table in tables for index in table.indexes]
    names, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    started = time.perf_counter()
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    for offset in range(0, count, CHUNK):
        items, categories, notes, markers = [], [], [], []
        for number in range(offset, min(count, offset + CHUNK)):
            row = _item_row(number, rng.choice(force.officers), rng)
            items.append(row)
            if rng.random() < 0.7:
                category = rng.choices(names, weights)[0]
                categories.append({"evidence_id": row["id"], "category": category})
                categories[-1]["assigned_at"] = row["ingested_at"]
            if rng.random() < 0.1:
                for _ in range(rng.randint(1, 2)):
                    token = _distinctive(rng)
                    note = _sentence(rng, token)
                    if len(force.phrases) < 500 and row["borough"] == force.boroughs[0]:
                        force.phrases.append(token.lower())
                    notes.append(
                        {"id": uuid.uuid4(), "evidence_id": row["id"], "author_name": "PC"}
                        | {"text": note, "created_at": row["ingested_at"]}
                    )
            if rng.random() < 0.05:
                markers.append(
                    {"id": uuid.uuid4(), "evidence_id": row["id"], "source": "axis"}
                    | {"offset_seconds": rng.uniform(0, row["duration_seconds"]), "label": ""}
                    | {"tags": [], "details": {}, "created_at": row["ingested_at"]}
                )
        with engine.begin() as connection:
            for table, rows in zip(tables, (items, categories, notes, markers), strict=True):
                bulk_insert(connection, table, rows)
        done = min(count, offset + CHUNK)
        if done % 200_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            print(f"    {done:>9,} items inserted ({rate:,.0f}/s)", flush=True)
    with engine.begin() as connection:
        for index in indexes:
            index.create(connection)
    return time.perf_counter() - started


def dress_for_the_page(session: Any, item_ids: list[uuid.UUID], rng: random.Random) -> None:
    """What a processed item has: derivatives (no bytes needed), a GPS track, markers, notes."""
    from sqlalchemy import select

    from openbwv.evidence.annotations.models import Marker, Note
    from openbwv.evidence.models import Derivative, EvidenceItem

    for item in session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(item_ids))):
        strip = {"timestamps": [i * 6.0 for i in range(10)], "tile_width": 160, "tile_height": 90}
        for kind, info in (("poster", {}), ("strip", strip)):
            session.add(
                Derivative(
                    evidence_id=item.id,
                    kind=kind,
                    params_hash="0" * 64,
                    info=info,
                    storage_key="0" * 64,
                    media_type="image/jpeg",
                    size_bytes=1,
                )
            )
        session.add(
            Derivative(
                evidence_id=item.id, kind="playback", params_hash="0" * 64, status="not_needed"
            )
        )
        lat, lon = 51.5 + rng.uniform(-0.05, 0.05), -0.12 + rng.uniform(-0.1, 0.1)
        start = item.recorded_start or item.occurred_at
        item.gps_track = [
            [(start + timedelta(seconds=5 * i)).isoformat(), lat + i * 1e-4, lon + i * 5e-5]
            for i in range(40)
        ]
        item.probe = {"video_codec": "h264", "audio_codec": "aac", "width": 1920}
        item.probe |= {"height": 1080, "frame_rate": 25.0, "container_short": "mp4"}
        for n in range(2):
            session.add(Marker(evidence_id=item.id, source="user", label=f"m{n}", offset_seconds=n))
            session.add(Note(evidence_id=item.id, author_name="PC", text=_sentence(rng)))
