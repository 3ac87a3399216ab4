"""`bwv retention run [--dry-run]`, `bwv retention certificate RUN_ID`, `bwv hold place …` and
`bwv hold release HOLD_ID --reason TEXT` (docs/retention.md)."""

from __future__ import annotations

import getpass
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.retention import certificate, service, tasks
from openbwv.retention.errors import RetentionError
from openbwv.timeutil import parse_rfc3339

retention_app = typer.Typer(help="Retention: sweep, dispose, certify.", no_args_is_help=True)
hold_app = typer.Typer(help="Holds that stop disposal.", no_args_is_help=True)
OPERATOR = Principal(
    id=uuid.UUID(int=2),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset(
        {
            roles.RETENTION_READ,
            roles.RETENTION_HOLD,
            roles.RETENTION_RELEASE,
            roles.RETENTION_RESTORE,
            roles.RETENTION_REVIEW,
        }
    ),
)


@retention_app.command("run")
def run_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would happen; change nothing.")
    ] = False,
) -> None:
    """Evaluate every item now, queue what is due, dispose of what passed its grace period."""
    report = tasks.run(dry_run=dry_run, actor=OPERATOR.name)
    verb = "would dispose of" if dry_run else "disposed of"
    typer.echo(
        f"Evaluated {report.evaluated} items: {report.kept} kept, {report.held} held, "
        f"{report.review} due for review, {report.queued} in the deletion queue "
        f"({report.newly_queued} new, {report.dequeued} taken out); {verb} {report.disposed}"
        f"{f', {report.spared} spared at the last check' if report.spared else ''}."
    )
    if not dry_run:
        typer.echo(
            f"Bytes: {report.bytes_deleted} objects deleted, {report.bytes_shared} kept (still "
            f"used), {report.bytes_pending} pending (retried next run). Run {report.run_id}."
        )


@retention_app.command("certificate")
def certificate_command(
    run_id: Annotated[str, typer.Argument(help="The run (its id is printed by `run`).")],
    out: Annotated[Path, typer.Option(help="Folder for the JSON and PDF.")] = Path("."),
) -> None:
    """Write a run's disposal certificate (JSON and PDF) with audit inclusion proofs."""
    document = certificate.gather(run_id)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"disposal-certificate-{document['run_id']}"
    json_path, pdf_path = stem.with_suffix(".json"), stem.with_suffix(".pdf")
    json_path.write_text(certificate.to_json(document))
    pdf_path.write_bytes(certificate.to_pdf(document))
    items = document["items"]
    count = len(items) if isinstance(items, list) else 0
    typer.echo(f"{count} items certified: {json_path} and {pdf_path}")


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        raise RetentionError(f"{name} must be an RFC 3339 time with its offset") from None


@hold_app.command("place")
def place_command(
    type_: Annotated[str, typer.Option("--type", help="complaint, subject_access_request, …")],
    reference: Annotated[str, typer.Option(help="e.g. CO/2026/0042")],
    reason: Annotated[str, typer.Option(help="Why it must be kept.")],
    item: Annotated[list[str] | None, typer.Option(help="An evidence id (repeatable).")] = None,
    case: Annotated[str | None, typer.Option(help="A case's crime reference.")] = None,
    officer: Annotated[
        str | None, typer.Option(help="A warrant number (with --from, --to).")
    ] = None,
    borough: Annotated[str | None, typer.Option(help="An area: a borough's GSS code.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Window start (RFC 3339).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Window end (RFC 3339).")] = None,
) -> None:
    """Place a hold on items, a case, an officer or an area in a time window; prints its id."""
    chosen = [
        name
        for name, value in (
            ("items", item),
            ("case", case),
            ("officer", officer),
            ("area", borough),
        )
        if value
    ]
    if len(chosen) != 1:
        raise RetentionError("name exactly one of --item, --case, --officer or --borough")
    try:
        ids = [uuid.UUID(value) for value in item or []]
    except ValueError:
        raise RetentionError("--item takes an evidence id") from None
    request = service.HoldRequest(
        type=type_,
        reference=reference,
        reason=reason,
        scope=chosen[0],
        item_ids=ids,
        case_reference=case,
        officer=officer,
        borough=borough,
        start=_time(from_, "--from"),
        end=_time(to, "--to"),
    )
    with unit_of_work() as session:
        hold = service.place_hold(session, OPERATOR, request)
        hold_id = hold.id
    typer.echo(str(hold_id))


@hold_app.command("release")
def release_command(
    hold_id: Annotated[str, typer.Argument(help="The hold's id.")],
    reason: Annotated[str, typer.Option(help="Why it may go now.")],
) -> None:
    """Release a hold, with a reason."""
    with unit_of_work() as session:
        hold = service.release_hold(session, OPERATOR, hold_id, reason)
        reference = hold.reference
    typer.echo(f"Released hold {hold_id} ({reference}).")
