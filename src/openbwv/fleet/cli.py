"""`bwv fleet …`: CSV import/export, assignments, status, roll-out progress and the demo force.

Exit codes: 0 done; 1 refused (a row with errors, a conflict, something not found);
2 unusable input (a missing or unreadable file, a bad argument).
"""

from __future__ import annotations

import getpass
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from openbwv.access.errors import UserError
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ
from openbwv.access.principal import Principal
from openbwv.db.migrate import upgrade
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from openbwv.fleet.csvfiles import format as csv_format
from openbwv.fleet.csvfiles import service as csv_service
from openbwv.fleet.demo import DEFAULT_BOROUGHS, generate_force
from openbwv.fleet.rollout.projection import DEFAULT_WINDOW_DAYS
from openbwv.fleet.rollout.queries import progress as rollout_progress

fleet_app = typer.Typer(
    help="Cameras, officers, assignments and the roll-out.", no_args_is_help=True
)
OPERATOR = Principal(
    id=uuid.UUID(int=1),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    permissions=frozenset({FLEET_READ, FLEET_MANAGE}),
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _session() -> Iterator[Session]:
    upgrade()
    try:
        with unit_of_work() as session:
            yield session
    except (DomainError, UserError) as exc:  # fleet's, the organisation's and access's refusals
        raise _fail(str(exc)) from None


def _import(kind: str, path: Path, dry_run: bool, strict: bool) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}", 2) from None
    importer = csv_service.IMPORTERS[kind]
    with _session() as session:
        report = importer(session, OPERATOR, data, dry_run=dry_run, strict=strict)
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        where = f"row {error.row}" + (f", column {error.column}" if error.column else "")
        typer.echo(f"{path.name}: {where}: {error.message}", err=True)
    verb = "would be" if not report.applied else "were"
    typer.echo(
        f"{report.rows} rows: {report.created} {verb} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} error(s)"
        + (" (dry run: nothing changed)" if report.dry_run else "")
        + (" (strict: nothing imported)" if report.strict and report.errors else "")
    )
    if report.errors:
        raise typer.Exit(2 if any(e.row <= 1 for e in report.errors) else 1)


DRY_RUN = typer.Option(False, "--dry-run", help="Check every row; change nothing.")
STRICT = typer.Option(False, "--strict", help="Import nothing if any row is bad.")


@fleet_app.command("import-officers")
def import_officers(
    path: Path = typer.Argument(..., help="CSV file (see docs/fleet.md for the columns)."),
    dry_run: bool = DRY_RUN,
    strict: bool = STRICT,
) -> None:
    """Create or update officers (users with the officer role) from a CSV file."""
    _import("officers", path, dry_run, strict)


@fleet_app.command("import-cameras")
def import_cameras(
    path: Path = typer.Argument(..., help="CSV file (see docs/fleet.md for the columns)."),
    dry_run: bool = DRY_RUN,
    strict: bool = STRICT,
) -> None:
    """Create or update cameras (and permanent assignments) from a CSV file."""
    _import("cameras", path, dry_run, strict)


@fleet_app.command("export")
def export(
    kind: str = typer.Argument(..., help="officers or cameras"),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
) -> None:
    """Write officers or cameras as CSV, in the import format."""
    if kind not in ("officers", "cameras"):
        raise _fail("export officers or cameras", 2)
    with _session() as session:
        rows = csv_service.export_rows(
            session, OPERATOR, kind, output=str(output) if output else "stdout"
        )
    columns = csv_format.OFFICER_COLUMNS if kind == "officers" else csv_format.CAMERA_COLUMNS
    text = csv_format.write_csv(columns, rows)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    typer.echo(f"Wrote {len(rows)} {kind} to {output}", err=True)


@fleet_app.command("assign")
def assign(
    camera: str = typer.Argument(..., help="Camera serial."),
    officer: str = typer.Argument(..., help="Warrant number or username."),
) -> None:
    """Issue a personal camera to an officer (refused if either already has one)."""
    with _session() as session:
        row = camera_service.assign(
            session,
            OPERATOR,
            camera_queries.get_camera(session, camera),
            camera_queries.get_officer(session, officer),
        )
        typer.echo(f"Camera {camera} assigned to {officer} (assignment {row.id})")


@fleet_app.command("unassign")
def unassign(
    camera: str = typer.Argument(..., help="Camera serial."),
    reason: str | None = typer.Option(None, help="Why (kept in the history and audit log)."),
    docked: bool = typer.Option(False, "--docked", help="Returned to a dock, not the store."),
) -> None:
    """End the camera's current assignment."""
    with _session() as session:
        row = camera_service.unassign(
            session,
            OPERATOR,
            camera_queries.get_camera(session, camera),
            reason=reason,
            status="docked" if docked else "in_stock",
        )
        typer.echo(f"Camera {camera} returned; assignment {row.id} ended")


