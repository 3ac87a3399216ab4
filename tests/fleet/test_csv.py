"""CSV import and export of officers and cameras: per-row errors, idempotent re-import, dry runs,
strict mode, and exports that a spreadsheet cannot turn into formulas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from openbwv.access.models import User
from openbwv.db.session import unit_of_work
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.csvfiles import format as csv_format
from openbwv.fleet.csvfiles import queries as csv_queries
from openbwv.fleet.csvfiles import service as csv_service
from openbwv.fleet.csvfiles.service import ImportReport
from openbwv.fleet.models import OfficerTraining
from openbwv.timeutil import utcnow
from tests.fleet import helpers
from tests.fleet.helpers import ACTOR
from tests.support.stack import Stack

OFFICER_HEADER = (
    "warrant_number,display_name,borough,username,shoulder_number,team,email,trained_on"
)
CAMERA_HEADER = "serial,model,firmware_version,borough,station,pool,status,assigned_to"


def officers(text: str, **kwargs: Any) -> ImportReport:
    with unit_of_work() as session:
        return csv_service.import_officers(session, ACTOR, text.encode(), **kwargs)


def cams(text: str, **kwargs: Any) -> ImportReport:
    with unit_of_work() as session:
        return csv_service.import_cameras(session, ACTOR, text.encode(), **kwargs)


def errors(report: ImportReport) -> list[tuple[int, str | None]]:
    return [(e.row, e.column) for e in report.errors]


def user(warrant: str) -> User | None:
    with unit_of_work() as session:
        found = session.scalar(select(User).where(User.warrant_number == warrant))
        if found is not None:
            session.expunge(found)
        return found


def test_good_officers_import_once_then_update(stack: Stack) -> None:
    a, b = helpers.unique("W"), helpers.unique("W")
    text = (
        f"\ufeff{OFFICER_HEADER}\r\n"  # Excel's byte-order mark
        f"{a},PC Asha Khan,Camden,,123CK,Response A,asha.khan@met.example,2026-01-15\r\n"
        f'{b},"Smith, John",e09000033,{b.lower()}-js,456AB,,,\r\n'
    )
    first = officers(text)
    assert (first.created, first.updated, first.unchanged, first.errors) == (2, 0, 0, [])
    asha = user(a)
    assert asha is not None and asha.username == a.lower()  # default username
    assert (asha.borough, asha.shoulder_number, asha.email) == (
        "E09000007",
        "123CK",
        "asha.khan@met.example",
    )
    assert asha.role_names == ["officer"] and asha.password_hash is None and asha.team_id
    smith = user(b)
    assert smith is not None and smith.display_name == "Smith, John"
    assert smith.borough == "E09000033" and smith.username == f"{b.lower()}-js"
    with unit_of_work() as session:
        assert session.get(OfficerTraining, asha.id).trained_on.isoformat() == "2026-01-15"
    again = officers(text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = officers(text.replace("123CK", "999CK").replace(",,,\r\n", ",,,2026-02-01\r\n"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 2, 0)
    assert user(a).shoulder_number == "999CK"  # type: ignore[union-attr]
    blank = officers(f"{OFFICER_HEADER}\n{a},PC Asha Khan,Camden,,,,,\n")
    assert blank.unchanged == 1  # blank cells never erase what is known
    assert user(a).shoulder_number == "999CK"  # type: ignore[union-attr]


def test_bad_officer_rows_are_reported_and_skipped(stack: Stack) -> None:
    good, taken = helpers.unique("W"), helpers.officer()
    w = [helpers.unique("W") for _ in range(10)]
    future = (utcnow().date() + timedelta(days=3)).isoformat()
    rows = [
        f"{good},PC Good,Camden,,,,,",  # row 2
        f"{w[0]},,Camden,,,,,",  # 3: no name
        f"{w[1]},PC Nowhere,Atlantis,,,,,",  # 4: unknown borough
        f"{w[2]},PC Dates,Camden,,,,,2026-13-01",  # 5: no such month
        f"{w[3]},PC Dates,Camden,,,,,31/12/2025",  # 6: wrong format
        f"{w[4]},PC Future,Camden,,,,,{future}",  # 7
        f"{'W' * 33},PC Long,Camden,,,,,",  # 8: longer than the column
        f"{good},PC Again,Camden,,,,,",  # 9: same warrant twice in the file
        f"{w[5]},PC Email,Camden,,,,not-an-email,",  # 10
        f"{w[6]},PC Taken,Camden,{taken.username},,,,",  # 11: someone else's username
        f"{w[7]},PC Bell\x07,Camden,,,,,",  # 12: control character
        "=cmd|'/C calc'!A0,PC Formula,Camden,,,,,",  # 13: not a warrant number
        f"{w[8]},PC Extra,Camden,,,,,,surplus",  # 14: more fields than the header
    ]
    report = officers(OFFICER_HEADER + "\n" + "\n".join(rows) + "\n")
    assert report.created == 1 and report.rows == 13
    assert errors(report) == [
        (3, "display_name"),
        (4, "borough"),
        (5, "trained_on"),
        (6, "trained_on"),
        (7, "trained_on"),
        (8, "warrant_number"),
        (9, "warrant_number"),
        (10, "email"),
        (11, "username"),
        (12, "display_name"),
        (13, "warrant_number"),
        (14, None),
    ]
    messages = {e.row: e.message for e in report.errors}
    assert "unknown borough 'Atlantis'" in messages[4]
    assert "longer than 32 characters" in messages[8]
    assert messages[9] == "duplicate of row 2"
    assert "future" in messages[7]
    assert user(good) is not None
    assert all(user(x) is None for x in w)  # no partial rows


def test_missing_columns_and_unreadable_files_import_nothing(stack: Stack) -> None:
    warrant = helpers.unique("W")
    report = officers(f"warrant_number,borough\n{warrant},Camden\n")
    assert errors(report) == [(1, "display_name")] and report.created == 0
    assert user(warrant) is None
    with unit_of_work() as session:
        bad = csv_service.import_officers(session, ACTOR, b"warrant_number\n\xff\xfe\n")
    assert bad.errors[0].row == 0 and "UTF-8" in bad.errors[0].message
    huge = "x" * 200_000
    report = officers(f'{OFFICER_HEADER}\n{warrant},PC X,Camden,,,,,\n{warrant}2,"{huge}",Camden\n')
    assert report.created == 0 and "malformed CSV" in report.errors[0].message
    assert officers("").errors[0].message.startswith("the file is empty")
    report = officers(f"Warrant Number,Display Name,BOROUGH,Rank\n{warrant},PC Case,Camden,PC\n")
    assert report.created == 1 and report.warnings == ["ignored unknown column(s): rank"]


def test_dry_run_and_strict_change_nothing(stack: Stack) -> None:
    a, b = helpers.unique("W"), helpers.unique("W")
    text = f"{OFFICER_HEADER}\n{a},PC A,Camden,,,,,\n{b},PC B,Narnia,,,,,\n"
    dry = officers(text, dry_run=True)
    assert (dry.created, dry.applied, errors(dry)) == (1, False, [(3, "borough")])
    assert user(a) is None
    strict = officers(text, strict=True)
    assert (strict.created, strict.applied) == (1, False) and user(a) is None
    applied = officers(text)
    assert applied.applied and user(a) is not None and user(b) is None


def test_cameras_import_with_assignments_and_bad_rows(stack: Stack) -> None:
    holder, busy = helpers.officer(), helpers.officer()
    helpers.assign(helpers.camera(), busy.warrant_number)  # already holds one
    s = [helpers.unique("CAM-") for _ in range(10)]
    rows = [
        f"{s[0]},Axis W110,11.5.70,Camden,Camden Test Station,no,,{holder.warrant_number}",  # 2
        f"{s[1]},Axis W110,,Camden,,yes,docked,",  # 3: a pool camera in its dock
        f"{s[0]},Axis W110,,,,,,",  # 4: duplicate serial
        f"{s[2]},Axis W110,,Camden,,,stolen,",  # 5: unknown status
        f"{s[3]},Axis W110,,Camden,,,issued,",  # 6: issued to nobody
        f"{s[4]},Axis W110,,Camden,,,,NOBODY-{s[4]}",  # 7: unknown officer
        f"{s[5]},Axis W110,,Camden,,,,{busy.username}",  # 8: officer already holds a camera
        f"{s[6]},Axis W110,,Camden,,maybe,,",  # 9: pool must be yes/no
        f"{s[7]},Axis W110,,Camden,,yes,,{holder.username}",  # 10: pool cameras aren't assigned
        "bad serial!,Axis W110,,Camden,,,,",  # 11
        f"{s[8]},,,Camden,,,,",  # 12: model missing
        f"{s[9]},Axis W110,,Westminster,Camden Test Station,,,",  # 13: station in another borough
    ]
    report = cams(CAMERA_HEADER + "\n" + "\n".join(rows) + "\n")
    assert (report.created, report.rows) == (2, 12)
    assert errors(report) == [
        (4, "serial"), (5, "status"), (6, "assigned_to"), (7, "assigned_to"),
        (8, "assigned_to"), (9, "pool"), (10, "assigned_to"), (11, "serial"), (12, "model"),
        (13, "station"),
    ]  # fmt: skip
    with unit_of_work() as session:
        first = camera_queries.get_camera(session, s[0])
        assert (first.status, first.firmware_version, first.home_borough) == (
            "issued",
            "11.5.70",
            "E09000007",
        )
        assert camera_queries.open_assignment(session, first).officer_id == holder.id  # type: ignore[union-attr]
        pool = camera_queries.get_camera(session, s[1])
        assert (pool.pool, pool.status) == (True, "docked")
        for serial in s[2:]:
            assert camera_queries.find_camera(session, serial) is None, serial
    again = cams(CAMERA_HEADER + "\n" + "\n".join(rows[:2]) + "\n")
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    moved = cams(f"{CAMERA_HEADER}\n{s[1]},Axis W110,12.0.31,Camden,,yes,faulty,\n")
    assert moved.updated == 1
    assert helpers.status_of(s[1]) == "faulty"
    refused = cams(f"{CAMERA_HEADER}\n{s[1]},Axis W110,,Camden,,yes,docked,\n")
    assert (
        errors(refused) == [(2, "status")] and "cannot go from faulty" in refused.errors[0].message
    )


def test_export_neutralises_formulas_and_reimports_unchanged(stack: Stack) -> None:
    nasty = {
        '=HYPERLINK("http://evil.example","x")': "'=HYPERLINK(",
        "+44 20 7230 1212": "'+44",
        "-2+3": "'-2+3",
        "@SUM(A1)": "'@SUM",
        "'quoted": "''quoted",
    }
    warrants = {}
    for name in nasty:
        warrant = helpers.unique("W")
        warrants[warrant] = name
        quoted = '"' + name.replace('"', '""') + '"'
        assert officers(f"{OFFICER_HEADER}\n{warrant},{quoted},Camden,,,,,\n").created == 1
    with unit_of_work() as session:
        text = csv_format.write_csv(csv_format.OFFICER_COLUMNS, csv_queries.officer_rows(session))
    lines = {line.split(",", 1)[0]: line for line in text.splitlines()[1:]}
    for warrant, name in warrants.items():
        assert lines[warrant].split(",", 1)[1].lstrip('"').startswith(nasty[name]), lines[warrant]
    assert text.startswith(OFFICER_HEADER + "\r\n")
    mine = [line for line in text.splitlines()[1:] if line.split(",", 1)[0] in warrants]
    report = officers("\r\n".join([OFFICER_HEADER, *mine]) + "\r\n")
    assert report.errors == [] and report.unchanged == len(warrants) == 5
    for warrant, name in warrants.items():
        assert user(warrant).display_name == name  # type: ignore[union-attr]


def test_neutralise_round_trip() -> None:
    for value in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "'x", "''x", "plain", "", "a=b"):
        safe = csv_format.neutralise(value)
        assert not safe.startswith(csv_format.FORMULA_TRIGGERS)
        assert csv_format.unneutralise(safe) == value
