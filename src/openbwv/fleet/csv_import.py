"""Importing and exporting officers and cameras as CSV (see csv_format for the file rules).

Import is idempotent: a row whose key (warrant number, camera serial) exists updates that record,
otherwise it creates one; a row that changes nothing is counted as unchanged. Each row is applied
in its own savepoint, so a row that fails validation or clashes with the database is reported and
leaves nothing behind, while the good rows are imported. `strict` imports nothing if any row is
bad; `dry_run` checks every row against the database and rolls everything back. A blank optional
cell leaves the current value as it is: a file never erases data by omission.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openbwv.access.admin.service import UserSpec, create_user, ensure_team
from openbwv.access.errors import UserError
from openbwv.access.models import User, UserRole
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet import cameras as cams
from openbwv.fleet.assignments import assign
from openbwv.fleet.csv_format import (
    CAMERA_COLUMNS,
    OFFICER_COLUMNS,
    ParsedFile,
    RowError,
    read_csv,
)
from openbwv.fleet.errors import FleetError
from openbwv.fleet.models import (
    Assignment,
    Borough,
    Camera,
    CameraStatus,
    OfficerTraining,
    Station,
    Team,
)
from openbwv.timeutil import utcnow

WARRANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class RowRejected(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    strict: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False  # False for a dry run, or a strict import with errors

    @property
    def ok(self) -> bool:
        return not self.errors


class BoroughTable(dict[str, str]):
    """GSS codes and lower-cased names to GSS codes. It also holds the Borough rows, so the
    session's (weak) identity map keeps them and per-row look-ups by code cost no query."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.rows = list(session.scalars(select(Borough)))
        for borough in self.rows:
            self[borough.gss_code.lower()] = borough.gss_code
            self[borough.name.lower()] = borough.gss_code


def _boroughs(session: Session) -> BoroughTable:
    return BoroughTable(session)


def _borough(table: dict[str, str], value: str) -> str:
    code = table.get(value.strip().lower())
    if code is None:
        raise RowRejected("borough", f"unknown borough {value!r} (a GSS code or a borough name)")
    return code


def _date(value: str) -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RowRejected("trained_on", f"{value!r} is not a date (YYYY-MM-DD)") from None
    if len(value) != 10:
        raise RowRejected("trained_on", f"{value!r} is not a date (YYYY-MM-DD)")
    if parsed > utcnow().date():
        raise RowRejected("trained_on", "the date is in the future")
    return parsed


def _check(pattern: re.Pattern[str], value: str, column: str, what: str) -> None:
    if value and not pattern.match(value):
        raise RowRejected(column, f"{value!r} is not a valid {what}")


def _run(
    session: Session,
    actor: Principal,
    parsed: ParsedFile,
    report: ImportReport,
    key: str,
    apply_row: Callable[[dict[str, str]], str],
) -> ImportReport:
    """Apply each parsed row in a savepoint; the whole run in an outer one (for dry runs)."""
    report.errors += parsed.errors
    report.warnings += parsed.warnings
    report.rows = len(parsed.rows) + len({e.row for e in parsed.errors if e.row > 1})
    if parsed.fatal:
        return report
    outer = session.begin_nested()
    first_row: dict[str, int] = {}
    for number, values in parsed.rows:
        identity = values[key].lower()
        if identity in first_row:
            report.errors.append(RowError(number, key, f"duplicate of row {first_row[identity]}"))
            continue
        first_row[identity] = number
        try:
            with session.begin_nested():
                outcome = apply_row(values)
        except RowRejected as exc:
            report.errors.append(RowError(number, exc.column, exc.message))
            continue
        except (FleetError, UserError) as exc:
            report.errors.append(RowError(number, None, str(exc)))
            continue
        except IntegrityError:
            report.errors.append(RowError(number, key, "clashes with a record saved meanwhile"))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.errors.sort(key=lambda e: (e.row, e.column or ""))
    if report.dry_run or (report.strict and report.errors):
        outer.rollback()
    else:
        outer.commit()
        report.applied = True
    record(
        session,
        actor,
        f"fleet.import.{report.kind}",
        target_type="csv",
        details={
            "dry_run": report.dry_run,
            "strict": report.strict,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "errors": len(report.errors),
            "applied": report.applied,
        },
    )
    return report


# --- officers ---------------------------------------------------------------------------------


def import_officers(
    session: Session,
    actor: Principal,
    data: bytes | str,
    *,
    dry_run: bool = False,
    strict: bool = False,
) -> ImportReport:
    parsed = read_csv(data, OFFICER_COLUMNS)
    boroughs = _boroughs(session)
    report = ImportReport("officers", dry_run, strict)
    return _run(
        session,
        actor,
        parsed,
        report,
        "warrant_number",
        lambda values: _officer_row(session, actor, boroughs, values),
    )


