"""Seeding a database for the search benchmark: a force of 32 boroughs, 10 teams of 20 officers
each, a camera per officer, and N evidence items spread over a year — 70 % categorised (mostly
non-evidential), 10 % with notes, 5 % with markers, some with titles, 80 % with a short GPS track
in their borough — inserted in bulk.

Rows are made a chunk at a time and streamed to the database (COPY on PostgreSQL), so memory stays
flat at any size. On PostgreSQL every index and key of the four tables is dropped first and built
again afterwards from the definitions the migrations left (read from the catalogue, so the seeded
database has exactly the indexes a migrated one has)."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import multiprocessing
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TEAMS_PER_BOROUGH = 10
OFFICERS_PER_TEAM = 20
CHUNK = 20_000
TRACKED = 0.8  # items with a GPS track (the rest: no fix, or a camera without GPS)
SPLIT = 0.2  # items that carry on the previous item's recording (a camera splits long ones)
SPOTS_PER_BOROUGH = 400
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
    # Points inside each borough's outline, (lon, lat): where its items' tracks start.
    spots: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


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
    force.spots = borough_spots(boroughs, rng)
    return force


def borough_spots(boroughs: list[str], rng: random.Random) -> dict[str, list[tuple[float, float]]]:
    """Random points inside each borough's shipped outline."""
    from openbwv import geo
    from openbwv.web import maps

    spots: dict[str, list[tuple[float, float]]] = {}
    for shape in maps.borough_shapes():
        if shape.gss_code not in boroughs:
            continue
        outlines = [polygon[0] for polygon in shape.polygons]
        box = geo.bounding_box([p for ring in outlines for p in ring])
        assert box is not None
        found = spots.setdefault(shape.gss_code, [])
        while len(found) < SPOTS_PER_BOROUGH:
            point = (rng.uniform(box.min_lon, box.max_lon), rng.uniform(box.min_lat, box.max_lat))
            if any(geo.point_in_polygon(point, ring) for ring in outlines):
                found.append(point)
    return spots


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


