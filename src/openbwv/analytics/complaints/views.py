"""Complaint pages (/complaints/…): the list and the form to record one; a complaint with its
officers, the footage found (link it, or hold it all in one step) and its outcome; complaints
per 1,000 officers a month. The same query and service functions as the API, under the same
permissions (`complaints.read`, `complaints.manage`); a refused change shows the service's
message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.analytics.allegations import ALLEGATIONS, OUTCOMES, SOURCE
from openbwv.analytics.complaints import queries, service
from openbwv.analytics.errors import AnalyticsError
from openbwv.analytics.months import period
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.evidence import service as evidence_service
from openbwv.organisation.queries import boroughs
from openbwv.web.auth import Viewer
from openbwv.web.render import LONDON, add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).resolve().parents[1] / "templates")
Short = Annotated[str, Form(max_length=200)]
DONE = {
    "held": "The footage is held: nothing found is disposed of until the holds are released, "
    "and the named officers' recordings of that time are held when they arrive.",
    "linked": "The footage is linked to the complaint.",
    "outcome": "The outcome is recorded.",
}


def _local(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise AnalyticsError(f"{value[:30]} is not a date and time") from None
    return parsed.replace(tzinfo=LONDON) if parsed.tzinfo is None else parsed


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise AnalyticsError("the date received is a date (YYYY-MM-DD)") from None


def _list_page(request: Request, principal: Principal, **extra: Any) -> Response:
    with unit_of_work() as session:
        found = queries.listed(session, principal)
        service.record_read(session, principal, "list", returned=len(found))
        areas = [(b.gss_code, b.name) for b in boroughs(session)]
    context = {
        "title": "Complaints",
        "complaints": found,
        "allegations": ALLEGATIONS,
        "outcomes": OUTCOMES,
        "source": SOURCE,
        "areas": areas,
        "may_manage": principal.can(roles.COMPLAINTS_MANAGE),
        "error": None,
        "notice": None,
        "typed": {},
        **extra,
    }
    status = context.pop("status_code", 200)
    return render(request, "analytics/complaints.html", context, status_code=status)


@router.get("/complaints")
def complaints_page(request: Request, principal: Viewer) -> Response:
    require(principal, roles.COMPLAINTS_READ)
    return _list_page(request, principal)


@router.post("/complaints")
def create_complaint(
    request: Request,
    client: Client,
    principal: Viewer,
    reference: Short = "",
    received_on: Short = "",
    officers: Short = "",
    borough: Short = "",
    incident_number: Short = "",
    start: Short = "",
    end: Short = "",
    place: Short = "",
    summary: Annotated[str, Form(max_length=4000)] = "",
    allegations: Annotated[list[str] | None, Form()] = None,
) -> Response:
    require(principal, roles.COMPLAINTS_MANAGE)
    typed = {
        "reference": reference,
        "received_on": received_on,
        "officers": officers,
        "borough": borough,
        "incident_number": incident_number,
        "start": start,
        "end": end,
        "place": place,
        "summary": summary,
        "allegations": allegations or [],
    }
    try:
        with unit_of_work() as session:
            spec = service.ComplaintSpec(
                reference=reference.strip(),
                received_on=_day(received_on),
                allegations=allegations or [],
                officers=[w for w in officers.replace(",", " ").split() if w],
                borough=borough or None,
                incident_number=incident_number or None,
                occurred_from=_local(start),
                occurred_to=_local(end),
                place=place or None,
                summary=summary,
            )
            found = service.create_complaint(session, principal, spec, source_ip=client.ip)
            target = f"/complaints/{found.id}"
    except DomainError as exc:
        return _list_page(request, principal, error=exc.detail, typed=typed, status_code=exc.status)
    return RedirectResponse(target, status_code=303)


@router.get("/complaints/rates")
def rates_page(
    request: Request, principal: Viewer, by: str = "borough", start: str = "", end: str = ""
) -> Response:
    require(principal, roles.COMPLAINTS_READ)
    by = "team" if by == "team" else "borough"
    error = None
    try:
        first, last = period(start or None, end or None)
    except AnalyticsError as exc:
        error, (first, last) = exc.detail, period(None, None)
    with unit_of_work() as session:
        rows = queries.complaint_rates(session, principal, first, last, by=by)
        service.record_read(session, principal, f"rates by {by}", returned=len(rows))
    context = {
        "title": "Complaints per 1,000 officers",
        "rows": rows,
        "by": by,
        "first": first,
        "last": last,
        "error": error,
        "notice": None,
    }
    return render(request, "analytics/rates.html", context)


def _complaint_page(
    request: Request, principal: Principal, complaint_id: str, client: Client, **extra: Any
) -> Response:
    with unit_of_work() as session:
        found = queries.complaint(session, principal, complaint_id)
        service.record_read(session, principal, "complaint", found)
        footage = queries.find_footage(session, principal, found)
        details = {
            "page": "complaint",
            "complaint": found.reference,
            "returned": len(footage.items),
        }
        evidence_service.record_search(session, principal, client.ip, details)
        context = {
            "title": f"Complaint {found.reference}",
            "complaint": found,
            "officers": queries.officers(session, found.id),
            "linked": queries.linked_items(session, principal, found),
            "footage": footage,
            "allegations": ALLEGATIONS,
            "outcomes": OUTCOMES,
            "may_manage": principal.can(roles.COMPLAINTS_MANAGE),
            "notice": DONE.get(str(request.query_params.get("done", ""))),
            "error": None,
            **extra,
        }
    status = context.pop("status_code", 200)
    return render(request, "analytics/complaint.html", context, status_code=status)


@router.get("/complaints/{complaint_id}")
def complaint_page(
    complaint_id: str, request: Request, client: Client, principal: Viewer
) -> Response:
    require(principal, roles.COMPLAINTS_READ)
    return _complaint_page(request, principal, complaint_id, client)


def _change(
    request: Request,
    principal: Principal,
    client: Client,
    complaint_id: str,
    work: Callable[[Session], object],
    done: str,
) -> Response:
    require(principal, roles.COMPLAINTS_MANAGE)
    try:
        with unit_of_work() as session:
            work(session)
    except DomainError as exc:
        return _complaint_page(
            request, principal, complaint_id, client, error=exc.detail, status_code=exc.status
        )
    return RedirectResponse(f"/complaints/{complaint_id}?done={done}", status_code=303)


@router.post("/complaints/{complaint_id}/hold")
def hold(complaint_id: str, request: Request, client: Client, principal: Viewer) -> Response:
    def work(session: Session) -> None:
        found = queries.complaint(session, principal, complaint_id)
        service.hold_footage(session, principal, found, source_ip=client.ip)

    return _change(request, principal, client, complaint_id, work, "held")


@router.post("/complaints/{complaint_id}/items")
def link(
    complaint_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    items: Annotated[list[str] | None, Form()] = None,
) -> Response:
    def work(session: Session) -> None:
        if not items:
            raise AnalyticsError("choose the footage to link")
        found = queries.complaint(session, principal, complaint_id)
        service.link_footage(session, principal, found, items, source_ip=client.ip)

    return _change(request, principal, client, complaint_id, work, "linked")


@router.post("/complaints/{complaint_id}/outcome")
def outcome(
    complaint_id: str, request: Request, client: Client, principal: Viewer, value: Short = ""
) -> Response:
    def work(session: Session) -> None:
        found = queries.complaint(session, principal, complaint_id)
        service.set_outcome(session, principal, found, value, source_ip=client.ip)

    return _change(request, principal, client, complaint_id, work, "outcome")
