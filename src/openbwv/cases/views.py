"""Case pages: the list and creation, a case with its members and linked items, and the case
timeline with synchronised playback. Cases are visible to their members and to case managers
(`cases.service.visible_cases`); their items only as far as the access policy allows."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.http import client_ip
from openbwv.access.models import User
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require, visible_clause
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.cases import service, timeline
from openbwv.cases.models import Case, CaseItem, CaseMember
from openbwv.db.session import unit_of_work
from openbwv.evidence import presenters
from openbwv.evidence.models import DerivativeKind, EvidenceItem
from openbwv.evidence.views import playable
from openbwv.timeutil import parse_rfc3339
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
CASES_PAGE = 50
MAX_CASE_ITEMS = 500
SAFE_RETURNS = ("/search", "/cases/", "/evidence/")


def _case(session: Session, principal: Principal, case_id: str) -> Case:
    case = service.find_visible(session, principal, case_id)
    if case is None:
        raise AccessDenied("case.view", "no such case", status=404, target=case_id[:64])
    return case


def _visible_items(session: Session, principal: Principal, case: Case) -> list[EvidenceItem]:
    return list(
        session.scalars(
            select(EvidenceItem)
            .join(CaseItem, CaseItem.evidence_id == EvidenceItem.id)
            .where(CaseItem.case_id == case.id, visible_clause(principal, roles.VIEW))
            .order_by(EvidenceItem.occurred_at, EvidenceItem.id)
            .limit(MAX_CASE_ITEMS)
        )
    )


def _cases_page(
    session: Session, principal: Principal, after: str | None
) -> tuple[list[Case], str | None]:
    query = select(Case).where(service.visible_cases(principal))
    if after:
        try:
            created, case_id = after.split("_", 1)
            when, parsed = parse_rfc3339(created), uuid.UUID(case_id)
        except ValueError as exc:
            raise Problem(400, "Invalid page", "that page link is not valid") from exc
        query = query.where(
            or_(Case.created_at < when, and_(Case.created_at == when, Case.id < parsed))
        )
    query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(CASES_PAGE + 1)
    found = list(session.scalars(query))
    more = len(found) > CASES_PAGE
    last = found[CASES_PAGE - 1] if more else None
    return found[:CASES_PAGE], f"{last.created_at.isoformat()}_{last.id}" if last else None


def _item_counts(session: Session, principal: Principal, ids: list[uuid.UUID]) -> dict[Any, int]:
    if not ids:
        return {}
    query = (
        select(CaseItem.case_id, func.count())
        .join(EvidenceItem, EvidenceItem.id == CaseItem.evidence_id)
        .where(CaseItem.case_id.in_(ids), visible_clause(principal, roles.VIEW))
        .group_by(CaseItem.case_id)
    )
    return dict(session.execute(query).all())


def _list_context(session: Session, principal: Principal, after: str | None) -> dict[str, Any]:
    found, next_page = _cases_page(session, principal, after)
    return {
        "title": "Cases",
        "cases": found,
        "counts": _item_counts(session, principal, [c.id for c in found]),
        "boroughs": presenters.borough_names(session),
        "next_page": next_page,
        "can_create": principal.can(roles.CASE_CREATE),
    }


@router.get("/cases")
def cases_page(request: Request, principal: Viewer, after: str | None = None) -> HTMLResponse:
    with unit_of_work() as session:
        context = _list_context(session, principal, after)
    return render(request, "cases.html", context)


@router.post("/cases")
def create_case(
    request: Request,
    principal: Viewer,
    crime_reference: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=2000)] = "",
    cad_number: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    require(principal, roles.CASE_CREATE)
    reference, name, cad = crime_reference.strip(), " ".join(title.split()), cad_number.strip()
    error = None
    if not name or len(name) > 200:
        error = "Give the case a title of up to 200 characters"
    elif cad and (len(cad) > 32 or not service.CRIME_REFERENCE.match(cad)):
        error = "A CAD number is up to 32 letters, digits, '/' or '-'"
    with unit_of_work() as session:
        if error is None:
            try:
                with session.begin_nested():
                    case = service.create_case(
                        session,
                        principal,
                        crime_reference=reference,
                        title=name,
                        cad_number=cad or None,
                        borough=None,
                    )
                    record(
                        session,
                        principal,
                        "case.create",
                        target_type="case",
                        target_id=str(case.id),
                        source_ip=client_ip(request),
                        details={"crime_reference": case.crime_reference},
                    )
                    return RedirectResponse(f"/cases/{case.id}", status_code=303)
            except service.CaseError as exc:
                error = str(exc)[:1].upper() + str(exc)[1:]
        context = _list_context(session, principal, None)
    context.update(error=error, entered={"crime_reference": reference, "title": name, "cad": cad})
    return render(request, "cases.html", context, status_code=422)


def _case_context(session: Session, principal: Principal, case: Case) -> dict[str, Any]:
    items = _visible_items(session, principal, case)
    members = session.execute(
        select(User, CaseMember.role)
        .join(CaseMember, CaseMember.user_id == User.id)
        .where(CaseMember.case_id == case.id)
        .order_by(User.display_name)
    ).all()
    return {
        "case": case,
        "title": f"{case.crime_reference}: {case.title}",
        "rows": presenters.cards(session, items),
        "has_poster": {i.id for i in items if i.derivative(DerivativeKind.POSTER)},
        "members": [(user, role) for user, role in members],
        "borough_name": presenters.borough_names(session).get(case.borough or "", "—"),
        "may_manage": service.may_manage(session, principal, case),
        "can_link": principal.can(roles.LINK),
    }


@router.get("/cases/{case_id}")
def case_page(case_id: str, request: Request, principal: Viewer) -> HTMLResponse:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        context = _case_context(session, principal, case)
        record(
            session,
            principal,
            "case.view",
            target_type="case",
            target_id=str(case.id),
            source_ip=client_ip(request),
            details={"items": [str(r.id) for r in context["rows"][:200]]},
        )
    return render(request, "case.html", context)


def _back(case: Case, next_path: str) -> str:
    if next_path.startswith(SAFE_RETURNS) and "//" not in next_path and "\\" not in next_path:
        return next_path
    return f"/cases/{case.id}"


@router.post("/cases/{case_id}/items")
def link_item(
    case_id: str,
    request: Request,
    principal: Viewer,
    evidence_id: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        item = authorize_item(session, principal, evidence_id.strip(), roles.LINK)
        service.link_item(session, principal, case, item.id, source_ip=client_ip(request))
    return RedirectResponse(_back(case, next), status_code=303)


@router.post("/cases/{case_id}/items/{evidence_id}/remove")
def unlink_item(case_id: str, evidence_id: str, request: Request, principal: Viewer) -> Response:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        item = authorize_item(session, principal, evidence_id, roles.LINK)
        service.unlink_item(session, principal, case, item.id, source_ip=client_ip(request))
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/cases/{case_id}/members")
def add_member(
    case_id: str,
    request: Request,
    principal: Viewer,
    username: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "member",
) -> Response:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        if not service.may_manage(session, principal, case):
            raise AccessDenied("case.manage", "only the officer in the case or a case manager")
        if role not in ("oic", "member"):
            raise Problem(422, "Not added", "a member is an officer in the case or a member")
        try:
            service.add_member(session, principal, case, username.strip(), role)
        except service.CaseError as exc:
            raise Problem(422, "Not added", str(exc)) from exc
        record(
            session,
            principal,
            "case.member",
            target_type="case",
            target_id=str(case.id),
            source_ip=client_ip(request),
            details={"username": username.strip(), "role": role},
        )
    return RedirectResponse(f"/cases/{case.id}#members", status_code=303)


@router.get("/cases/{case_id}/timeline")
def timeline_page(case_id: str, request: Request, principal: Viewer) -> HTMLResponse:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        items = _visible_items(session, principal, case)
        cards = presenters.cards(session, items)
        can_play = principal.can(roles.PLAY)
        built = timeline.build(
            cards,
            {i.id for i in items if can_play and playable(i)},
            {i.id for i in items if i.derivative(DerivativeKind.POSTER)},
        )
        record(
            session,
            principal,
            "case.timeline",
            target_type="case",
            target_id=str(case.id),
            source_ip=client_ip(request),
            details={"items": [str(i.id) for i in items[:200]]},
        )
    return render(
        request,
        "timeline.html",
        {
            "case": case,
            "title": f"Timeline: {case.crime_reference}",
            "timeline": built,
            "axis_width": timeline.AXIS_WIDTH,
        },
    )
