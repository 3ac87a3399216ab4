"""Complaint endpoints: record, list, read (officers, linked footage), find the footage, hold
it in one step, link it, record the outcome; complaints per 1,000 officers a month."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from openbwv.access.deps import requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.analytics.complaints import queries, service
from openbwv.analytics.models import Complaint
from openbwv.analytics.months import period
from openbwv.analytics.schemas import (
    ComplaintIn,
    ComplaintOut,
    FootageItem,
    FootageOut,
    HoldIn,
    HoldsOut,
    ItemsIn,
    LinkedOut,
    OfficerOut,
    OutcomeIn,
    RateOut,
)
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.evidence import service as evidence_service

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])
Reader = Annotated[Principal, Depends(requires_any(roles.COMPLAINTS_READ))]
Manager = Annotated[Principal, Depends(requires_any(roles.COMPLAINTS_MANAGE))]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def spec_of(body: ComplaintIn) -> service.ComplaintSpec:
    return service.ComplaintSpec(
        reference=body.reference,
        received_on=body.received_on,
        allegations=body.allegations,
        officers=body.officers,
        borough=body.borough,
        incident_number=body.incident_number,
        occurred_from=body.start,
        occurred_to=body.end,
        place=body.place,
        summary=body.summary,
    )


def complaint_out(session: Session, principal: Principal, found: Complaint) -> ComplaintOut:
    out = ComplaintOut.model_validate(found)
    out.officers = [OfficerOut.model_validate(o) for o in queries.officers(session, found.id)]
    out.items = [item.id for item in queries.linked_items(session, principal, found)]
    return out


@router.post("", response_model=ComplaintOut, status_code=201, summary="Record a complaint")
def create(body: ComplaintIn, client: Client, principal: Manager) -> ComplaintOut:
    with unit_of_work() as session:
        found = service.create_complaint(session, principal, spec_of(body), source_ip=client.ip)
        return complaint_out(session, principal, found)


@router.get("", response_model=list[ComplaintOut], summary="Complaints, newest first")
def list_complaints(principal: Reader) -> list[ComplaintOut]:
    with unit_of_work() as session:
        found = queries.listed(session, principal)
        service.record_read(session, principal, "list", returned=len(found))
        return [ComplaintOut.model_validate(c) for c in found]


@router.get("/rates", response_model=list[RateOut], summary="Complaints per 1,000 officers")
def rates(
    principal: Reader,
    by: Literal["borough", "team"] = "borough",
    start: Annotated[Month | None, Query(alias="from")] = None,
    end: Annotated[Month | None, Query(alias="to", description="YYYY-MM, included")] = None,
) -> list[RateOut]:
    first, last = period(start, end)
    with unit_of_work() as session:
        rows = queries.complaint_rates(session, principal, first, last, by=by)
        service.record_read(session, principal, f"rates by {by}", returned=len(rows))
    return [
        RateOut(
            key=r.key,
            name=r.name,
            month=r.month,
            complaints=r.complaints,
            officers=r.officers,
            per_1000=r.per_1000,
        )
        for r in rows
    ]


@router.get("/{complaint_id}", response_model=ComplaintOut, summary="One complaint")
def get_complaint(complaint_id: str, principal: Reader) -> ComplaintOut:
    with unit_of_work() as session:
        found = queries.complaint(session, principal, complaint_id)
        service.record_read(session, principal, "complaint", found)
        return complaint_out(session, principal, found)


@router.get("/{complaint_id}/footage", response_model=FootageOut, summary="Find its footage")
def footage(complaint_id: str, client: Client, principal: Reader) -> FootageOut:
    """The named officers' recordings in the time window (± 30 min), the borough's in the window,
    and the incident's (by CAD number): what you may see of them."""
    with unit_of_work() as session:
        found = queries.complaint(session, principal, complaint_id)
        result = queries.find_footage(session, principal, found)
        details = {"page": "complaint", "complaint": found.reference, "returned": len(result.items)}
        evidence_service.record_search(session, principal, client.ip, details)
        return FootageOut(
            items=[
                FootageItem(
                    id=item.id,
                    occurred_at=item.occurred_at,
                    officer=item.officer,
                    borough=item.borough,
                    found_by=result.by.get(item.id, []),
                )
                for item in result.items
            ],
            window=result.window,
            limited=result.limited,
        )


@router.post("/{complaint_id}/hold", response_model=HoldsOut, summary="Hold its footage")
def hold(complaint_id: str, body: HoldIn, client: Client, principal: Manager) -> HoldsOut:
    with unit_of_work() as session:
        found = queries.complaint(session, principal, complaint_id)
        holds = service.hold_footage(
            session, principal, found, item_ids=body.items, source_ip=client.ip
        )
        return HoldsOut(holds=holds)


@router.post("/{complaint_id}/items", response_model=LinkedOut, summary="Link footage")
def link(complaint_id: str, body: ItemsIn, client: Client, principal: Manager) -> LinkedOut:
    with unit_of_work() as session:
        found = queries.complaint(session, principal, complaint_id)
        count = service.link_footage(session, principal, found, body.items, source_ip=client.ip)
        return LinkedOut(linked=count)


@router.put("/{complaint_id}/outcome", response_model=ComplaintOut, summary="Record its outcome")
def outcome(complaint_id: str, body: OutcomeIn, client: Client, principal: Manager) -> ComplaintOut:
    with unit_of_work() as session:
        found = queries.complaint(session, principal, complaint_id)
        service.set_outcome(
            session, principal, found, body.outcome, decided_on=body.decided_on, source_ip=client.ip
        )
        return complaint_out(session, principal, found)
