"""Incident pages (/incidents/…): recent incidents and the CAD import form, an incident with every
attending officer's recordings on the synchronised timeline (the cases' timeline) and its times
marked, a case from it in one click, and the queue of recordings to place.

The same query and service functions as `/api/v1/incidents/…`, under the same permissions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.audit.events import record
from openbwv.cases import timeline
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.evidence import presenters
from openbwv.evidence import queries as evidence
from openbwv.incidents import queries, service
from openbwv.incidents.cadrows import COLUMNS, read_csv
from openbwv.incidents.errors import BadRows, NoSuchIncident
from openbwv.incidents.models import Incident
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
MAX_FILE_BYTES = 32 * 1024 * 1024
Short = Annotated[str, Form(max_length=255)]


def _require_any(principal: Principal, *permissions: str) -> None:
    if not any(principal.can(p) for p in permissions):
        raise AccessDenied(permissions[0], f"your role does not allow {permissions[0]}")


def _list_page(request: Request, principal: Principal, **extra: Any) -> Response:
    with unit_of_work() as session:
        found = queries.recent(session, principal)
    context: dict[str, Any] = {"incidents": found, "columns": COLUMNS, "report": None}
    context["problems"] = []
    context |= {"may_import": principal.can(roles.INCIDENTS_IMPORT), "error": None}
    context |= extra
    status = context.pop("status_code", 200)
    return render(request, "incidents/list.html", context, status_code=status)


@router.get("/incidents")
def incidents_page(request: Request, principal: Viewer) -> Response:
    _require_any(principal, roles.INCIDENTS_READ, roles.INCIDENTS_IMPORT)
    return _list_page(request, principal)


@router.post("/incidents/import")
async def import_page(
    request: Request,
    client: Client,
    principal: Viewer,
    file: Annotated[UploadFile, File()],
    partial: Annotated[bool, Form()] = False,
) -> Response:
    _require_any(principal, roles.INCIDENTS_IMPORT)
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return _list_page(request, principal, error="The file is too large.", status_code=413)
    checked = read_csv(data)
    try:
        with unit_of_work() as session:
            report = service.apply_rows(
                session,
                principal,
                checked,
                partial=partial,
                filename=file.filename,
                source_ip=client.ip,
            )
    except BadRows as exc:
        return _list_page(
            request, principal, error=exc.detail, problems=checked.problems, status_code=422
        )
    return _list_page(request, principal, report=report, problems=report.problems)


@router.get("/incidents/queue")
def queue_page(request: Request, principal: Viewer) -> Response:
    _require_any(principal, roles.INCIDENTS_READ)
    with unit_of_work() as session:
        entries = queries.queue(session, principal)
        items = evidence.visible_items_by_id(session, principal, [e.evidence_id for e in entries])
        cards = {card.id: card for card in evidence.cards(session, items)}
    rows = [(entry, cards[entry.evidence_id]) for entry in entries if entry.evidence_id in cards]
    return render(request, "incidents/queue.html", {"rows": rows, "title": "Recordings to place"})


@router.post("/incidents/queue/{evidence_id}")
def decide_page(
    evidence_id: str, client: Client, principal: Viewer, incident: Short = ""
) -> Response:
    _require_any(principal, roles.INCIDENTS_READ)
    with unit_of_work() as session:
        service.decide(session, principal, evidence_id, incident or None, source_ip=client.ip)
    return RedirectResponse("/incidents/queue", status_code=303)


def _timeline(session: Any, principal: Principal, incident: Incident, views: list[Any]) -> Any:
    ids = [e for view in views for e in view.recordings]
    items = evidence.visible_items_by_id(session, principal, ids)
    can_play = principal.can(roles.PLAY)
    built = timeline.build(
        evidence.cards(session, items),
        {i.id for i in items if can_play and presenters.playable(i)},
        {i.id for i in items if i.derivative("poster")},
    )
    if built is None:
        return None, []
    marks = []
    for view in views:
        a = view.attendance
        times = (("dispatched", a.dispatched_at), ("arrived", a.arrived_at))
        for label, when in (*times, ("cleared", a.cleared_at)):
            if when is None:
                continue
            where = ""  # a time outside the recordings is marked at the axis's end
            if when < built.start:
                where = " (before the first recording)"
            elif when > built.end:
                where = " (after the last recording)"
            marks.append((timeline.x_at(built, when), f"{view.name} {label}{where}", when))
    return built, marks


@router.get("/incidents/{number}")
def incident_page(number: str, request: Request, client: Client, principal: Viewer) -> Response:
    _require_any(principal, roles.INCIDENTS_READ)
    return _incident(request, client, principal, number)


def _incident(
    request: Request,
    client: Client,
    principal: Principal,
    number: str,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with unit_of_work() as session:
        found = queries.find_visible(session, principal, number)
        if found is None:
            raise NoSuchIncident(f"no incident {number} that you can see")
        views = queries.officers(session, principal, found)
        built, marks = _timeline(session, principal, found, views)
        shown = [str(e) for v in views for e in v.recordings][:200]
        record(
            session,
            principal,
            "incident.view",
            target_type="incident",
            target_id=found.number,
            source_ip=client.ip,
            details={"items": shown, "page": True},
        )
        context = {
            "incident": found,
            "officers": views,
            "timeline": built,
            "marks": marks,
            "axis_width": timeline.AXIS_WIDTH,
            "title": f"Incident {found.number}",
            "may_case": principal.can(roles.CASE_CREATE) and found.case_id is None,
            "error": error,
        }
        return render(request, "incidents/incident.html", context, status_code=status_code)


@router.post("/incidents/{number}/case")
def case_page(
    number: str,
    request: Request,
    client: Client,
    principal: Viewer,
    crime_reference: Annotated[str, Form(max_length=32)],
    title: Short = "",
) -> Response:
    _require_any(principal, roles.CASE_CREATE)
    try:
        with unit_of_work() as session:
            found = queries.find_visible(session, principal, number)
            if found is None:
                raise NoSuchIncident(f"no incident {number} that you can see")
            case_id, _linked = service.case_from_incident(
                session,
                principal,
                found,
                crime_reference=crime_reference,
                title=title or None,
                source_ip=client.ip,
            )
    except NoSuchIncident:
        raise
    except DomainError as exc:
        return _incident(request, client, principal, number, exc.detail, exc.status)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
