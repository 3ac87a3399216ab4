"""Subject access requests over HTTP (`sar.handle`): open, list, read, the identity check, the
clock (pause, resume, extend), finding and adding footage, restrictions, release (the evidence
package, streamed) and closing; and the monthly response-time report (JSON and CSV)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from openbwv.access.deps import requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work
from openbwv.evidence import service as evidence_service
from openbwv.subject_access import presenters, queries, report, service
from openbwv.subject_access.release import service as releases
from openbwv.subject_access.schemas import (
    CloseIn,
    ExtensionIn,
    FindIn,
    FoundOut,
    IdentityIn,
    ItemsIn,
    PauseIn,
    ReleaseIn,
    RemoveIn,
    ReportOut,
    RequestDetail,
    RequestIn,
    RequestOut,
    RestrictionIn,
    ResumeIn,
)

router = APIRouter(prefix="/api/v1/subject-access", tags=["subject access"])
Handler = Annotated[Principal, Depends(requires_any(roles.SAR_HANDLE))]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


@router.post("", response_model=RequestDetail, status_code=201, summary="Open a request")
def open_request(body: RequestIn, client: Client, principal: Handler) -> RequestDetail:
    with unit_of_work() as session:
        made = service.open_request(
            session,
            principal,
            requester_name=body.requester_name,
            requester_contact=body.requester_contact,
            requester_description=body.requester_description,
            received_on=body.received_on,
            source_ip=client.ip,
        )
        return presenters.detail(session, principal, made)


@router.get("", response_model=list[RequestOut], summary="Requests, open ones by days left")
def list_requests(
    principal: Handler, status: Annotated[str, Query(pattern="^(open|closed)$")] = "open"
) -> list[RequestOut]:
    with unit_of_work() as session:
        found = queries.listed(session, principal, status)
        service.record_read(session, principal, "list", {"status": status, "count": len(found)})
        return presenters.listed_out(session, found)


def _months(start: str, end: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(f"{start}-01") if start else queries.today().replace(day=1)
        last = date.fromisoformat(f"{end}-01") if end else queries.today()
    except ValueError:
        raise Problem(422, "Invalid report", "start and end are months, YYYY-MM") from None
    if last < first or len(report.months_between(first, last)) > 60:
        raise Problem(422, "Invalid report", "from is before to, at most 60 months apart")
    return first, last


@router.get("/report", response_model=ReportOut, summary="Response times by month")
def monthly_report(principal: Handler, start: Month = "", end: Month = "") -> ReportOut:
    first, last = _months(start, end)
    with unit_of_work() as session:
        service.record_read(session, principal, "report", {"from": start, "to": end})
        return presenters.monthly(session, principal, first, last)


@router.get(
    "/report.csv",
    summary="Response times by month, as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row a month"}},
)
def monthly_report_csv(principal: Handler, start: Month = "", end: Month = "") -> Response:
    first, last = _months(start, end)
    with unit_of_work() as session:
        service.record_read(session, principal, "report.csv", {"from": start, "to": end})
        found = presenters.monthly(session, principal, first, last)
    rows = [report.Month(**m.model_dump()) for m in found.months]
    return Response(
        report.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="subject-access-report.csv"'},
    )


@router.get("/{request_id}", response_model=RequestDetail, summary="A request, its clock and items")
def get_request(request_id: str, principal: Handler) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.record_read(session, principal, "request", {"reference": found.reference})
        return presenters.detail(session, principal, found)


@router.post("/{request_id}/identity", response_model=RequestDetail, summary="Identity checked")
def identity(
    request_id: str, body: IdentityIn, client: Client, principal: Handler
) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.check_identity(session, principal, found, body.method, source_ip=client.ip)
        return presenters.detail(session, principal, found)


@router.post("/{request_id}/pause", response_model=RequestDetail, summary="Pause the clock")
def pause(request_id: str, body: PauseIn, client: Client, principal: Handler) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.pause(session, principal, found, body.start_on, body.reason, source_ip=client.ip)
        return presenters.detail(session, principal, found)


@router.post("/{request_id}/resume", response_model=RequestDetail, summary="Resume the clock")
def resume(request_id: str, body: ResumeIn, client: Client, principal: Handler) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.resume(session, principal, found, body.end_on, source_ip=client.ip)
        return presenters.detail(session, principal, found)


@router.post("/{request_id}/extension", response_model=RequestDetail, summary="Extend")
def extend(request_id: str, body: ExtensionIn, client: Client, principal: Handler) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.extend(
            session, principal, found, body.months, body.notice_on, body.reason, source_ip=client.ip
        )
        return presenters.detail(session, principal, found)


@router.post("/{request_id}/find", response_model=list[FoundOut], summary="Find their footage")
def find(request_id: str, body: FindIn, client: Client, principal: Handler) -> list[FoundOut]:
    """By time window, place (a place-list name, an area, or a point and radius), officer and
    CAD incident: the evidence search's criteria and policy. Never by face."""
    form = queries.FindForm(**body.model_dump())
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        items, errors = queries.find_footage(session, principal, form)
        if errors:
            detail = "; ".join(f"{name}: {message}" for name, message in errors.items())
            raise Problem(422, "Invalid search", detail, errors=errors)
        on = {i.evidence_id for i in queries.items_of(session, found.id)}
        details = {"page": "subject_access", "request": found.reference, "criteria": form.details()}
        evidence_service.record_search(
            session, principal, client.ip, details | {"returned": len(items)}
        )
        return [
            FoundOut(
                evidence_id=i.id,
                title=i.title,
                occurred_at=i.occurred_at,
                officer=i.officer,
                camera=i.camera_serial,
                on_request=i.id in on,
            )
            for i in items
        ]


