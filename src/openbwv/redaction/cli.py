"""`bwv redact ITEM_ID [--faces] [--plates] [--out FILE.mp4]`: detect, track, redact every track
found (with the reason given), render, wait, and write the redacted copy (and its log beside it).

The jobs run here unless a worker has already taken them; either way the command waits for them.
It acts as a system operator with `evidence.redact` force-wide, and every step is audited."""

from __future__ import annotations

import getpass
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.jobs.models import JobState
from openbwv.jobs.runner import run as run_job
from openbwv.jobs.service import dedupe_key
from openbwv.redaction import queries, service
from openbwv.redaction.errors import NotReady, RedactionError
from openbwv.redaction.models import RedactionStatus
from openbwv.redaction.schemas import BulkDecisionIn, StartIn
from openbwv.storage.factory import derivatives

OPERATOR = Principal(
    id=uuid.UUID(int=3),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    scope="force",
    permissions=frozenset({roles.VIEW, roles.REDACT}),
)
REASONS = ("third_party", "victim", "vulnerable_person", "ongoing_operation", "other")
WAIT_SECONDS = 3600.0


@dataclass(frozen=True)
class _Waited:
    status: str
    state: str
    error: str | None


def _state(key: str, redaction_id: uuid.UUID) -> _Waited:
    with unit_of_work() as session:
        redaction = queries.by_id(session, redaction_id)
        job = queries.job_by_key(session, key)
        assert redaction is not None and job is not None
        return _Waited(redaction.status, job.state, job.last_error or redaction.error)


def _run_or_wait(kind: str, evidence_id: uuid.UUID, params: dict[str, Any], want: str) -> None:
    """Run the job in this process unless a worker holds it; then wait for the redaction."""
    key = dedupe_key(kind, evidence_id, params)
    redaction_id = uuid.UUID(params["redaction"])
    started = time.monotonic()
    while True:
        with unit_of_work() as session:
            job = queries.job_by_key(session, key)
            assert job is not None
            job_id = job.id
        run_job(str(job_id))  # "skipped" when a worker has it or it is done
        seen = _state(key, redaction_id)
        if seen.status == want:
            return
        if seen.state == JobState.FAILED or seen.status == RedactionStatus.FAILED:
            raise NotReady(f"the {kind} job failed: {seen.error}")
        if time.monotonic() - started > WAIT_SECONDS:
            raise NotReady(f"gave up waiting for the {kind} job")
        time.sleep(1.0)  # a worker has it: look again shortly


def redact(
    item_id: Annotated[str, typer.Argument(help="The evidence item to redact.")],
    faces: Annotated[bool, typer.Option("--faces", help="Find and redact faces.")] = False,
    plates: Annotated[bool, typer.Option("--plates", help="Find and redact plates.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the copy here (.mp4).")] = None,
    reason: Annotated[str, typer.Option(help=f"Why: one of {', '.join(REASONS)}.")] = REASONS[0],
    style: Annotated[str, typer.Option(help="blur, pixelate or solid.")] = "blur",
) -> None:
    """Redact every face and/or plate found in an item (both when neither flag is given)."""
    if reason not in REASONS or reason == "other":
        raise RedactionError(f"--reason must be one of {', '.join(REASONS[:-1])}")
    if style not in ("blur", "pixelate", "solid"):
        raise RedactionError("--style must be blur, pixelate or solid")
    if out is not None and out.suffix.lower() != ".mp4":
        raise RedactionError("--out must name an .mp4 file")
    wanted = StartIn(faces=faces or not plates, plates=plates or not faces)
    with unit_of_work() as session:
        started = service.start(session, OPERATOR, item_id, wanted)
        rid, evidence_id = started.id, started.evidence_id
    typer.echo(f"Redaction {rid}: finding {_what(wanted)}…")
    _run_or_wait(service.DETECT, evidence_id, {"redaction": str(rid)}, RedactionStatus.READY)
    with unit_of_work() as session:
        decided = service.decide_many(
            session,
            OPERATOR,
            evidence_id,
            rid,
            BulkDecisionIn(decision="redact", style=style, reason=reason),
        )
        revision = service.request_render(session, OPERATOR, evidence_id, rid).render_revision
    typer.echo(f"{len(decided)} tracks to redact; rendering…")
    params = {"redaction": str(rid), "revision": revision, "by": OPERATOR.name}
    _run_or_wait(service.RENDER, evidence_id, params, RedactionStatus.RENDERED)
    with unit_of_work() as session:
        redaction = queries.by_id(session, rid)
        assert redaction is not None and redaction.render_key and redaction.log_key
        video_key, log_key, sha = redaction.render_key, redaction.log_key, redaction.render_sha256
    target = out or Path(f"{item_id}-redacted.mp4")
    with open(target, "wb") as handle:
        for chunk in derivatives().open_range(video_key):
            handle.write(chunk)
    log_path = target.with_suffix(".redaction-log.json")
    log_path.write_bytes(derivatives().read_all(log_key))
    typer.echo(f"Wrote {target} (SHA-256 {sha}) and {log_path}")


def _what(wanted: StartIn) -> str:
    return " and ".join(k for k, on in (("faces", wanted.faces), ("plates", wanted.plates)) if on)
