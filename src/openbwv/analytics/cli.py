"""`bwv analytics import-counts FILE.csv [--partial]` and `bwv analytics evaluate [--from
YYYY-MM] [--to YYYY-MM] [--pdf FILE] [--csv FILE]` (docs/analytics.md)."""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path
from typing import Annotated

import typer

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.analytics.evaluation import queries, report, service
from openbwv.analytics.months import period
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work

analytics_app = typer.Typer(help="Complaints and the roll-out evaluation.", no_args_is_help=True)
OPERATOR = Principal(
    id=uuid.UUID(int=14),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset({roles.ANALYTICS_IMPORT, roles.REPORTS_READ}),
)


@analytics_app.command("import-counts")
def import_counts(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    partial: Annotated[bool, typer.Option("--partial", help="Apply the good rows anyway.")] = False,
) -> None:
    """Import monthly counts (month,borough,team,measure,value): all rows, or none."""
    text = file.read_text(encoding="utf-8-sig")
    with unit_of_work() as session:
        applied, errors = service.import_counts(
            session, OPERATOR, text, name=file.name, allow_partial=partial
        )
    for error in errors:
        typer.echo(f"row {error['row']}, {error['column']}: {error['error']}", err=True)
    typer.echo(f"{applied} rows applied, {len(errors)} rejected")


@analytics_app.command("evaluate")
def evaluate(
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM, included")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write the PDF report here.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the CSV here.")] = None,
) -> None:
    """Print each measure's effect of cameras with its 95% interval."""
    first, last = period(start, end, months=24)
    with unit_of_work() as session:
        found = queries.evaluate(session, OPERATOR, first, last)
        record(session, OPERATOR, "analytics.evaluation", details={"what": "cli"})
    if found.simulated:
        typer.echo(report.SIMULATED)
    for result in found.results:
        typer.echo(report.describe(result))
    if found.trial is not None:
        typer.echo(report.describe_trial(found))
    if pdf:
        pdf.write_bytes(report.to_pdf(found))
    if csv_file:
        csv_file.write_text(report.to_csv(found))