def _item_row(
    number: int, officer: dict[str, Any], rng: random.Random, now: datetime | None = None
) -> dict[str, Any]:
    second = rng.randrange(365 * 24 * 3600)
    occurred = YEAR_START + timedelta(seconds=second)
    duration = rng.uniform(20, 900)
    now = now or _now()
    return {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "sha256": hashlib.sha256(number.to_bytes(8, "big")).hexdigest(),
        "size_bytes": int(duration * 150_000),
        "media_type": "video/mp4",
        "original_filename": f"{officer['camera']}_{second:08d}.mp4",  # strftime: slow
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


ITEM_COLUMNS = (
    "id, created_at, updated_at, sha256, size_bytes, media_type, original_filename, source,"
    " camera_serial, officer, officer_user_id, borough, team_id, recorded_start, recorded_end,"
    " occurred_at, gps_track, status, flags, extra_metadata, duration_seconds, title,"
    " ingested_at, track_min_lat, track_max_lat, track_min_lon, track_max_lon, recording_key"
)
# The item's borough and time on its category row, as the database's triggers would copy them
# (migration 0021); the seed writes them itself, on PostgreSQL with the triggers off
# (`_seed_chunk`; SQLite's triggers write the same values again).
CATEGORY_COLUMNS = "evidence_id, category, assigned_at, borough, occurred_at"
NOTE_COLUMNS = "id, evidence_id, author_name, text, created_at"
MARKER_COLUMNS = "id, evidence_id, source, offset_seconds, label, tags, details, created_at"
COLUMNS = (ITEM_COLUMNS, CATEGORY_COLUMNS, NOTE_COLUMNS, MARKER_COLUMNS)  # as _tables()
Row = tuple[str | None, ...]
EPOCH = YEAR_START.timestamp()
YEAR = 365 * 24 * 3600


def _uuid(rng: random.Random) -> str:
    """An id as both databases take it in text: 32 hex digits (SQLite stores UUIDs so)."""
    return f"{rng.getrandbits(128):032x}"


DAYS = [f"{YEAR_START + timedelta(days=d):%Y-%m-%d}" for d in range(400)]


def _when(seconds: int) -> str:
    """A UTC time in the seeded year as naive text: SQLite's storage, and PostgreSQL's with the
    session in UTC (formatted by hand: datetime's own formatting is the seed's largest cost)."""
    day, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{DAYS[day]} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def make_chunk(force: Force, offset: int, size: int, rng: random.Random) -> tuple[list[Row], ...]:
    """Items offset .. offset + size (and their categories, notes, markers) as rows of text, in
    the column orders above. Text, because formatting it once is the cheapest way to make
    millions of rows in Python (COPY's text format on PostgreSQL, executemany on SQLite)."""
    names = list(CATEGORY_WEIGHTS)
    bounds = list(itertools.accumulate(CATEGORY_WEIGHTS.values()))
    people = [
        (o["camera"], o["username"], o["id"].hex, o["borough"], o["team_id"].hex)
        for o in force.officers
    ]
    items: list[Row] = []
    categories: list[Row] = []
    notes: list[Row] = []
    markers: list[Row] = []
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    recording: tuple[tuple[str, ...], int, str] | None = None  # (officer, its end, its key)
    for number in range(offset, offset + size):
        item_id = _uuid(rng)
        duration = rng.randrange(20, 900)
        if recording is not None and rng.random() < SPLIT and recording[1] + duration < YEAR:
            person, second, key = recording  # the next clip of the same recording
        else:
            person, second = rng.choice(people), rng.randrange(YEAR - duration)
            key = f"axis:{rng.getrandbits(160):040x}"
        recording = (person, second + duration, key)
        camera, username, officer_id, borough, team = person
        arrived = _when(second + rng.randrange(3600, 12 * 3600))
        track, box = _track(force.spots.get(borough, []), second, duration, rng)
        title = rng.choice(TITLES) if rng.random() < 0.1 else None
        start, end = _when(second), _when(second + duration)
        items.append(
            (
                *(item_id, now, now, hashlib.sha256(number.to_bytes(8, "big")).hexdigest()),
                *(str(duration * 150_000), "video/mp4", f"{camera}_{second:08d}.mp4", "axis"),
                *(camera, username, officer_id, borough, team, start, end, start, track),
                *("ready", "[]", "{}", str(duration), title, arrived, *box, key),
            )
        )
        if rng.random() < 0.7:
            category = names[bisect.bisect(bounds, rng.random() * bounds[-1])]
            categories.append((item_id, category, arrived, borough, start))
        if rng.random() < 0.1:
            for _ in range(rng.randint(1, 2)):
                token = _distinctive(rng)
                if len(force.phrases) < 50 and borough == force.boroughs[0]:
                    force.phrases.append(token.lower())
                notes.append((_uuid(rng), item_id, "PC", _sentence(rng, token), arrived))
        if rng.random() < 0.05:
            at = str(rng.randrange(duration))
            markers.append((_uuid(rng), item_id, "axis", at, "", "[]", "{}", arrived))
    return items, categories, notes, markers


def _track(
    spots: list[tuple[float, float]], second: int, duration: int, rng: random.Random
) -> tuple[str | None, tuple[str | None, ...]]:
    """A short track (its first and last fix, a few hundred metres apart) from a spot in the
    item's borough, or none (TRACKED of items have one), and its bounding box."""
    if not spots or rng.random() >= TRACKED:
        return None, (None, None, None, None)
    lon, lat = rng.choice(spots)
    end_lat, end_lon = lat + rng.uniform(0, 2e-3), lon + rng.uniform(0, 3e-3)
    start = datetime.fromtimestamp(EPOCH + second, UTC).isoformat()
    end = datetime.fromtimestamp(EPOCH + second + duration, UTC).isoformat()
    track = f'[["{start}", {lat!r}, {lon!r}], ["{end}", {end_lat!r}, {end_lon!r}]]'
    return track, (repr(lat), repr(end_lat), repr(lon), repr(end_lon))


def copy_rows(connection: Any, table: str, columns: str, rows: list[Row]) -> None:
    """Rows of text to the table: COPY on PostgreSQL (one buffer per chunk), executemany on
    SQLite."""
    if not rows:
        return
    cursor = connection.connection.driver_connection.cursor()
    if connection.dialect.name == "postgresql":
        lines = "".join(
            "\t".join(v if v is not None else "\\N" for v in row) + "\n" for row in rows
        )
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(lines)
    else:
        marks = ", ".join("?" for _ in rows[0])
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def seed_items(
    engine: Any, force: Force, count: int, rng: random.Random, workers: int = 1
) -> float:
    """Insert `count` items (and their categories, notes, markers) in chunks, each made and
    sent by one of `workers` processes (PostgreSQL; SQLite takes one writer); seconds taken.
    Secondary indexes (on PostgreSQL: keys too) are dropped first and built once at the end, as
    any bulk load does."""
    started = time.perf_counter()
    with engine.begin() as connection:
        rebuild = _drop_indexes(connection, _tables())
    url = engine.url.render_as_string(hide_password=False)
    base = rng.randrange(2**32)
    tasks = [(base, offset, min(CHUNK, count - offset)) for offset in range(0, count, CHUNK)]
    if engine.dialect.name != "postgresql" or workers <= 1:
        _start_worker(url, force, engine)
        results: Iterator[tuple[int, list[str]]] = map(_seed_chunk, tasks)
        _report(results, force, count, started)
    else:
        fork = multiprocessing.get_context("fork")
        with fork.Pool(workers, _start_worker, (url, force)) as pool:
            _report(pool.imap(_seed_chunk, tasks), force, count, started)
    print(f"    indexes and keys: building ({time.perf_counter() - started:,.0f} s)", flush=True)
    with engine.begin() as connection:
        rebuild(connection)
    return time.perf_counter() - started


def _tables() -> list[Any]:
    from openbwv.evidence.annotations.models import Marker, Note
    from openbwv.evidence.models import EvidenceCategory, EvidenceItem

    return [t.__table__ for t in (EvidenceItem, EvidenceCategory, Note, Marker)]


def _report(
    results: Iterator[tuple[int, list[str]]], force: Force, count: int, started: float
) -> None:
    """Progress, and the chunks' phrases (the first 500, in chunk order: the same every run)."""
    done = 0
    for size, phrases in results:
        force.phrases.extend(phrases[: 500 - len(force.phrases)])
        done += size
        if done % 200_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            print(f"    {done:>10,} items inserted ({rate:,.0f}/s)", flush=True)


_worker: dict[str, Any] = {}  # in each seeding process: its engine and the force


def _start_worker(url: str, force: Force, engine: Any = None) -> None:
    from sqlalchemy import create_engine

    # A forked process makes its own connections (the parent's are not its to use).
    _worker.update(engine=engine or create_engine(url), force=force)


def _seed_chunk(task: tuple[int, int, int]) -> tuple[int, list[str]]:
    """One chunk, made from its own random stream (so the seed is the same however many
    processes share it) and sent in one transaction; its size and its notes' phrases."""
    base, offset, size = task
    force = Force(_worker["force"].boroughs, _worker["force"].officers)
    force.spots = _worker["force"].spots
    rows = make_chunk(force, offset, size, random.Random(base + offset))
    with _worker["engine"].begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            connection.exec_driver_sql("SET LOCAL timezone = 'UTC'")  # the rows' naive times
            # Triggers off: the category rows carry their copies already, and with the keys
            # dropped for the load each trigger's look-up of the item would scan the table.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table, columns, chunk in zip(_tables(), COLUMNS, rows, strict=True):
            copy_rows(connection, table.name, columns, chunk)
    return size, force.phrases


def _drop_indexes(connection: Any, tables: list[Any]) -> Any:
    """Drop the tables' indexes; a function that builds them again."""
    if connection.dialect.name != "postgresql":
        indexes = [index for table in tables for index in table.indexes]
        for index in indexes:
            index.drop(connection)
        return lambda again: [index.create(again) for index in indexes]
    names = [table.name for table in tables]
    # Keys (primary, unique, foreign) of these tables and the foreign keys that point at them;
    # then every other index, as the migrations defined it.
    keys = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype"
        " FROM pg_constraint WHERE contype IN ('p', 'u', 'f')"
        " AND (conrelid::regclass::text = ANY(%(t)s) OR confrelid::regclass::text = ANY(%(t)s))",
        {"t": names},
    ).all()
    indexes = connection.exec_driver_sql(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid::regclass::text = ANY(%(t)s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        {"t": names},
    ).all()
    foreign_first = sorted(keys, key=lambda key: key[3] != "f")
    for table, name, _, _ in foreign_first:
        connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {name}")

    def rebuild(again: Any) -> None:
        again.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        statements = [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition, _ in reversed(foreign_first)  # keys, then what uses them
        ] + [definition for _, definition in indexes]
        for statement in statements:
            started = time.perf_counter()
            again.exec_driver_sql(statement)
            print(f"      {time.perf_counter() - started:6.0f} s  {statement[:90]}", flush=True)

    return rebuild


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
        add_processing_results(session, item, rng)
        for n in range(2):
            session.add(Marker(evidence_id=item.id, source="user", label=f"m{n}", offset_seconds=n))
            session.add(Note(evidence_id=item.id, author_name="PC", text=_sentence(rng)))


def add_processing_results(session: Any, item: Any, rng: random.Random) -> None:
    """The rest of what processing leaves on an item: its playback row (not needed: the original
    plays), a GPS track of 40 fixes in central London, and its probe."""
    from openbwv.evidence.models import Derivative

    session.add(
        Derivative(evidence_id=item.id, kind="playback", params_hash="0" * 64, status="not_needed")
    )
    lat, lon = 51.5 + rng.uniform(-0.05, 0.05), -0.12 + rng.uniform(-0.1, 0.1)
    start = item.recorded_start or item.occurred_at
    item.gps_track = [
        [(start + timedelta(seconds=5 * i)).isoformat(), lat + i * 1e-4, lon + i * 5e-5]
        for i in range(40)
    ]
    item.probe = {"video_codec": "h264", "audio_codec": "aac", "width": 1920}
    item.probe |= {"height": 1080, "frame_rate": 25.0, "container_short": "mp4"}


# --- a seeded database kept for later runs ------------------------------------------------------

FACTS = "bench_search_seed"  # the benchmark's own table: what the seed made, for --reuse


def record_facts(engine: Any, facts: dict[str, Any]) -> None:
    """Keep what the seed made (items, seconds, the searcher's borough, phrases, page items)."""
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE IF NOT EXISTS {FACTS} (facts TEXT NOT NULL)"))
        connection.execute(text(f"DELETE FROM {FACTS}"))
        connection.execute(text(f"INSERT INTO {FACTS} VALUES (:f)"), {"f": json.dumps(facts)})


def seeded(engine: Any) -> dict[str, Any] | None:
    """What an earlier seed of this database recorded, or None when it was never seeded."""
    from sqlalchemy import inspect, text

    if not inspect(engine).has_table(FACTS):
        return None
    with engine.connect() as connection:
        facts: dict[str, Any] = json.loads(
            connection.execute(text(f"SELECT facts FROM {FACTS}")).scalar_one()
        )
    return facts


def force_of(session: Any, borough: str, phrases: list[str]) -> Force:
    """The force an earlier seed made, read back from its users (cameras follow the numbers)."""
    from sqlalchemy import select

    from openbwv.access.models import User

    users = session.execute(
        select(User.id, User.username, User.borough, User.team_id)
        .where(User.username.like("pc%"))
        .order_by(User.username)
    ).all()
    others = sorted({u.borough for u in users} - {borough})
    force = Force([borough, *others], [], phrases=phrases)
    for user in users:
        officer = {"id": user.id, "username": user.username, "borough": user.borough}
        officer |= {"team_id": user.team_id, "camera": f"AXB-{int(user.username[2:]):06d}"}
        force.officers.append(officer)
        force.by_borough.setdefault(user.borough, []).append(officer)
    return force
