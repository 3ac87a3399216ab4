"""CSV files of officers and cameras: columns, reading with per-row errors, safe writing.

Files are UTF-8 (a byte-order mark, as Excel writes, is accepted), comma-separated, with a header
row; header names are matched case-insensitively and unknown columns are ignored with a warning.
Row numbers in errors count the header as row 1, as a spreadsheet shows them.

Values that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) are written with a leading apostrophe, and so is a value that itself starts with an
apostrophe; reading removes exactly that one apostrophe, so an export re-imports unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Column:
    name: str
    max_length: int
    required: bool = False
    help: str = ""


OFFICER_COLUMNS = (
    Column("warrant_number", 32, True, "the force's unique number for the officer; the key"),
    Column("display_name", 128, True, "name as shown in the platform"),
    Column("borough", 64, True, "GSS code (E09000007) or name (Camden)"),
    Column("username", 64, False, "sign-in name; default: the warrant number in lower case"),
    Column("shoulder_number", 32, False, "collar/shoulder number, e.g. 123AB"),
    Column("team", 100, False, "team within the borough; created on first use"),
    Column("email", 254, False, "work email address"),
    Column("trained_on", 10, False, "date of body worn video training, YYYY-MM-DD"),
)

CAMERA_COLUMNS = (
    Column("serial", 64, True, "the camera's serial number; the key"),
    Column("model", 64, True, "camera model, e.g. Axis W110"),
    Column("firmware_version", 32, False, "version the camera runs"),
    Column("borough", 64, False, "home borough: GSS code or name"),
    Column("station", 100, False, "home station; created in the borough on first use"),
    Column("pool", 5, False, "yes for a shift pool camera, no (default) for personal issue"),
    Column(
        "status", 16, False, "in_stock, docked, faulty, lost, retired (issued: see assigned_to)"
    ),
    Column("assigned_to", 64, False, "warrant number or username of the officer holding it"),
)


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the header
    column: str | None
    message: str


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fatal: bool = False  # the file itself is unusable: nothing in it is imported


def neutralise(value: str) -> str:
    """Make a cell safe to open in a spreadsheet (CWE-1236, CSV injection)."""
    if value.startswith((*FORMULA_TRIGGERS, "'")):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in (*FORMULA_TRIGGERS, "'"):
        return value[1:]
    return value


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    return data.decode("utf-8-sig")


def _header(
    raw: list[str], columns: Sequence[Column], parsed: ParsedFile
) -> list[str | None] | None:
    names = [cell.strip().lower().replace(" ", "_") for cell in raw]
    known = {c.name for c in columns}
    seen: set[str] = set()
    for name in names:
        if name in seen and name in known:
            parsed.errors.append(RowError(1, name, "column appears more than once"))
        seen.add(name)
    for column in columns:
        if column.required and column.name not in names:
            parsed.errors.append(RowError(1, column.name, "required column is missing"))
    unknown = [n for n in names if n and n not in known]
    if unknown:
        parsed.warnings.append(f"ignored unknown column(s): {', '.join(unknown)}")
    if parsed.errors:
        return None
    return [n if n in known else None for n in names]


def clean_cell(raw: str, column: Column) -> tuple[str, str | None]:
    """The cell's value, or an error message."""
    value = unneutralise(raw.strip())
    if _CONTROL.search(value):
        return value, "contains control characters"
    if len(value) > column.max_length:
        return value, f"longer than {column.max_length} characters"
    return value, None


def read_csv(data: bytes | str, columns: Sequence[Column]) -> ParsedFile:
    """Parse a file into rows of cleaned cells; errors are per row and column."""
    parsed = ParsedFile()
    if len(data) > MAX_FILE_BYTES:
        parsed.errors.append(RowError(0, None, f"file larger than {MAX_FILE_BYTES} bytes"))
        parsed.fatal = True
        return parsed
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        parsed.errors.append(RowError(0, None, f"not UTF-8 text ({exc.reason} at {exc.start})"))
        parsed.fatal = True
        return parsed
    by_name = {c.name: c for c in columns}
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str | None] | None = None
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if header is None:
                header = _header(record, columns, parsed)
                if header is None:
                    parsed.fatal = True
                    return parsed
                continue
            if not any(cell.strip() for cell in record):
                continue
            if len(parsed.rows) >= MAX_ROWS:
                parsed.errors.append(RowError(number, None, f"more than {MAX_ROWS} rows"))
                parsed.fatal = True
                return parsed
            _row(number, record, header, by_name, parsed)
    except csv.Error as exc:
        parsed.errors.append(RowError(number + 1, None, f"malformed CSV: {exc}"))
        parsed.fatal = True
    if header is None:
        parsed.errors.append(RowError(1, None, "the file is empty: a header row is needed"))
        parsed.fatal = True
    return parsed


def _row(
    number: int,
    record: list[str],
    header: list[str | None],
    by_name: dict[str, Column],
    parsed: ParsedFile,
) -> None:
    if len(record) > len(header):
        parsed.errors.append(
            RowError(number, None, f"{len(record)} fields but the header has {len(header)}")
        )
        return
    values: dict[str, str] = {}
    failed = False
    for name, raw in zip(header, record, strict=False):
        if name is None:
            continue
        value, problem = clean_cell(raw, by_name[name])
        if problem:
            parsed.errors.append(RowError(number, name, problem))
            failed = True
        values[name] = value
    for column in by_name.values():
        if column.required and not values.get(column.name):
            parsed.errors.append(RowError(number, column.name, "a value is required"))
            failed = True
    if not failed:
        parsed.rows.append((number, values))


def write_csv(columns: Sequence[Column], rows: Iterable[dict[str, str | None]]) -> str:
    """RFC 4180 CSV (CRLF line ends), every cell neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(c.name) or "") for c in columns])
    return out.getvalue()
