"""The auditor's pages: the log (filtered, paginated), an item's trail, the latest checkpoint
with its verifier key, and 'verify now'.

Access as in the API (`audit.api`): the log, the checkpoint page and verification need
`audit.read`; an item's trail page needs what its API does (`authorize_trail`: `audit.read`, or
`evidence.view` on the item). No page here shows footage: no player, no thumbnail. Every read is
recorded, as in the API.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.audit import actions, folding, queries
from openbwv.audit.events import record
from openbwv.audit.keys import SigningKeyError, get_signer
from openbwv.audit.queries import TRAIL_ACTION, LogFilter, authorize_trail, load_trail
from openbwv.audit.verification import service as verification
from openbwv.db.session import unit_of_work
from openbwv.web.auth import Viewer
from openbwv.web.render import LONDON, add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
PAGE = 50
MAX_PAGE = 200
MAX_INDEX = 2**63 - 1
TRAIL_PAGE = 500


def _london_input(value: str, field: str, errors: list[str]) -> datetime | None:
    """A `datetime-local` value typed as London wall-clock time, as UTC."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=LONDON).astimezone(UTC)
    except ValueError:
        errors.append(f"{field} is not a date and time")
        return None


def _filters(
    actor: str, action: str, item: str, since: str, until: str
) -> tuple[LogFilter, list[str]]:
    errors: list[str] = []
    evidence_id = None
    if item.strip():
        try:
            evidence_id = uuid.UUID(item.strip())
        except ValueError:
            errors.append("The evidence item id is not a valid id")
    if action and action not in actions.ACTIONS:
        errors.append("Choose an action from the list")
        action = ""
    wanted = LogFilter(
        actor=actor.strip(),
        action=action,
        evidence_id=evidence_id,
        since=_london_input(since, "From", errors),
        until=_london_input(until, "To", errors),
    )
    return wanted, errors


@router.get("/audit")
def audit_log_page(
    request: Request,
    client: Client,
    principal: Viewer,
    actor: str = Query("", max_length=128),
    action: str = Query("", max_length=64),
    item: str = Query("", max_length=64),
    since: str = Query("", max_length=32),
    until: str = Query("", max_length=32),
    older: int | None = Query(None, ge=0, le=MAX_INDEX),
    newer: int | None = Query(None, ge=0, le=MAX_INDEX),
    limit: int = Query(PAGE, ge=1, le=MAX_PAGE),
) -> HTMLResponse:
    require(principal, roles.AUDIT_READ)
    wanted, errors = _filters(actor, action, item, since, until)
    entered = {"actor": actor, "action": action, "item": item, "since": since, "until": until}
    with unit_of_work() as session:
        page = queries.log_page(
            session, principal, wanted, older_than=older, newer_than=newer, limit=limit
        )
        details: dict[str, Any] = {k: v for k, v in entered.items() if v}
        record(session, principal, "audit.log", source_ip=client.ip, details=details)
    keep = {k: v for k, v in entered.items() if v}
    if limit != PAGE:
        keep["limit"] = str(limit)
    return render(
        request,
        "audit_log.html",
        {
            "title": "Audit log",
            "page": page,
            "errors": errors,
            "entered": entered,
            "keep": keep,
            "actions": sorted(actions.ACTIONS),
        },
    )


@router.get("/audit/items/{evidence_id}")
def item_trail_page(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    after: int = Query(-1, ge=-1, le=MAX_INDEX),
) -> HTMLResponse:
    with unit_of_work() as session:
        item_id = authorize_trail(session, principal, evidence_id)
        trail = load_trail(session, item_id, after=after, limit=TRAIL_PAGE)
        lines = folding.from_trail([*trail.events, *trail.pending])
        record(session, principal, TRAIL_ACTION, evidence_id=item_id, source_ip=client.ip)
    return render(
        request,
        "audit_item.html",
        {
            "title": f"Audit trail of item {item_id}",
            "item_id": item_id,
            "trail": trail,
            "lines": folding.fold(lines),
            "accesses": folding.accesses(lines),
        },
    )


def _checkpoint_context(
    session: Session, principal: Principal, client_ip: str | None, *, recorded: bool = True
) -> dict[str, Any]:
    checkpoint = queries.latest_checkpoint(session)
    if recorded:  # after "verify now" the verification's own event says what was read
        record(session, principal, "audit.checkpoint", source_ip=client_ip)
    try:
        key: str | None = get_signer().verifier.key
    except SigningKeyError:
        key = None
    return {"title": "Latest checkpoint", "checkpoint": checkpoint, "verifier_key": key}


@router.get("/audit/checkpoint")
def checkpoint_page(request: Request, client: Client, principal: Viewer) -> HTMLResponse:
    require(principal, roles.AUDIT_READ)
    with unit_of_work() as session:
        context = _checkpoint_context(session, principal, client.ip)
    return render(request, "audit_checkpoint.html", context)


@router.post("/audit/verify")
def verify_now(request: Request, client: Client, principal: Viewer) -> HTMLResponse:
    require(principal, roles.AUDIT_READ)
    started = time.monotonic()
    error = None
    with unit_of_work() as session:
        try:
            report = verification.verify_now(session, principal, source_ip=client.ip)
        except SigningKeyError as exc:
            report, error = None, f"The log could not be verified: {exc}"
        elapsed = time.monotonic() - started
        context = _checkpoint_context(session, principal, client.ip, recorded=False)
    context.update(report=report, verify_error=error, elapsed=elapsed)
    return render(request, "audit_checkpoint.html", context)
