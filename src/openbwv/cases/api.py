"""Case endpoints: create, list, members, linked items."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from openbwv.access.deps import require_principal
from openbwv.access.errors import AccessDenied
from openbwv.access.http import client_ip
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require, visible_clause
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.cases import service
from openbwv.cases.models import Case, CaseItem
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Authed = Annotated[Principal, Depends(require_principal)]


class CaseIn(BaseModel):
    crime_reference: str = Field(min_length=3, max_length=32)
    title: str = Field(min_length=1, max_length=200)
    cad_number: str | None = Field(default=None, max_length=32, pattern=r"^[A-Za-z0-9/\-]+$")
    borough: str | None = Field(default=None, max_length=9)


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    crime_reference: str
    cad_number: str | None
    title: str
    borough: str | None
    status: str
    created_at: datetime


class MemberIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    role: str = Field(default="member", pattern="^(oic|member|external)$")


class LinkIn(BaseModel):
    evidence_id: uuid.UUID


def _case(session: object, principal: Principal, case_id: str) -> Case:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    case = service.find_visible(session, principal, case_id)
    if case is None:
        raise AccessDenied("case.view", "no such case", status=404, target=case_id[:64])
    return case


@router.post("", response_model=CaseOut, status_code=201)
def create(body: CaseIn, request: Request, principal: Authed) -> CaseOut:
    require(principal, roles.CASE_CREATE)
    with unit_of_work() as session:
        try:
            case = service.create_case(
                session,
                principal,
                crime_reference=body.crime_reference,
                title=body.title,
                cad_number=body.cad_number,
                borough=body.borough,
            )
        except service.CaseError as exc:
            raise Problem(422, "Refused", str(exc)) from exc
        record(
            session,
            principal,
            "case.create",
            target_type="case",
            target_id=str(case.id),
            source_ip=client_ip(request),
            details={"crime_reference": case.crime_reference},
        )
        return CaseOut.model_validate(case)


@router.get("", response_model=list[CaseOut])
def list_cases(principal: Authed, crime_reference: str | None = None) -> list[CaseOut]:
    with unit_of_work() as session:
        query = select(Case).where(service.visible_cases(principal))
        if crime_reference:
            query = query.where(Case.crime_reference == crime_reference)
        found = session.scalars(query.order_by(Case.created_at.desc()).limit(500))
        return [CaseOut.model_validate(case) for case in found]


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case_id: str, request: Request, principal: Authed) -> CaseOut:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        record(
            session,
            principal,
            "case.view",
            target_type="case",
            target_id=str(case.id),
            source_ip=client_ip(request),
        )
        return CaseOut.model_validate(case)


@router.post("/{case_id}/members", status_code=204)
def add_member(case_id: str, body: MemberIn, request: Request, principal: Authed) -> None:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        if not service.may_manage(session, principal, case):
            raise AccessDenied("case.manage", "only the officer in the case or a case manager")
        try:
            service.add_member(session, principal, case, body.username, body.role)
        except service.CaseError as exc:
            raise Problem(422, "Refused", str(exc)) from exc
        record(
            session,
            principal,
            "case.member",
            target_type="case",
            target_id=str(case.id),
            source_ip=client_ip(request),
            details={"username": body.username, "role": body.role},
        )


@router.post("/{case_id}/items", status_code=204)
def link(case_id: str, body: LinkIn, request: Request, principal: Authed) -> None:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        item = authorize_item(session, principal, body.evidence_id, roles.LINK)
        service.link_item(session, principal, case, item.id, source_ip=client_ip(request))


@router.delete("/{case_id}/items/{evidence_id}", status_code=204)
def unlink(case_id: str, evidence_id: str, request: Request, principal: Authed) -> None:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        item = authorize_item(session, principal, evidence_id, roles.LINK)
        service.unlink_item(session, principal, case, item.id, source_ip=client_ip(request))


@router.get("/{case_id}/items", summary="Items linked to the case that you may view")
def case_items(case_id: str, request: Request, principal: Authed) -> dict[str, list[str]]:
    with unit_of_work() as session:
        case = _case(session, principal, case_id)
        query = (
            select(EvidenceItem.id)
            .join(CaseItem, CaseItem.evidence_id == EvidenceItem.id)
            .where(CaseItem.case_id == case.id, visible_clause(principal, roles.VIEW))
            .order_by(EvidenceItem.occurred_at)
        )
        ids = [str(i) for i in session.scalars(query)]
        record(
            session,
            principal,
            "case.items",
            target_type="case",
            target_id=str(case.id),
            source_ip=client_ip(request),
            details={"returned": len(ids)},
        )
    return {"items": ids}
