"""The CAD contract: one row per attending officer, checked field by field (docs/incidents.md).

Pure: it neither reads nor writes the database. A CSV file and a pushed JSON batch are the same
rows (each a mapping of the contract's column names to text), checked by the same code, and each
problem names its row (the CSV's line number, the header being row 1; a push's position from 1)
and column."""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openbwv.timeutil import parse_rfc3339

COLUMNS = (
    "incident_number",
    "incident_type",
    "priority",
    "latitude",
    "longitude",
    "opened_at",
    "officer_warrant",
    "dispatched_at",
    "arrived_at",
    "cleared_at",
    "closing_code",
)
OPTIONAL_COLUMNS = ("address",)  # an extension: the location's text, when the CAD gives it
REQUIRED: tuple[str, ...] = ("incident_number", "incident_type", "opened_at", "officer_warrant")
REQUIRED += ("dispatched_at", "cleared_at")
# Fields every row of one incident must agree on.
INCIDENT_FIELDS = ("type", "priority", "latitude", "longitude", "opened_at", "closing_code")
LONDON = ZoneInfo("Europe/London")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True)
class CadRow:
    row: int
    number: str
    type: str
    priority: str | None
    latitude: float | None
    longitude: float | None
    opened_at: datetime
    warrant: str
    dispatched_at: datetime
    arrived_at: datetime | None
    cleared_at: datetime
    closing_code: str | None
    address: str | None = None


@dataclass
class Checked:
    rows: list[CadRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    total: int = 0

    def bad_incidents(self) -> set[str]:
        """Incidents with any bad row: none of their rows is applied, even with --partial."""
        return {row.number for row in self.rows if row.row in self.bad_rows}

    def good(self) -> list[CadRow]:
        bad = self.bad_incidents()
        return [row for row in self.rows if row.number not in bad and row.row not in self.bad_rows]


def read_csv(data: bytes) -> Checked:
    """The rows of a CAD CSV file (UTF-8, a header row naming the contract's columns)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Checked(problems=[Problem(1, "file", "not UTF-8 text")], total=0)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        problems = [Problem(1, name, "column missing from the header") for name in missing]
        problems += [Problem(1, name, "not a column of the CAD contract") for name in unknown]
        return Checked(problems=problems)
    reader.fieldnames = header
    numbered = ((index + 2, row) for index, row in enumerate(reader))
    return check_rows(numbered)


def check_rows(rows: Iterable[tuple[int, Mapping[str, object]]]) -> Checked:
    """Check numbered rows; the good ones come back parsed, every problem with row and column."""
    checked = Checked()
    seen: dict[tuple[str, str], int] = {}
    first: dict[str, CadRow] = {}
    for number, raw in rows:
        checked.total += 1
        if checked.total > MAX_ROWS:
            checked.problems.append(Problem(number, "file", f"more than {MAX_ROWS} rows"))
            checked.bad_rows.add(number)
            break
        parsed, problems = _row(number, raw)
        if parsed is not None:
            problems += _consistent(parsed, first.setdefault(parsed.number, parsed))
            key = (parsed.number, parsed.warrant)
            if key in seen:
                message = f"officer already listed for this incident on row {seen[key]}"
                problems.append(Problem(number, "officer_warrant", message))
            seen.setdefault(key, number)
            checked.rows.append(parsed)
        if problems:
            checked.problems += problems
            checked.bad_rows.add(number)
    return checked


def _consistent(row: CadRow, first: CadRow) -> list[Problem]:
    if row is first:
        return []
    return [
        Problem(row.row, _column(name), f"differs from row {first.row} of the same incident")
        for name in INCIDENT_FIELDS
        if getattr(row, name) != getattr(first, name)
    ]


def _column(name: str) -> str:
    return "incident_type" if name == "type" else name


class _Fields:
    """One row's fields, collecting a problem per bad field rather than stopping at the first."""

    def __init__(self, number: int, raw: Mapping[str, object]) -> None:
        self.number = number
        self.raw = raw
        self.problems: list[Problem] = []

    def text(self, column: str, limit: int) -> str | None:
        value = self.raw.get(column)
        cleaned = " ".join(str(value).split()) if value is not None else ""
        if not cleaned:
            if column in REQUIRED:
                self.problems.append(Problem(self.number, column, "required"))
            return None
        if len(cleaned) > limit:
            self.problems.append(Problem(self.number, column, f"longer than {limit} characters"))
            return None
        return cleaned

    def number_in(self, column: str, low: float, high: float) -> float | None:
        value = self.text(column, 32)
        if value is None:
            return None
        try:
            parsed = float(value)
        except ValueError:
            parsed = math.nan
        if not (low <= parsed <= high):
            self.problems.append(Problem(self.number, column, f"not a number from {low} to {high}"))
            return None
        return parsed

    def time(self, column: str) -> datetime | None:
        value = self.text(column, 40)
        if value is None:
            return None
        try:
            return parse_rfc3339(value)
        except ValueError:
            message = "not an ISO 8601 time with its UTC offset (e.g. 2026-11-24T08:00:00+00:00)"
            self.problems.append(Problem(self.number, column, message))
            return None


def _row(number: int, raw: Mapping[str, object]) -> tuple[CadRow | None, list[Problem]]:
    f = _Fields(number, raw)
    incident = f.text("incident_number", 32)
    kind = f.text("incident_type", 64)
    priority = f.text("priority", 16)
    latitude = f.number_in("latitude", -90, 90)
    longitude = f.number_in("longitude", -180, 180)
    opened, dispatched = f.time("opened_at"), f.time("dispatched_at")
    arrived, cleared = f.time("arrived_at"), f.time("cleared_at")
    warrant = f.text("officer_warrant", 32)
    closing, address = f.text("closing_code", 32), f.text("address", 500)
    if (latitude is None) != (longitude is None) and not f.problems:
        f.problems.append(Problem(number, "longitude", "latitude and longitude come together"))
    f.problems += _order(number, opened, dispatched, arrived, cleared)
    if f.problems or None in (incident, kind, opened, warrant, dispatched, cleared):
        return None, f.problems
    assert incident and kind and opened and warrant and dispatched and cleared
    return (
        CadRow(
            number,
            incident.upper(),
            kind.lower().replace(" ", "_"),
            priority,
            latitude,
            longitude,
            opened,
            warrant.upper(),
            dispatched,
            arrived,
            cleared,
            closing.upper() if closing else None,
            address,
        ),
        [],
    )


def _order(
    number: int,
    opened: datetime | None,
    dispatched: datetime | None,
    arrived: datetime | None,
    cleared: datetime | None,
) -> list[Problem]:
    """Opened, dispatched, arrived and cleared, in that order (each where given)."""
    problems = []
    steps = [("opened_at", opened), ("dispatched_at", dispatched)]
    steps += [("arrived_at", arrived), ("cleared_at", cleared)]
    known = [(name, value) for name, value in steps if value is not None]
    for (before, earlier), (after, later) in itertools.pairwise(known):
        if later < earlier:
            problems.append(Problem(number, after, f"before {before}"))
    if opened and cleared and cleared - opened > timedelta(days=7):
        problems.append(Problem(number, "cleared_at", "more than 7 days after opened_at"))
    return problems


def week_of(when: datetime) -> str:
    """The Monday of its London week, YYYY-MM-DD."""
    day = when.astimezone(LONDON).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def month_of(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%Y-%m")