@fleet_app.command("set-status")
def set_status(
    camera: str = typer.Argument(..., help="Camera serial."),
    status: str = typer.Argument(..., help="in_stock, docked, faulty, lost or retired."),
    reason: str | None = typer.Option(None, help="Why (kept in the audit log)."),
) -> None:
    """Change a camera's status (only allowed transitions; see docs/fleet.md)."""
    with _session() as session:
        row = camera_queries.get_camera(session, camera)
        old = row.status
        camera_service.change_status(session, OPERATOR, row, status, reason=reason)
        typer.echo(f"Camera {camera}: {old} → {row.status}")


@fleet_app.command("status")
def status(
    camera: str | None = typer.Argument(None, help="A camera serial (default: all)."),
) -> None:
    """The fleet by status and borough, or one camera with its holder and history."""
    with _session() as session:
        if camera is None:
            _summary(session)
            return
        row = camera_queries.get_camera(session, camera)
        typer.echo(
            f"{row.serial}  {row.model or '?'}  firmware {row.firmware_version or '?'}  "
            f"{row.status}{'  (pool)' if row.pool else ''}  borough {row.home_borough or '-'}"
        )
        for a in camera_queries.history(session, camera=row, limit=20):
            user = camera_queries.officer_by_id(session, a.officer_id)
            name = (user.warrant_number or user.username) if user else a.officer_id
            until = a.ended_at.isoformat() if a.ended_at else "now"
            typer.echo(f"  {a.kind:9} {name}  {a.started_at.isoformat()} → {until}")


def _summary(session: Session) -> None:
    rows = camera_queries.counts_by_borough_and_status(session)
    if not rows:
        typer.echo("No cameras yet.")
        return
    totals: Counter[str] = Counter()
    for _borough, state, n in rows:
        totals[state] += n
    typer.echo("  ".join(f"{state}: {n}" for state, n in sorted(totals.items())))
    by_borough: dict[str, Counter[str]] = {}
    for borough, state, n in rows:
        by_borough.setdefault(borough or "-", Counter())[state] = n
    for borough, counts in sorted(by_borough.items()):
        typer.echo(f"  {borough:10} " + "  ".join(f"{s}: {n}" for s, n in sorted(counts.items())))


@fleet_app.command("progress")
def progress(
    as_of: str | None = typer.Option(None, help="Measure as of YYYY-MM-DD (default: today)."),
    window_days: int = typer.Option(DEFAULT_WINDOW_DAYS, help="Issue-rate window."),
) -> None:
    """Roll-out progress and projected completion, per borough and for the force."""
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise _fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)", 2) from None
    with _session() as session:
        report = rollout_progress(session, as_of=day, window_days=window_days)
    typer.echo(
        f"{'borough':24} {'issued':>11} {'trained':>11} {'uploading':>9}  status"
        "       projected    planned"
    )
    for b in [*report.boroughs, None]:
        name = b.name if b else "FORCE"
        issued = f"{b.cameras_issued if b else report.cameras_issued}/" + str(
            b.cameras_to_issue if b else report.cameras_to_issue
        )
        trained = f"{b.officers_trained if b else report.officers_trained}/" + str(
            b.officers_to_train if b else report.officers_to_train
        )
        uploading = b.officers_with_upload if b else report.officers_with_upload
        p = b.projection if b else report.projection
        typer.echo(
            f"{name[:24]:24} {issued:>11} {trained:>11} {uploading:>9}  {p.status:12} "
            f"{p.projected_completion or '-'!s:12} {p.planned_completion or '-'!s}"
        )
    typer.echo(f"Method: {report.method}.")


@fleet_app.command("demo")
def demo(
    borough: list[str] = typer.Option(
        [], "--borough", "-b", help="Borough name or GSS code (repeat; default: four boroughs)."
    ),
    officers: int = typer.Option(24, min=1, max=5000, help="Officers (and cameras) per borough."),
    seed: int = typer.Option(1, help="Same seed, same force."),
) -> None:
    """Create a demo force: stations, teams, officers, cameras, docks and a roll-out under way."""
    with _session() as session:
        summary = generate_force(
            session, boroughs=borough or DEFAULT_BOROUGHS, officers_per_borough=officers, seed=seed
        )
    typer.echo(
        f"Demo force: {len(summary.boroughs)} boroughs, {summary.stations} stations, "
        f"{summary.teams} teams, {summary.officers} officers, {summary.cameras} cameras "
        f"({summary.pool_cameras} pool), {summary.docks} docks, "
        f"{summary.assignments} assignments, {summary.phases} roll-out phases."
    )
