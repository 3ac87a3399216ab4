"""Subject access pages (/subject-access/…), for `sar.handle`: the dashboard of open requests by
days left (overdue in red) with the form that opens one; a request's page — requester, identity
check, the clock (pause, resume, extend), finding footage (the evidence search's criteria),
items with their holds, restrictions and redaction links, release and close; and the monthly
response-time report. The same query and service functions as the API; each change is
authorised and audited by the service; a refused change shows its message with what was typed
kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.evidence import service as evidence_service
from openbwv.subject_access import presenters, queries, report, service
from openbwv.subject_access.models import OUTCOMES, RESTRICTION_REASONS, RESTRICTIONS
from openbwv.subject_access.release import service as releases
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]
BASE = "/subject-access"
DONE = {
    "identity": "The identity check is recorded.",
    "paused": "The clock is paused until the clarification arrives.",
    "resumed": "The clock runs again; the days it stood still are added to the deadline.",
    "extended": "The request is extended; the new deadline is shown.",
    "added": "The items are on the request, each held until it closes.",
    "removed": "The item is off the request; its hold is released.",
    "restricted": "The restriction is recorded.",
    "closed": "The request is closed and its holds are released.",
}


def state_of(clock: Any, due_soon: int) -> str:
    """The clock in one word for the pages (and its CSS class)."""
    if clock.paused:
        return "paused"
    if clock.overdue:
        return "overdue"
    return "due_soon" if clock.days_left <= due_soon else "on_track"


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    status_code = context.pop("status_code", status_code)
    values = {
        "error": None,
        "typed": {},
        "notice": None,
        "state_of": state_of,
        "due_soon": get_settings().sar_due_soon_days,
        **context,
    }
    return render(request, f"subject_access/{name}.html", values, status_code=status_code)


def _change(
    work: Callable[[Session], str],
    target: Callable[[str], str],
    refused: Callable[[str, int], Response],
) -> Response:
    try:
        with unit_of_work() as session:
            made = work(session)
    except DomainError as exc:
        return refused(exc.detail, exc.status)
    return RedirectResponse(target(made), status_code=303)  # `made`: the request's reference


# --- the dashboard ----------------------------------------------------------------------------


def _dashboard(
    request: Request, principal: Principal, *, closed: bool = False, **extra: Any
) -> Response:
    status = "closed" if closed else "open"
    with unit_of_work() as session:
        found = queries.listed(session, principal, status)
        service.record_read(
            session, principal, "dashboard", {"status": status, "count": len(found)}
        )
    context = {
        "title": "Subject access requests",
        "rows": found,
        "closed": closed,
        "today": queries.today(),
        "outcomes": OUTCOMES,
        **extra,
    }
    return _render(request, "dashboard", context)


@router.get(BASE)
def dashboard(request: Request, principal: Viewer, closed: bool = False) -> Response:
    require(principal, roles.SAR_HANDLE)
    return _dashboard(request, principal, closed=closed)


@router.post(BASE)
def open_request(
    request: Request,
    client: Client,
    principal: Viewer,
    requester_name: Short = "",
    requester_contact: Short = "",
    requester_description: Text = "",
    received_on: Short = "",
) -> Response:
    require(principal, roles.SAR_HANDLE)
    typed = {
        "requester_name": requester_name,
        "requester_contact": requester_contact,
        "requester_description": requester_description,
        "received_on": received_on,
    }

    def work(session: Session) -> str:
        made = service.open_request(
            session,
            principal,
            requester_name=requester_name,
            requester_contact=requester_contact,
            requester_description=requester_description,
            received_on=queries.parse_day(received_on, "The day received"),
            source_ip=client.ip,
        )
        return made.reference

    def refused(error: str, status: int) -> Response:
        return _dashboard(request, principal, error=error, typed=typed, status_code=status)

    return _change(work, lambda reference: f"{BASE}/{reference}", refused)


# --- the monthly report -----------------------------------------------------------------------


@router.get(f"{BASE}/report")
def report_page(request: Request, principal: Viewer, start: str = "", end: str = "") -> Response:
    require(principal, roles.SAR_HANDLE)
    today = queries.today()
    error = None
    try:
        first = queries.parse_day(f"{start}-01", "from") if start else today.replace(month=1, day=1)
        last = queries.parse_day(f"{end}-01", "to") if end else today
    except DomainError as exc:
        first, last, error = today.replace(month=1, day=1), today, exc.detail
    if last < first or len(report.months_between(first, last)) > 60:
        first, last, error = (
            today.replace(month=1, day=1),
            today,
            "From is before to, at most 60 months",
        )
    with unit_of_work() as session:
        found = presenters.monthly(session, principal, first, last)
        service.record_read(session, principal, "report", {"from": start, "to": end})
    context = {
        "title": "Subject access response times",
        "report": found,
        "error": error,
        "start": f"{first:%Y-%m}",
        "end": f"{last:%Y-%m}",
        "status_code": 422 if error else 200,
    }
    return _render(request, "report", context)


# --- a request --------------------------------------------------------------------------------


def _find_form(request: Request) -> queries.FindForm | None:
    params = request.query_params
    if params.get("find") != "1":
        return None
    form = queries.FindForm()
    for name in vars(form):
        setattr(form, name, params.get(name, "")[:4000].strip())
    return form


def _request_page(
    request: Request,
    principal: Principal,
    request_id: str,
    *,
    source_ip: str | None = None,
    **extra: Any,
) -> Response:
    form = _find_form(request)
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        shown = presenters.detail(session, principal, found)
        service.record_read(session, principal, "request", {"reference": found.reference})
        results: list[Any] = []
        find_errors: dict[str, str] = {}
        if form is not None:
            try:
                results, find_errors = queries.find_footage(session, principal, form)
            except DomainError as exc:
                find_errors = {"find": exc.detail}
            details = {
                "page": "subject_access",
                "request": found.reference,
                "criteria": form.details(),
                "returned": len(results),
            }
            evidence_service.record_search(session, principal, source_ip, details)
    context = {
        "title": f"Subject access request {shown.reference}",
        "r": shown,
        "find": form or queries.FindForm(),
        "searched": form is not None,
        "results": results,
        "find_errors": find_errors,
        "on_request": {i.evidence_id for i in shown.item_list},
        "outcomes": OUTCOMES,
        "restrictions": RESTRICTIONS,
        "reasons": RESTRICTION_REASONS,
        "max_extension": get_settings().sar_max_extension_months,
        "release_copies": releases.RELEASE_COPIES,
        "today": queries.today(),
        "status_code": 422 if find_errors else 200,
        **extra,
    }
    context["notice"] = DONE.get(request.query_params.get("done", ""))
    return _render(request, "request", context)


@router.get(BASE + "/{request_id}")
def request_page(request: Request, request_id: str, client: Client, principal: Viewer) -> Response:
    require(principal, roles.SAR_HANDLE)
    return _request_page(request, principal, request_id, source_ip=client.ip)


def _on_request(
    request: Request,
    principal: Principal,
    request_id: str,
    done: str,
    act: Callable[[Session, Any], object],
    typed: dict[str, str],
) -> Response:
    """One change to the request: back to its page, or the page with the refusal."""
    require(principal, roles.SAR_HANDLE)

    def work(session: Session) -> str:
        found = queries.get(session, principal, request_id)
        act(session, found)
        return found.reference

    def refused(error: str, status: int) -> Response:
        return _request_page(
            request, principal, request_id, error=error, typed=typed, status_code=status
        )

    return _change(work, lambda reference: f"{BASE}/{reference}?done={done}", refused)


@router.post(BASE + "/{request_id}/identity")
def identity(
    request: Request, request_id: str, client: Client, principal: Viewer, method: Short = ""
) -> Response:
    def act(session: Session, found: Any) -> object:
        return service.check_identity(session, principal, found, method, source_ip=client.ip)

    return _on_request(request, principal, request_id, "identity", act, {"method": method})


@router.post(BASE + "/{request_id}/pause")
def pause(
    request: Request,
    request_id: str,
    client: Client,
    principal: Viewer,
    start_on: Short = "",
    reason: Text = "",
) -> Response:
    def act(session: Session, found: Any) -> object:
        day = queries.parse_day(start_on, "The day clarification was asked for")
        return service.pause(session, principal, found, day, reason, source_ip=client.ip)

    return _on_request(
        request,
        principal,
        request_id,
        "paused",
        act,
        {"start_on": start_on, "pause_reason": reason},
    )


@router.post(BASE + "/{request_id}/resume")
def resume(
    request: Request, request_id: str, client: Client, principal: Viewer, end_on: Short = ""
) -> Response:
    def act(session: Session, found: Any) -> object:
        day = queries.parse_day(end_on, "The day the clarification arrived")
        return service.resume(session, principal, found, day, source_ip=client.ip)

    return _on_request(request, principal, request_id, "resumed", act, {"end_on": end_on})


@router.post(BASE + "/{request_id}/extension")
def extend(
    request: Request,
    request_id: str,
    client: Client,
    principal: Viewer,
    months: Short = "",
    notice_on: Short = "",
    reason: Text = "",
) -> Response:
    def act(session: Session, found: Any) -> object:
        count = int(months) if months.strip().isdigit() else 0
        day = queries.parse_day(notice_on, "The day notice was sent")
        return service.extend(session, principal, found, count, day, reason, source_ip=client.ip)

    typed = {"months": months, "notice_on": notice_on, "extension_reason": reason}
    return _on_request(request, principal, request_id, "extended", act, typed)


@router.post(BASE + "/{request_id}/items")
async def add_items(
    request: Request, request_id: str, client: Client, principal: Viewer
) -> Response:
    form = await request.form()
    chosen = [str(v)[:64] for v in form.getlist("evidence_id")][:200]
    found_by = {k: str(form.get(f"by_{k}", ""))[:200] for k in vars(queries.FindForm())}
    found_by = {k: v for k, v in found_by.items() if v}

    def act(session: Session, found: Any) -> object:
        return service.add_items(
            session, principal, found, chosen, found_by=found_by, source_ip=client.ip
        )

    return _on_request(request, principal, request_id, "added", act, {})


@router.post(BASE + "/{request_id}/items/{evidence_id}/remove")
def remove_item(
    request: Request,
    request_id: str,
    evidence_id: str,
    client: Client,
    principal: Viewer,
    reason: Text = "",
) -> Response:
    def act(session: Session, found: Any) -> object:
        service.remove_item(session, principal, found, evidence_id, reason, source_ip=client.ip)
        return None

    typed = {"item": evidence_id, "remove_reason": reason}
    return _on_request(request, principal, request_id, "removed", act, typed)


@router.post(BASE + "/{request_id}/items/{evidence_id}/restriction")
def restrict(
    request: Request,
    request_id: str,
    evidence_id: str,
    client: Client,
    principal: Viewer,
    restriction: Short = "",
    reason: Short = "",
    note: Text = "",
) -> Response:
    def act(session: Session, found: Any) -> object:
        return service.restrict_item(
            session,
            principal,
            found,
            evidence_id,
            restriction=restriction,
            reason=reason or None,
            note=note,
            source_ip=client.ip,
        )

    typed = {"item": evidence_id, "restriction": restriction, "reason": reason, "note": note}
    return _on_request(request, principal, request_id, "restricted", act, typed)


@router.post(BASE + "/{request_id}/release")
def release(
    request: Request, request_id: str, client: Client, principal: Viewer, method: Short = ""
) -> Response:
    """The package downloads at once (the browser saves it); the page lists the release."""
    require(principal, roles.SAR_HANDLE)
    try:
        stream, package_id, name = releases.release(
            principal, request_id, method, source_ip=client.ip
        )
    except DomainError as exc:
        typed = {"release_method": method}
        return _request_page(
            request, principal, request_id, error=exc.detail, typed=typed, status_code=exc.status
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Package-Id": package_id,
        "Cache-Control": "no-store",
    }
    return StreamingResponse(stream, media_type="application/zip", headers=headers)


@router.post(BASE + "/{request_id}/close")
def close(
    request: Request,
    request_id: str,
    client: Client,
    principal: Viewer,
    outcome: Short = "",
    note: Text = "",
    closed_on: Short = "",
) -> Response:
    def act(session: Session, found: Any) -> object:
        day = queries.parse_day(closed_on, "The day answered") if closed_on else None
        return service.close(
            session, principal, found, outcome, note, closed_on=day, source_ip=client.ip
        )

    typed = {"outcome": outcome, "close_note": note, "closed_on": closed_on}
    return _on_request(request, principal, request_id, "closed", act, typed)
