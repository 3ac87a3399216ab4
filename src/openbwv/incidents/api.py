"""Incident endpoints: CAD import (a CSV body) and push (JSON rows, the live integration), an
incident with its officers' figures and recordings, a case from an incident, and the queue of
recordings waiting for a person to place them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from openbwv.access.deps import requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.incidents import queries, service
from openbwv.incidents.cadrows import check_rows, read_csv
from openbwv.incidents.errors import NoSuchIncident
from openbwv.incidents.models import Incident
from openbwv.incidents.schemas import (
    CaseIn,
    CaseOut,
    DecideIn,
    ImportOut,
    IncidentOut,
    OfficerOut,
    ProblemOut,
    PushIn,
    QueueItemOut,
    QueueOut,
)

router = APIRouter(tags=["incidents"])
Importer = Annotated[Principal, Depends(requires_any(roles.INCIDENTS_IMPORT))]
Reader = Annotated[Principal, Depends(requires_any(roles.INCIDENTS_READ))]
Creator = Annotated[Principal, Depends(requires_any(roles.CASE_CREATE))]
PREFIX = "/api/v1/incidents"
MAX_FILE_BYTES = 32 * 1024 * 1024
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")


async def _body(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in CSV_TYPES:
        raise Problem(415, "Unsupported media type", "send the file as the body, as text/csv")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FILE_BYTES:
            raise Problem(413, "File too large", f"at most {MAX_FILE_BYTES} bytes")
    return bytes(body)


def _report(report: service.ImportReport) -> ImportOut:
    return ImportOut(
        applied=report.applied,
        rejected=report.rejected,
        incidents=report.incidents,
        changed=report.changed,
        problems=[
            ProblemOut(row=p.row, column=p.column, message=p.message) for p in report.problems
        ],
    )


def _import(principal: Principal, data: bytes, partial: bool, ip: str | None) -> ImportOut:
    with unit_of_work() as session:
        report = service.apply_rows(
            session, principal, read_csv(data), partial=partial, source_ip=ip
        )
    return _report(report)


@router.post(f"{PREFIX}/import", response_model=ImportOut, summary="Import a CAD CSV file")
async def import_csv(
    request: Request,
    client: Client,
    principal: Importer,
    partial: bool = Query(False, description="apply the incidents without a bad row"),
) -> ImportOut:
    """One row per attending officer (docs/incidents.md). Bad rows are reported by row and
    column (422, nothing applied) unless `partial`. Re-importing the same file changes nothing;
    a corrected incident re-matches its recordings."""
    data = await _body(request)
    return await run_in_threadpool(_import, principal, data, partial, client.ip)


@router.post(f"{PREFIX}/push", response_model=ImportOut, summary="Push CAD rows (live feed)")
def push(body: PushIn, client: Client, principal: Importer) -> ImportOut:
    """The same rows as the CSV contract, as JSON: a live integration sends each incident as it
    changes (all its attending officers each time)."""
    rows = ((index + 1, row.model_dump()) for index, row in enumerate(body.rows))
    with unit_of_work() as session:
        report = service.apply_rows(
            session,
            principal,
            check_rows(rows),
            partial=body.partial,
            source="push",
            source_ip=client.ip,
        )
    return _report(report)


def present(views: list[queries.OfficerView], incident: Incident) -> IncidentOut:
    return IncidentOut(
        number=incident.number,
        type=incident.type,
        priority=incident.priority,
        latitude=incident.latitude,
        longitude=incident.longitude,
        address=incident.address,
        opened_at=incident.opened_at,
        closing_code=incident.closing_code,
        borough=incident.borough,
        suggested_category=incident.suggested_category,
        case_id=incident.case_id,
        officers=[
            OfficerOut(
                warrant=v.warrant,
                name=v.name,
                dispatched_at=v.attendance.dispatched_at,
                arrived_at=v.attendance.arrived_at,
                cleared_at=v.attendance.cleared_at,
                recordings=v.recordings,
                recorded=v.attendance.recorded,
                late_start_s=v.attendance.late_start_s,
                early_stop_s=v.attendance.early_stop_s,
                coverage=v.attendance.coverage,
            )
            for v in views
        ],
    )


@router.get(f"{PREFIX}/queue", response_model=QueueOut, summary="Recordings to place")
def queue(principal: Reader) -> QueueOut:
    """Your recordings (and your team's, for a supervisor) the matcher could not place alone:
    ambiguous between incidents, or meeting none."""
    with unit_of_work() as session:
        entries = queries.queue(session, principal)
    return QueueOut(
        items=[
            QueueItemOut(
                evidence_id=e.evidence_id,
                reason=e.reason,
                incidents=[i.number for i in e.incidents],
            )
            for e in entries
        ]
    )


@router.post(f"{PREFIX}/queue/{{evidence_id}}", status_code=204, summary="Place a recording")
def decide(evidence_id: str, body: DecideIn, client: Client, principal: Reader) -> None:
    with unit_of_work() as session:
        service.decide(session, principal, evidence_id, body.incident_number, source_ip=client.ip)


@router.get(f"{PREFIX}/{{number}}", response_model=IncidentOut, summary="An incident")
def incident(number: str, client: Client, principal: Reader) -> IncidentOut:
    """The incident with its attending officers (those in your scope): each officer's linked
    recordings you may view, whether they recorded, late start, early stop and coverage."""
    with unit_of_work() as session:
        found = queries.find_visible(session, principal, number)
        if found is None:
            raise NoSuchIncident(f"no incident {number} that you can see")
        views = queries.officers(session, principal, found)
        shown = [str(e) for v in views for e in v.recordings][:200]
        record(
            session,
            principal,
            "incident.view",
            target_type="incident",
            target_id=found.number,
            source_ip=client.ip,
            details={"items": shown},
        )
        return present(views, found)


@router.post(f"{PREFIX}/{{number}}/case", response_model=CaseOut, status_code=201)
def case(number: str, body: CaseIn, client: Client, principal: Creator) -> CaseOut:
    """A case from the incident, linking every recording linked to it that you may link."""
    with unit_of_work() as session:
        found = queries.find_visible(session, principal, number)
        if found is None:
            raise NoSuchIncident(f"no incident {number} that you can see")
        case_id, linked = service.case_from_incident(
            session,
            principal,
            found,
            crime_reference=body.crime_reference,
            title=body.title,
            source_ip=client.ip,
        )
    return CaseOut(case_id=case_id, linked=linked)
