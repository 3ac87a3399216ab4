"""`bwv transcribe ITEM_ID [--wait]`: request an item's transcript from the command line
(docs/transcription.md). The request is audited under the operator's name."""

from __future__ import annotations

import getpass
import time
import uuid
from typing import Annotated

import typer

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.transcription import queries, service

POLL_SECONDS = 1.0
OPERATOR = Principal(
    id=uuid.UUID(int=3),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset({roles.VIEW, roles.PLAY}),
)


def transcribe_command(
    item_id: Annotated[str, typer.Argument(help="The evidence item's id.")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until the transcript is made.")
    ] = False,
    timeout: Annotated[
        float, typer.Option(help="With --wait: give up after this long (s).")
    ] = 3600,
) -> None:
    """Queue the item's transcript (a job on the ml queue, run by `bwv worker` or `bwv serve`)."""
    with unit_of_work() as session:
        existing, job = service.request(session, OPERATOR, item_id, None)
        ready = existing.current_version if existing else None
        evidence_id = existing.evidence_id if existing else (job.evidence_id if job else None)
    assert isinstance(evidence_id, uuid.UUID)
    if ready is not None:
        typer.echo(f"Transcript of {evidence_id} is ready (version {ready}).")
        return
    typer.echo(f"Transcript of {evidence_id} requested (queue ml).")
    if wait:
        _wait(evidence_id, timeout)


def _wait(evidence_id: uuid.UUID, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with unit_of_work() as session:
            found = queries.transcript_of(session, evidence_id)
            state = queries.progress(session, evidence_id)
            summary = (found.current_version, len(found.search_text.split())) if found else None
        if summary is not None:
            typer.echo(f"Transcript ready: version {summary[0]}, {summary[1]} words.")
            return
        if state.state == "failed":
            typer.echo(f"error: the transcript failed: {state.error}", err=True)
            raise typer.Exit(1)
        if time.monotonic() > deadline:
            typer.echo(
                f"error: the transcript is still {state.state} after {timeout:.0f} s", err=True
            )
            raise typer.Exit(3)
        time.sleep(POLL_SECONDS)
