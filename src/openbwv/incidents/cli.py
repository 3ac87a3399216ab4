"""`bwv cad import FILE.csv [--partial]` and `bwv cad match --from --to` (docs/incidents.md)."""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path
from typing import Annotated

import typer

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.incidents import service
from openbwv.incidents.cadrows import read_csv
from openbwv.incidents.errors import BadRows, IncidentError
from openbwv.timeutil import parse_rfc3339

cad_app = typer.Typer(help="CAD incidents: import and match.", no_args_is_help=True)
OPERATOR = Principal(
    id=uuid.UUID(int=14),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset({roles.INCIDENTS_IMPORT, roles.INCIDENTS_READ}),
)


@cad_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A CAD CSV file (docs/incidents.md).")],
    partial: Annotated[
        bool, typer.Option("--partial", help="Apply the incidents without a bad row.")
    ] = False,
) -> None:
    """Import (upsert) CAD incidents, one row per attending officer; prints rows applied and
    rejected, and each bad row by row and column. Nothing is applied if a row is bad, unless
    --partial."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IncidentError(f"cannot read {path}: {exc.strerror}") from None
    checked = read_csv(data)
    try:
        with unit_of_work() as session:
            report = service.apply_rows(
                session, OPERATOR, checked, partial=partial, filename=path.name
            )
    except BadRows as exc:
        for problem in exc.extensions.get("problems", []):
            typer.echo(f"row {problem['row']}, {problem['column']}: {problem['message']}", err=True)
        typer.echo(f"0 rows applied, {checked.total} rejected: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    for problem in report.problems:
        typer.echo(f"{problem}", err=True)
    typer.echo(
        f"{report.applied} rows applied, {report.rejected} rejected "
        f"({report.incidents} incidents, {report.changed} attendances new or changed)."
    )


@cad_app.command("match")
def match_command(
    from_: Annotated[str, typer.Option("--from", help="Window start (ISO 8601, offset).")],
    to: Annotated[str, typer.Option(help="Window end (ISO 8601, offset).")],
) -> None:
    """Match every attendance in a window against the recordings (a day's batch)."""
    try:
        start, end = parse_rfc3339(from_), parse_rfc3339(to)
    except ValueError:
        raise IncidentError("--from and --to are ISO 8601 times with their offsets") from None
    with unit_of_work() as session:
        report = service.link_window(session, start, end)
    typer.echo(
        f"{report.attendances} attendances, {report.candidates} candidate pairs: "
        f"{report.linked} linked, {report.ambiguous} ambiguous."
    )
