"""`bwv sar open|list|show|add|close`: subject access requests from the command line, as the
platform's operator (`sar.handle`, force-wide reach; every change audited under `cli:USER`)."""

from __future__ import annotations

import getpass
import json
import uuid
from datetime import date
from typing import Annotated

import typer

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.subject_access import presenters, queries, service
from openbwv.subject_access.models import OUTCOMES

sar_app = typer.Typer(help="Subject access requests (DPA 2018 s.45).", no_args_is_help=True)
OPERATOR = Principal(
    id=uuid.UUID(int=4),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset({roles.SAR_HANDLE, roles.VIEW}),
)


def _day(value: str | None) -> date:
    return queries.parse_day(value, "--received") if value else queries.today()


@sar_app.command("open")
def open_command(
    name: Annotated[str, typer.Option(help="The requester's name.")],
    contact: Annotated[str, typer.Option(help="How to reach them (address, e-mail).")],
    received: Annotated[str | None, typer.Option(help="Day received, YYYY-MM-DD.")] = None,
    description: Annotated[
        str | None, typer.Option(help="How they describe themselves and the occasion.")
    ] = None,
) -> None:
    """Open a request: prints its reference and deadline."""
    with unit_of_work() as session:
        made = service.open_request(
            session,
            OPERATOR,
            requester_name=name,
            requester_contact=contact,
            requester_description=description,
            received_on=_day(received),
        )
        clock = queries.clock_of(made, [])
        typer.echo(f"{made.reference}: due {clock.due.isoformat()} ({clock.days_left} days left)")


@sar_app.command("list")
def list_command(
    closed: Annotated[bool, typer.Option("--closed", help="Closed requests instead.")] = False,
) -> None:
    """Requests, open ones by days left (overdue first)."""
    with unit_of_work() as session:
        found = queries.listed(session, OPERATOR, "closed" if closed else "open")
        service.record_read(session, OPERATOR, "list", {"count": len(found)})
        for x in found:
            state = "paused" if x.clock.paused else ("OVERDUE" if x.clock.overdue else "open")
            if closed:
                state = x.request.outcome or "closed"
            typer.echo(
                f"{x.request.reference}\t{x.request.received_on.isoformat()}\t"
                f"due {x.clock.due.isoformat()}\t{x.clock.days_left} days\t{state}\t"
                f"{x.items} items"
            )
        if not found:
            typer.echo("No requests.")


@sar_app.command("show")
def show_command(
    reference: Annotated[str, typer.Argument(help="SAR-YYYY-NNNN or its id.")],
) -> None:
    """A request as JSON: requester, clock, pauses, items, releases."""
    with unit_of_work() as session:
        found = queries.get(session, OPERATOR, reference)
        service.record_read(session, OPERATOR, "request", {"reference": found.reference})
        typer.echo(
            json.dumps(
                presenters.detail(session, OPERATOR, found).model_dump(mode="json"), indent=2
            )
        )


@sar_app.command("add")
def add_command(
    reference: Annotated[str, typer.Argument(help="SAR-YYYY-NNNN or its id.")],
    items: Annotated[list[str], typer.Argument(help="Evidence item ids.")],
) -> None:
    """Add items to a request (each held while it is open)."""
    with unit_of_work() as session:
        found = queries.get(session, OPERATOR, reference)
        added = service.add_items(session, OPERATOR, found, items, found_by={"cli": "by id"})
        typer.echo(f"{found.reference}: {len(added)} added and held")


@sar_app.command("close")
def close_command(
    reference: Annotated[str, typer.Argument(help="SAR-YYYY-NNNN or its id.")],
    outcome: Annotated[str, typer.Option(help=f"One of: {', '.join(OUTCOMES)}.")],
    note: Annotated[str | None, typer.Option(help="The exemption relied on, if refused.")] = None,
) -> None:
    """Close a request with its outcome: its holds are released."""
    with unit_of_work() as session:
        found = queries.get(session, OPERATOR, reference)
        service.close(session, OPERATOR, found, outcome, note)
        assert found.closed_on is not None and found.closed_due_on is not None  # just closed
        when = "within" if found.closed_on <= found.closed_due_on else "after"
        typer.echo(f"{found.reference}: closed ({OUTCOMES[outcome]}), {when} its deadline")
