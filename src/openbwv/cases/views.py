"""Case pages: the list and creation, a case with its members and linked items, and the case
timeline with synchronised playback. Cases are visible to their members and to case managers
(`cases.queries.visible_cases`); their items only as far as the access policy allows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.cases import queries, service, timeline
from openbwv.cases.errors import CaseClosed, CaseConflict, CaseError
from openbwv.cases.models import Case
from openbwv.db.session import unit_of_work
from openbwv.evidence import presenters
from openbwv.evidence import queries as evidence
from openbwv.evidence.models import DerivativeKind
from openbwv.timeutil import utcnow
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
CASES_PAGE = 50
MAX_CASE_ITEMS = 500
SAFE_RETURNS = ("/search", "/cases/", "/evidence/")
PAGE_ROLES = ("oic", "member")  # externals are added through the API
LONDON = ZoneInfo("Europe/London")


def _list_context(session: Session, principal: Principal, after: str | None) -> dict[str, Any]:
    found, next_page = queries.page(session, principal, after, CASES_PAGE)
    return {
        "title": "Cases",
        "cases": found,
        "counts": queries.visible_item_counts(session, principal, [c.id for c in found]),
        "boroughs": evidence.borough_names(session),
        "next_page": next_page,
        "can_create": principal.can(roles.CASE_CREATE),
    }


@router.get("/cases")
def cases_page(request: Request, principal: Viewer, after: str | None = None) -> Response:
    if principal.external:
        return RedirectResponse("/shared", status_code=303)  # recipients: what is shared only
    with unit_of_work() as session:
        context = _list_context(session, principal, after)
    return render(request, "cases.html", context)


def _form_error(name: str) -> str | None:
    """What is wrong with the form as typed (the service checks the references)."""
    if not name or len(name) > 200:
        return "Give the case a title of up to 200 characters"
    return None


@router.post("/cases")
def create_case(
    request: Request,
    client: Client,
    principal: Viewer,
    crime_reference: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=2000)] = "",
    cad_number: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    require(principal, roles.CASE_CREATE)  # refused before the form is read
    reference, name, cad = crime_reference.strip(), " ".join(title.split()), cad_number.strip()
    error = _form_error(name)
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
                        source_ip=client.ip,
                    )
                    return RedirectResponse(f"/cases/{case.id}", status_code=303)
            except CaseError as exc:
                error = exc.detail[:1].upper() + exc.detail[1:]
        context = _list_context(session, principal, None)
    context.update(error=error, entered={"crime_reference": reference, "title": name, "cad": cad})
    return render(request, "cases.html", context, status_code=422)


def _case_context(session: Session, principal: Principal, case: Case) -> dict[str, Any]:
    items = queries.visible_items(session, principal, case, MAX_CASE_ITEMS)
    return {
        "case": case,
        "title": f"{case.crime_reference}: {case.title}",
        "rows": evidence.cards(session, items),
        "has_poster": {i.id for i in items if i.derivative(DerivativeKind.POSTER)},
        "members": queries.members(session, case),
        "now": utcnow(),
        "borough_name": evidence.borough_names(session).get(case.borough or "", "—"),
        "may_manage": queries.may_manage(session, principal, case),
        "can_link": principal.can(roles.LINK) and case.status == "open",
        # Shares, receipts and the disclosure schedule are the sharing domain's page.
        "can_share": principal.can(roles.SHARE) and not principal.external,
    }


@router.get("/cases/{case_id}")
def case_page(case_id: str, request: Request, client: Client, principal: Viewer) -> Response:
    if principal.external:
        # A case page names the force's people and everything linked; a recipient gets "Shared
        # with you", which lists exactly what their shares give.
        return RedirectResponse("/shared", status_code=303)
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        context = _case_context(session, principal, case)
        details = {"items": [str(r.id) for r in context["rows"][:200]]}
        service.record_event(
            session, principal, "case.view", case, source_ip=client.ip, details=details
        )
    return render(request, "case.html", context)


def _back(case: Case, next_path: str) -> str:
    if next_path.startswith(SAFE_RETURNS) and "//" not in next_path and "\\" not in next_path:
        return next_path
    return f"/cases/{case.id}"


@router.post("/cases/{case_id}/items")
def link_item(
    case_id: str,
    client: Client,
    principal: Viewer,
    evidence_id: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.link_item(session, principal, case, evidence_id.strip(), source_ip=client.ip)
    return RedirectResponse(_back(case, next), status_code=303)


@router.post("/cases/{case_id}/items/{evidence_id}/remove")
def unlink_item(case_id: str, evidence_id: str, client: Client, principal: Viewer) -> Response:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.unlink_item(session, principal, case, evidence_id, source_ip=client.ip)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def _expiry(expires_on: str) -> datetime | None:
    """The form's "access until" date: the membership ends at the close of that day in London."""
    if not expires_on.strip():
        return None
    try:
        day = date.fromisoformat(expires_on.strip())
    except ValueError as exc:
        raise Problem(422, "Not added", "give the expiry as a date, e.g. 2026-12-31") from exc
    return datetime.combine(day + timedelta(days=1), time(), LONDON)


@router.post("/cases/{case_id}/members")
def add_member(
    case_id: str,
    client: Client,
    principal: Viewer,
    username: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "member",
    expires_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        try:
            service.add_member(
                session,
                principal,
                case,
                username.strip(),
                role,
                source_ip=client.ip,
                offered=PAGE_ROLES,
                expires_at=_expiry(expires_on),
            )
        except CaseError as exc:  # the page's own title for a refusal
            raise Problem(422, "Not added", exc.detail) from exc
        except (CaseClosed, CaseConflict) as exc:
            raise Problem(409, "Not added", exc.detail) from exc
    return RedirectResponse(f"/cases/{case.id}#members", status_code=303)


@router.post("/cases/{case_id}/members/{user_id}/remove")
def remove_member(case_id: str, user_id: str, client: Client, principal: Viewer) -> Response:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        try:
            service.remove_member(session, principal, case, user_id, source_ip=client.ip)
        except CaseConflict as exc:
            raise Problem(409, "Not removed", exc.detail) from exc
    return RedirectResponse(f"/cases/{case.id}#members", status_code=303)


@router.post("/cases/{case_id}/close")
def close_case(case_id: str, client: Client, principal: Viewer) -> Response:
    return _set_status(case_id, client, principal, "closed")


@router.post("/cases/{case_id}/reopen")
def reopen_case(case_id: str, client: Client, principal: Viewer) -> Response:
    return _set_status(case_id, client, principal, "open")


def _set_status(case_id: str, client: Client, principal: Principal, status: str) -> Response:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.set_status(session, principal, case, status, source_ip=client.ip)
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.get("/cases/{case_id}/timeline")
def timeline_page(
    case_id: str, request: Request, client: Client, principal: Viewer
) -> HTMLResponse:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        items = queries.visible_items(session, principal, case, MAX_CASE_ITEMS)
        cards = evidence.cards(session, items)
        can_play = principal.can(roles.PLAY)
        built = timeline.build(
            cards,
            {i.id for i in items if can_play and presenters.playable(i)},
            {i.id for i in items if i.derivative(DerivativeKind.POSTER)},
        )
        details = {"items": [str(i.id) for i in items[:200]]}
        service.record_event(
            session, principal, "case.timeline", case, source_ip=client.ip, details=details
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
