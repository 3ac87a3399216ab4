"""Retention pages (/retention/…): the deletion queue (restore), holds (place with a scope
preview, release), MoPI reviews due (keep or dispose), the policy (administrators change it) and
the forecast (what leaves when; storage growth a month).

The same query and service functions as `/api/v1/retention/…` and `bwv retention`/`bwv hold`,
under the same permissions: lists need `retention.read`; the holds page also serves whoever may
place holds (`evidence.hold`, `retention.hold`), showing them the holds they placed. Each change
is authorised and audited by the service; a refused change shows the service's message with what
was typed kept; a POST without the permission is refused (403) and recorded, as the API's are.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.organisation.queries import boroughs
from openbwv.retention import queries, service
from openbwv.retention.errors import RetentionError
from openbwv.retention.schemas import HoldType
from openbwv.timeutil import utcnow
from openbwv.web.auth import Viewer
from openbwv.web.render import LONDON, add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
HOLD_TYPES = get_args(HoldType)
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=64)]
HORIZONS = (7, 30, 90)
PREVIEW_SHOWN = 20  # item ids listed in a preview (the count is of all)
DONE = {
    "restored": "The item is out of the deletion queue, with a fresh retention date.",
    "placed": "The hold is placed: nothing in its scope will be disposed of until it is released.",
    "released": "The hold is released: what it held returns to its rules.",
    "decided": "The review decision is recorded.",
    "policy": "The retention policy is changed.",
}
HOLDING = (roles.RETENTION_HOLD, roles.HOLD)


def _require_any(principal: Principal, *permissions: str) -> None:
    if not any(principal.can(p) for p in permissions):
        raise AccessDenied(permissions[0], f"your role does not allow {permissions[0]}")


def _sections(principal: Principal) -> list[tuple[str, str]]:
    """The retention pages this person may open (the pages' own navigation)."""
    reader = principal.can(roles.RETENTION_READ)
    pages = [
        ("/retention/queue", "Deletion queue", reader),
        ("/retention/holds", "Holds", reader or any(principal.can(p) for p in HOLDING)),
        ("/retention/reviews", "MoPI reviews", reader),
        ("/retention/policy", "Policy", reader),
        ("/retention/forecast", "Forecast", reader),
    ]
    return [(href, label) for href, label, allowed in pages if allowed]


def _page(
    request: Request,
    principal: Principal,
    name: str,
    context: dict[str, Any],
    *,
    done: str = "",
    status_code: int = 200,
) -> Response:
    status_code = context.pop("status_code", status_code)  # a refusal's page keeps its status
    context = {
        "sections": _sections(principal),
        "notice": DONE.get(done),
        "error": None,
        "typed": {},
        **context,
    }
    return render(request, f"retention/{name}.html", context, status_code=status_code)


def _change(
    work: Callable[[Session], object], target: str, refused: Callable[[str, int], Response]
) -> Response:
    """One change in a unit of work: on success back to the page (its new state), on a refusal
    the page again with the service's message and what was typed."""
    try:
        with unit_of_work() as session:
            work(session)
    except DomainError as exc:
        return refused(exc.detail, exc.status)
    return RedirectResponse(target, status_code=303)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise RetentionError(f"not an evidence id: {value.strip()[:40]}") from None


def _local(value: str, what: str) -> datetime | None:
    """A London wall-clock time from a form (`datetime-local` or a date) as an aware instant."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RetentionError(f"{what} is not a date and time") from None
    if len(value) == 10:
        parsed = datetime.combine(parsed.date(), time(0))
    return parsed.replace(tzinfo=LONDON) if parsed.tzinfo is None else parsed


# --- the deletion queue ---------------------------------------------------------------------


def _queue_page(
    request: Request, principal: Principal, *, done: str = "", **extra: Any
) -> Response:
    with unit_of_work() as session:
        entries = queries.queue_page(session)
        states = queries.item_states(session, [e.evidence_id for e in entries])
        service.record_read(session, principal, "queue", len(entries))
        rows = [{"entry": e, "state": states.get(e.evidence_id)} for e in entries]
        names = {b.gss_code: b.name for b in boroughs(session)}
    context = {"title": "Deletion queue", "rows": rows, "now": utcnow(), "names": names}
    context["may_restore"] = principal.can(roles.RETENTION_RESTORE)
    return _page(request, principal, "queue", {**context, **extra}, done=done)


@router.get("/retention/queue")
def queue_page(request: Request, principal: Viewer, done: str = "") -> Response:
    require(principal, roles.RETENTION_READ)
    return _queue_page(request, principal, done=done)


@router.post("/retention/queue/{evidence_id}/restore")
def restore(
    request: Request, evidence_id: str, client: Client, principal: Viewer, reason: Text = ""
) -> Response:
    require(principal, roles.RETENTION_RESTORE)

    def work(session: Session) -> None:
        service.restore(session, principal, _uuid(evidence_id), reason, source_ip=client.ip)

    def refused(error: str, status: int) -> Response:
        typed = {"evidence_id": evidence_id, "reason": reason}
        return _queue_page(request, principal, error=error, typed=typed, status_code=status)

    return _change(work, "/retention/queue?done=restored", refused)


# --- holds ------------------------------------------------------------------------------------


def _holds_page(
    request: Request,
    principal: Principal,
    *,
    released: bool = False,
    done: str = "",
    **extra: Any,
) -> Response:
    reader = principal.can(roles.RETENTION_READ)
    with unit_of_work() as session:
        holds = queries.holds_page(
            session,
            include_released=released,
            placed_by=None if reader else principal.user_id or uuid.UUID(int=0),
        )
        if reader:
            service.record_read(session, principal, "holds", len(holds))
        areas = [(b.gss_code, b.name) for b in boroughs(session)]
    wide = principal.can(roles.RETENTION_HOLD)
    scopes = ["items"]
    if wide or (principal.can(roles.HOLD) and principal.can(roles.CASE_MANAGE)):
        scopes.append("case")
    if wide:
        scopes += ["officer", "area"]
    context = {
        "title": "Holds",
        "holds": holds,
        "reader": reader,
        "released": released,
        "may_place": any(principal.can(p) for p in HOLDING),
        "may_release_any": principal.can(roles.RETENTION_RELEASE),
        "hold_types": HOLD_TYPES,
        "scopes": scopes,
        "areas": areas,
        "preview": None,
    }
    return _page(request, principal, "holds", {**context, **extra}, done=done)


@router.get("/retention/holds")
def holds_page(
    request: Request, principal: Viewer, released: bool = False, done: str = ""
) -> Response:
    _require_any(principal, roles.RETENTION_READ, *HOLDING)
    return _holds_page(request, principal, released=released, done=done)


HOLD_FIELDS = ("type", "reference", "reason", "scope", "items", "case", "officer", "borough")


async def _hold_form(request: Request) -> dict[str, str]:
    """The hold form's fields as typed (kept to show again on a refusal or after a preview)."""
    form = await request.form()
    typed = {name: str(form.get(name, ""))[:2000] for name in (*HOLD_FIELDS, "start", "end")}
    typed["items"] = str(form.get("items", ""))[:40_000]  # up to a thousand ids
    typed["scope"] = typed["scope"] or "items"
    return typed


HoldForm = Annotated[dict[str, str], Depends(_hold_form)]


def _hold_request(typed: dict[str, str]) -> service.HoldRequest:
    scope = typed["scope"]
    ids = (
        [_uuid(part) for part in typed["items"].replace(",", " ").split()]
        if scope == "items"
        else []
    )
    return service.HoldRequest(
        type=typed["type"],
        reference=typed["reference"],
        reason=typed["reason"],
        scope=scope,
        item_ids=ids,
        case_reference=typed["case"].strip() or None,
        officer=typed["officer"].strip() or None,
        borough=typed["borough"].strip() or None,
        start=_local(typed["start"], "From"),
        end=_local(typed["end"], "To"),
    )


def _preview(session: Session, request: service.HoldRequest) -> list[uuid.UUID]:
    """What the hold would hold now: the API's preview (`queries.scope_preview`)."""
    if request.scope == "items" and not request.item_ids:
        raise RetentionError("a hold of items names at least one item")
    return service.preview_scope(
        session,
        scope=request.scope,
        item_ids=request.item_ids,
        case_reference=request.case_reference,
        officer=request.officer,
        borough=request.borough,
        start=request.start,
        end=request.end,
    )


@router.post("/retention/holds/preview")
def preview_hold(request: Request, principal: Viewer, typed: HoldForm) -> Response:
    """Step one of placing a hold: what it would hold, before confirming."""
    _require_any(principal, *HOLDING)
    try:
        with unit_of_work() as session:
            found = _preview(session, _hold_request(typed))
            service.record_read(session, principal, "hold_preview", len(found))
    except DomainError as exc:
        return _holds_page(
            request, principal, error=exc.detail, typed=typed, status_code=exc.status
        )
    shown = {"count": len(found), "ids": found[:PREVIEW_SHOWN], "limited": len(found) >= 1000}
    return _holds_page(request, principal, typed=typed, preview=shown)


@router.post("/retention/holds")
def place_hold(request: Request, client: Client, principal: Viewer, typed: HoldForm) -> Response:
    _require_any(principal, *HOLDING)

    def work(session: Session) -> None:
        service.place_hold(session, principal, _hold_request(typed), source_ip=client.ip)

    def refused(error: str, status: int) -> Response:
        return _holds_page(request, principal, error=error, typed=typed, status_code=status)

    return _change(work, "/retention/holds?done=placed", refused)


@router.post("/retention/holds/{hold_id}/release")
def release_hold(
    request: Request, hold_id: str, client: Client, principal: Viewer, reason: Text = ""
) -> Response:
    _require_any(principal, roles.RETENTION_RELEASE, roles.HOLD)

    def work(session: Session) -> None:
        service.release_hold(session, principal, hold_id, reason, source_ip=client.ip)

    def refused(error: str, status: int) -> Response:
        typed = {"hold_id": hold_id, "release_reason": reason}
        return _holds_page(request, principal, error=error, typed=typed, status_code=status)

    return _change(work, "/retention/holds?done=released", refused)


# --- MoPI reviews -----------------------------------------------------------------------------


def _reviews_page(
    request: Request, principal: Principal, *, done: str = "", **extra: Any
) -> Response:
    with unit_of_work() as session:
        due = queries.reviews_due(session, now=utcnow())
        service.record_read(session, principal, "reviews", len(due))
        names = {b.gss_code: b.name for b in boroughs(session)}
    context = {
        "title": "MoPI reviews due",
        "due": due,
        "names": names,
        "may_review": principal.can(roles.RETENTION_REVIEW),
    }
    return _page(request, principal, "reviews", {**context, **extra}, done=done)


@router.get("/retention/reviews")
def reviews_page(request: Request, principal: Viewer, done: str = "") -> Response:
    require(principal, roles.RETENTION_READ)
    return _reviews_page(request, principal, done=done)


@router.post("/retention/reviews/{evidence_id}")
def decide_review(
    request: Request,
    evidence_id: str,
    client: Client,
    principal: Viewer,
    decision: Short = "",
    reason: Text = "",
    next_review: Short = "",
) -> Response:
    require(principal, roles.RETENTION_REVIEW)

    def work(session: Session) -> None:
        service.decide_review(
            session,
            principal,
            _uuid(evidence_id),
            decision,
            reason,
            next_review=_local(next_review, "The next review") if decision == "keep" else None,
            source_ip=client.ip,
        )

    def refused(error: str, status: int) -> Response:
        typed = {
            "evidence_id": evidence_id,
            "decision": decision,
            "reason": reason,
            "next_review": next_review,
        }
        return _reviews_page(request, principal, error=error, typed=typed, status_code=status)

    return _change(work, "/retention/reviews?done=decided", refused)


# --- the policy and the forecast --------------------------------------------------------------


def _policy_page(
    request: Request, principal: Principal, *, done: str = "", **extra: Any
) -> Response:
    with unit_of_work() as session:
        values = queries.rule_values(session)
        rules = [(rule, values.get(rule.key, 0)) for rule in queries.rules(session)]
        service.record_read(session, principal, "policy", 1)
    context = {
        "title": "Retention policy",
        "rules": rules,
        "may_change": principal.can(roles.RETENTION_POLICY),
    }
    return _page(request, principal, "policy", {**context, **extra}, done=done)


@router.get("/retention/policy")
def policy_page(request: Request, principal: Viewer, done: str = "") -> Response:
    require(principal, roles.RETENTION_READ)
    return _policy_page(request, principal, done=done)


async def _rule_form(request: Request) -> dict[str, str]:
    """The policy form's fields (`rule:KEY`) as typed."""
    form = await request.form()
    return {key[5:]: str(value)[:16] for key, value in form.items() if key.startswith("rule:")}


@router.post("/retention/policy")
def change_policy(
    request: Request,
    client: Client,
    principal: Viewer,
    typed: Annotated[dict[str, str], Depends(_rule_form)],
) -> Response:
    """Each rule's field: a whole number, or empty for the configured default."""
    require(principal, roles.RETENTION_POLICY)

    def work(session: Session) -> None:
        values: dict[str, int | None] = {}
        for key, value in typed.items():
            try:
                values[key] = int(value) if value.strip() else None
            except ValueError:
                raise RetentionError(f"{key} must be a whole number (or empty)") from None
        service.update_policy(session, principal, values, source_ip=client.ip)

    def refused(error: str, status: int) -> Response:
        return _policy_page(request, principal, error=error, typed=typed, status_code=status)

    return _change(work, "/retention/policy?done=policy", refused)


@router.get("/retention/forecast")
def forecast_page(request: Request, principal: Viewer) -> Response:
    require(principal, roles.RETENTION_READ)
    now = utcnow()
    with unit_of_work() as session:
        rows = queries.forecast(session, now, HORIZONS)
        growth = queries.storage_growth(session, now)
        names = {b.gss_code: b.name for b in boroughs(session)}
        service.record_read(session, principal, "forecast", len(rows))
    context = {
        "title": "Retention forecast",
        "horizons": HORIZONS,
        "by_borough": _totals(rows, "borough"),
        "by_category": _totals(rows, "category"),
        "names": names,
        "growth": growth,
    }
    return _page(request, principal, "forecast", context)


def _totals(rows: list[queries.ForecastRow], key: str) -> list[dict[str, Any]]:
    """Per borough (or category): items and bytes leaving within each horizon."""
    table: dict[str | None, dict[int, list[int]]] = {}
    for row in rows:
        cells = table.setdefault(getattr(row, key), {d: [0, 0] for d in HORIZONS})
        cells[row.days][0] += row.items
        cells[row.days][1] += row.bytes
    ordered = sorted(table.items(), key=lambda pair: (pair[0] is None, pair[0] or ""))
    return [{"name": name, "cells": cells} for name, cells in ordered]