def _officer_row(
    session: Session, actor: Principal, boroughs: dict[str, str], v: dict[str, str]
) -> str:
    warrant, username = v["warrant_number"], v.get("username", "")
    _check(WARRANT, warrant, "warrant_number", "warrant number")
    _check(USERNAME, username, "username", "username")
    _check(EMAIL, v.get("email", ""), "email", "email address")
    borough = _borough(boroughs, v["borough"])
    trained_on = _date(v["trained_on"]) if v.get("trained_on") else None
    user = session.scalar(select(User).where(User.warrant_number == warrant))
    if user is None:
        username = username or warrant.lower().replace(" ", "").replace("/", "-")
        try:
            user = create_user(
                session,
                UserSpec(
                    username=username,
                    display_name=v["display_name"],
                    roles=["officer"],
                    borough=borough,
                    team=v.get("team") or None,
                    warrant_number=warrant,
                    shoulder_number=v.get("shoulder_number") or None,
                    email=v.get("email") or None,
                ),
            )
        except UserError as exc:
            if "already exists" in str(exc):
                raise RowRejected(
                    "username", f"username {username!r} belongs to someone else"
                ) from None
            raise
        _train(session, actor, user, trained_on, new=True)
        record(
            session,
            actor,
            "fleet.officer.create",
            target_type="user",
            target_id=str(user.id),
            details={"warrant_number": warrant, "borough": borough},
        )
        return "created"
    if username and username != user.username:
        raise RowRejected(
            "username",
            f"warrant number {warrant} belongs to user "
            f"{user.username!r}; usernames are changed in user administration",
        )
    changed = _update_officer(session, user, borough, v)
    changed += _train(session, actor, user, trained_on)
    if changed:
        record(
            session,
            actor,
            "fleet.officer.update",
            target_type="user",
            target_id=str(user.id),
            details={"changed": changed},
        )
        return "updated"
    return "unchanged"


def _update_officer(session: Session, user: User, borough: str, v: dict[str, str]) -> list[str]:
    before = {
        "display_name": user.display_name,
        "shoulder_number": user.shoulder_number,
        "email": user.email,
        "borough": user.borough,
        "team_id": user.team_id,
    }
    user.display_name = v["display_name"]
    user.shoulder_number = v.get("shoulder_number") or user.shoulder_number
    user.email = v.get("email") or user.email
    if borough != user.borough:
        user.borough, user.team_id = borough, None  # a team belongs to one borough
    if v.get("team"):
        user.team_id = ensure_team(session, borough, v["team"]).id
    after = {
        "display_name": user.display_name,
        "shoulder_number": user.shoulder_number,
        "email": user.email,
        "borough": user.borough,
        "team_id": user.team_id,
    }
    changed = [name for name in before if before[name] != after[name]]
    if "officer" not in user.role_names:
        user.roles.append(UserRole(role="officer"))
        changed.append("roles")
    return changed


def _train(
    session: Session, actor: Principal, user: User, trained_on: date | None, *, new: bool = False
) -> list[str]:
    if trained_on is None:
        return []
    row = None if new else session.get(OfficerTraining, user.id)
    if row is not None and row.trained_on == trained_on:
        return []
    if row is None:
        session.add(
            OfficerTraining(user_id=user.id, trained_on=trained_on, recorded_by=actor.name[:128])
        )
    else:
        row.trained_on, row.recorded_by = trained_on, actor.name[:128]
    return ["trained_on"]


# --- cameras ----------------------------------------------------------------------------------


def import_cameras(
    session: Session,
    actor: Principal,
    data: bytes | str,
    *,
    dry_run: bool = False,
    strict: bool = False,
) -> ImportReport:
    parsed = read_csv(data, CAMERA_COLUMNS)
    boroughs = _boroughs(session)
    report = ImportReport("cameras", dry_run, strict)
    return _run(
        session,
        actor,
        parsed,
        report,
        "serial",
        lambda values: _camera_row(session, actor, boroughs, values),
    )


IMPORTERS = {"officers": import_officers, "cameras": import_cameras}


def _pool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise RowRejected("pool", f"{value!r} is not yes or no")