@router.post("/{request_id}/items", response_model=RequestDetail, summary="Add items (held)")
def add_items(request_id: str, body: ItemsIn, client: Client, principal: Handler) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.add_items(
            session,
            principal,
            found,
            body.evidence_ids,
            found_by=body.found_by,
            source_ip=client.ip,
        )
        return presenters.detail(session, principal, found)


@router.post(
    "/{request_id}/items/{evidence_id}/remove",
    response_model=RequestDetail,
    summary="Take an item off (its hold released)",
)
def remove_item(
    request_id: str, evidence_id: uuid.UUID, body: RemoveIn, client: Client, principal: Handler
) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.remove_item(
            session, principal, found, evidence_id, body.reason, source_ip=client.ip
        )
        return presenters.detail(session, principal, found)


@router.put(
    "/{request_id}/items/{evidence_id}/restriction",
    response_model=RequestDetail,
    summary="Record a restriction (s.45(4))",
)
def restrict(
    request_id: str, evidence_id: uuid.UUID, body: RestrictionIn, client: Client, principal: Handler
) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.restrict_item(
            session,
            principal,
            found,
            evidence_id,
            restriction=body.restriction,
            reason=body.reason,
            note=body.note,
            source_ip=client.ip,
        )
        return presenters.detail(session, principal, found)


@router.post(
    "/{request_id}/release",
    summary="Release: the request's evidence package (a ZIP, streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def release(
    request_id: str, body: ReleaseIn, client: Client, principal: Handler
) -> StreamingResponse:
    stream, package_id, name = releases.release(
        principal, request_id, body.method, source_ip=client.ip
    )
    return StreamingResponse(
        stream,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Package-Id": package_id,
            "Cache-Control": "no-store",
        },
    )


@router.post("/{request_id}/close", response_model=RequestDetail, summary="Close with the outcome")
def close(request_id: str, body: CloseIn, client: Client, principal: Handler) -> RequestDetail:
    with unit_of_work() as session:
        found = queries.get(session, principal, request_id)
        service.close(
            session,
            principal,
            found,
            body.outcome,
            body.note,
            closed_on=body.closed_on,
            source_ip=client.ip,
        )
        return presenters.detail(session, principal, found)
