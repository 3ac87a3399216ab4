"""Importing officers and cameras from CSV, and recording exports (see `format` for the file rules).

Import is idempotent: a row whose key (warrant number, camera serial) exists updates that record,
otherwise it creates one; a row that changes nothing is counted as unchanged. Each row is applied
in its own savepoint, so a row that fails validation or clashes with the database is reported and
leaves nothing behind, while the good rows are imported. `strict` imports nothing if any row is
bad; `dry_run` checks every row against the database and rolls everything back. A blank optional
cell leaves the current value as it is: a file never erases data by omission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openbwv.access.admin.service import UserSpec, create_user
from openbwv.access.errors import UserError
from openbwv.access.models import User, UserRole
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from openbwv.fleet.cameras.lifecycle import TRANSITIONS
from openbwv.fleet.cameras.service import CameraSpec
from openbwv.fleet.csvfiles import rows as cells
from openbwv.fleet.csvfiles.format import (
    CAMERA_COLUMNS,
    OFFICER_COLUMNS,
    ParsedFile,
    RowError,
    read_csv,
)
from openbwv.fleet.csvfiles.queries import EXPORTS, Row
from openbwv.fleet.csvfiles.rows import BoroughTable, RowRejected
from openbwv.fleet.errors import FleetError
from openbwv.fleet.models import Camera, CameraStatus, OfficerTraining
from openbwv.organisation import queries as organisation
from openbwv.organisation.service import ensure_team


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
    boroughs = BoroughTable(organisation.boroughs(session))
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
    cells.check(cells.WARRANT, warrant, "warrant_number", "warrant number")
    cells.check(cells.USERNAME, username, "username", "username")
    cells.check(cells.EMAIL, v.get("email", ""), "email", "email address")
    borough = cells.borough_code(boroughs, v["borough"])
    trained_on = cells.training_date(v["trained_on"]) if v.get("trained_on") else None
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
    boroughs = BoroughTable(organisation.boroughs(session))
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


def _camera_row(
    session: Session, actor: Principal, boroughs: dict[str, str], v: dict[str, str]
) -> str:
    serial, status, holder = v["serial"], v.get("status", "").lower(), v.get("assigned_to", "")
    cells.check(cells.SERIAL, serial, "serial", "serial number")
    if status and status not in TRANSITIONS:
        raise RowRejected("status", f"unknown status {status!r}; one of {', '.join(TRANSITIONS)}")
    if holder and status not in ("", CameraStatus.ISSUED):
        raise RowRejected("status", f"a camera assigned to someone cannot be {status}")
    borough = cells.borough_code(boroughs, v["borough"]) if v.get("borough") else None
    officer = camera_queries.find_officer(session, holder) if holder else None
    if holder and officer is None:
        raise RowRejected("assigned_to", f"no officer with warrant number or username {holder!r}")
    _check_station(session, v.get("station", ""), borough)
    camera = camera_queries.find_camera(session, serial)
    spec = CameraSpec(
        serial=serial,
        model=v["model"],
        firmware_version=v.get("firmware_version") or None,
        borough=borough,
        station=v.get("station") or None,
        pool=cells.pool_flag(v["pool"]) if v.get("pool") else bool(camera and camera.pool),
    )
    held = camera is not None and camera_queries.open_assignment(session, camera) is not None
    if status == CameraStatus.ISSUED and officer is None and not held:
        raise RowRejected("assigned_to", "an issued camera needs assigned_to")
    if camera is None:
        spec.status = status if status and status != CameraStatus.ISSUED else CameraStatus.IN_STOCK
        camera = camera_service.register_camera(session, actor, spec)
        _holder(session, actor, camera, officer, new=True)
        return "created"
    changed = _update_camera(session, actor, camera, spec, status)
    changed += _holder(session, actor, camera, officer)
    return "updated" if changed else "unchanged"


def _check_station(session: Session, name: str, borough: str | None) -> None:
    if not name:
        return
    station = organisation.station_named(session, name)
    if station is None and borough is None:
        raise RowRejected("station", f"station {name!r} is new: give its borough")
    if station is not None and borough is not None and station.borough != borough:
        raise RowRejected("station", f"station {name!r} is in borough {station.borough}")


def _update_camera(
    session: Session, actor: Principal, camera: Camera, spec: CameraSpec, status: str
) -> list[str]:
    fields = ("model", "firmware_version", "home_borough", "station_id", "pool")
    before = {name: getattr(camera, name) for name in fields}
    try:
        camera_service.apply_placement(session, camera, spec)
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
            camera_service.change_status(session, actor, camera, status, reason="CSV import")
        except FleetError as exc:
            raise RowRejected("status", str(exc)) from None
        changed.append("status")
    return changed


def _holder(
    session: Session, actor: Principal, camera: Camera, officer: User | None, *, new: bool = False
) -> list[str]:
    if officer is None:
        return []
    current = None if new else camera_queries.open_assignment(session, camera)
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
        camera_service.assign(session, actor, camera, officer)
    except FleetError as exc:
        raise RowRejected("assigned_to", str(exc)) from None
    return ["assigned_to"]


# --- export -----------------------------------------------------------------------------------


def export_rows(session: Session, actor: Principal, kind: str, **details: str) -> list[Row]:
    """Officers or cameras as CSV rows; an export of personal data is an audit event."""
    exported = EXPORTS[kind](session)
    record(
        session,
        actor,
        f"fleet.export.{kind}",
        target_type="csv",
        details={"rows": len(exported), **details},
    )
    return exported
