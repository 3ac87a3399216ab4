"""Case endpoints: create, list, close and reopen, members (added, with an optional expiry, and
removed), linked items."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends

from openbwv.access.deps import require_principal
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.cases import queries, service
from openbwv.cases.schemas import CaseIn, CaseOut, LinkIn, MemberIn, OutcomeIn, StageIn
from openbwv.db.session import unit_of_work

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Authed = Annotated[Principal, Depends(require_principal)]


@router.post("", response_model=CaseOut, status_code=201)
def create(body: CaseIn, client: Client, principal: Authed) -> CaseOut:
    with unit_of_work() as session:
        case = service.create_case(
            session,
            principal,
            crime_reference=body.crime_reference,
            title=body.title,
            cad_number=body.cad_number,
            borough=body.borough,
            source_ip=client.ip,
        )
        return CaseOut.model_validate(case)


@router.get("", response_model=list[CaseOut])
def list_cases(
    principal: Authed,
    crime_reference: str | None = None,
    status: Literal["open", "closed"] | None = None,
) -> list[CaseOut]:
    with unit_of_work() as session:
        found = queries.listed(session, principal, crime_reference, status)
        return [CaseOut.model_validate(case) for case in found]


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case_id: str, client: Client, principal: Authed) -> CaseOut:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.record_event(session, principal, "case.view", case, source_ip=client.ip)
        return CaseOut.model_validate(case)


@router.post("/{case_id}/members", status_code=204)
def add_member(case_id: str, body: MemberIn, client: Client, principal: Authed) -> None:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.add_member(
            session,
            principal,
            case,
            body.username,
            body.role,
            source_ip=client.ip,
            expires_at=body.expires_at,
        )


@router.delete("/{case_id}/members/{user_id}", status_code=204)
def remove_member(case_id: str, user_id: str, client: Client, principal: Authed) -> None:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.remove_member(session, principal, case, user_id, source_ip=client.ip)


@router.post("/{case_id}/close", response_model=CaseOut, summary="Close the case")
def close(case_id: str, client: Client, principal: Authed) -> CaseOut:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.set_status(session, principal, case, "closed", source_ip=client.ip)
        return CaseOut.model_validate(case)


@router.post("/{case_id}/reopen", response_model=CaseOut, summary="Reopen a closed case")
def reopen(case_id: str, client: Client, principal: Authed) -> CaseOut:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.set_status(session, principal, case, "open", source_ip=client.ip)
        return CaseOut.model_validate(case)


@router.put("/{case_id}/stage", response_model=CaseOut, summary="Record the case's stage (CPIA)")
def set_stage(case_id: str, body: StageIn, client: Client, principal: Authed) -> CaseOut:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.set_stage(
            session,
            principal,
            case,
            body.stage,
            decided_at=body.decided_at,
            sentence=body.sentence,
            expected_release_at=body.expected_release_at,
            source_ip=client.ip,
        )
        return CaseOut.model_validate(case)


@router.put("/{case_id}/outcome", response_model=CaseOut, summary="Record how the case ended")
def set_outcome(case_id: str, body: OutcomeIn, client: Client, principal: Authed) -> CaseOut:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.set_outcome(
            session,
            principal,
            case,
            body.outcome,
            decided_at=body.decided_at,
            domestic_abuse=body.domestic_abuse,
            source_ip=client.ip,
        )
        return CaseOut.model_validate(case)


@router.post("/{case_id}/items", status_code=204)
def link(case_id: str, body: LinkIn, client: Client, principal: Authed) -> None:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.link_item(session, principal, case, body.evidence_id, source_ip=client.ip)


@router.delete("/{case_id}/items/{evidence_id}", status_code=204)
def unlink(case_id: str, evidence_id: str, client: Client, principal: Authed) -> None:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        service.unlink_item(session, principal, case, evidence_id, source_ip=client.ip)


@router.get("/{case_id}/items", summary="Items linked to the case that you may view")
def case_items(case_id: str, client: Client, principal: Authed) -> dict[str, list[str]]:
    with unit_of_work() as session:
        case = queries.get_visible(session, principal, case_id)
        ids = [str(i) for i in queries.visible_item_ids(session, principal, case)]
        details = {"returned": len(ids)}
        service.record_event(
            session, principal, "case.items", case, source_ip=client.ip, details=details
        )
    return {"items": ids}