def _camera_row(
    session: Session, actor: Principal, boroughs: dict[str, str], v: dict[str, str]
) -> str:
    serial, status, holder = v["serial"], v.get("status", "").lower(), v.get("assigned_to", "")
    _check(SERIAL, serial, "serial", "serial number")
    if status and status not in cams.TRANSITIONS:
        raise RowRejected(
            "status", f"unknown status {status!r}; one of {', '.join(cams.TRANSITIONS)}"
        )
    if holder and status not in ("", CameraStatus.ISSUED):
        raise RowRejected("status", f"a camera assigned to someone cannot be {status}")
    borough = _borough(boroughs, v["borough"]) if v.get("borough") else None
    officer = cams.find_officer(session, holder) if holder else None
    if holder and officer is None:
        raise RowRejected("assigned_to", f"no officer with warrant number or username {holder!r}")
    _check_station(session, v.get("station", ""), borough)
    camera = cams.find_camera(session, serial)
    spec = cams.CameraSpec(
        serial=serial,
        model=v["model"],
        firmware_version=v.get("firmware_version") or None,
        borough=borough,
        station=v.get("station") or None,
        pool=_pool(v["pool"]) if v.get("pool") else bool(camera and camera.pool),
    )
    held = camera is not None and cams.open_assignment(session, camera) is not None
    if status == CameraStatus.ISSUED and officer is None and not held:
        raise RowRejected("assigned_to", "an issued camera needs assigned_to")
    if camera is None:
        spec.status = status if status and status != CameraStatus.ISSUED else CameraStatus.IN_STOCK
        camera = cams.register_camera(session, actor, spec)
        _holder(session, actor, camera, officer, new=True)
        return "created"
    changed = _update_camera(session, actor, camera, spec, status)
    changed += _holder(session, actor, camera, officer)
    return "updated" if changed else "unchanged"


def _check_station(session: Session, name: str, borough: str | None) -> None:
    if not name:
        return
    station = session.scalar(select(Station).where(Station.name == name))
    if station is None and borough is None:
        raise RowRejected("station", f"station {name!r} is new: give its borough")
    if station is not None and borough is not None and station.borough != borough:
        raise RowRejected("station", f"station {name!r} is in borough {station.borough}")


def _update_camera(
    session: Session, actor: Principal, camera: Camera, spec: cams.CameraSpec, status: str
) -> list[str]:
    fields = ("model", "firmware_version", "home_borough", "station_id", "pool")
    before = {name: getattr(camera, name) for name in fields}
    try:
        cams.apply_placement(session, camera, spec)
    except FleetError as exc:
        raise RowRejected("station", str(exc)) from None
    changed = [name for name in fields if getattr(camera, name) != before[name]]
    if changed:
        record(
            session,
            actor,
            "fleet.camera.update",
            target_type="camera",
            target_id=camera.serial,
            details={"changed": changed},
        )
    # `issued` is never set directly: it follows from assigned_to (checked by the caller).
    if status and status not in (camera.status, CameraStatus.ISSUED):
        try:
            cams.change_status(session, actor, camera, status, reason="CSV import")
        except FleetError as exc:
            raise RowRejected("status", str(exc)) from None
        changed.append("status")
    return changed


def _holder(
    session: Session, actor: Principal, camera: Camera, officer: User | None, *, new: bool = False
) -> list[str]:
    if officer is None:
        return []
    current = None if new else cams.open_assignment(session, camera)
    if current is not None and current.officer_id == officer.id:
        return []
    if camera.pool:
        raise RowRejected("assigned_to", "pool cameras are checked out per shift, not assigned")
    if current is not None:
        raise RowRejected(
            "assigned_to",
            f"camera {camera.serial} is assigned to someone else; end that assignment first",
        )
    try:
        assign(session, actor, camera, officer)
    except FleetError as exc:
        raise RowRejected("assigned_to", str(exc)) from None
    return ["assigned_to"]


# --- export -----------------------------------------------------------------------------------


def officer_rows(session: Session) -> list[dict[str, str | None]]:
    teams = {t.id: t.name for t in session.scalars(select(Team))}
    trained = {
        key: value
        for key, value in session.execute(
            select(OfficerTraining.user_id, OfficerTraining.trained_on)
        )
    }
    users = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "officer")
        .order_by(User.warrant_number, User.username)
    )
    return [
        {
            "warrant_number": u.warrant_number,
            "display_name": u.display_name,
            "borough": u.borough,
            "username": u.username,
            "shoulder_number": u.shoulder_number,
            "team": teams.get(u.team_id) if u.team_id else None,
            "email": u.email,
            "trained_on": trained[u.id].isoformat() if u.id in trained else None,
        }
        for u in users
    ]


def camera_rows(session: Session) -> list[dict[str, str | None]]:
    stations = {s.id: s.name for s in session.scalars(select(Station))}
    holders = {
        camera_id: warrant or username
        for camera_id, warrant, username in session.execute(
            select(Assignment.camera_id, User.warrant_number, User.username)
            .join(User, User.id == Assignment.officer_id)
            .where(Assignment.ended_at.is_(None))
        )
    }
    return [
        {
            "serial": c.serial,
            "model": c.model,
            "firmware_version": c.firmware_version,
            "borough": c.home_borough,
            "station": stations.get(c.station_id) if c.station_id else None,
            "pool": "yes" if c.pool else "no",
            "status": c.status,
            "assigned_to": holders.get(c.id),
        }
        for c in session.scalars(select(Camera).order_by(Camera.serial))
    ]
