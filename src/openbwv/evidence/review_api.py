"""Acting on an item: categories (drive retention and restriction) and break glass."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from openbwv.access.deps import require_principal
from openbwv.access.errors import AccessDenied
from openbwv.access.http import client_ip
from openbwv.access.models import EvidenceGrant
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, can_on_item
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.evidence import categorising
from openbwv.evidence.models import EvidenceItem
from openbwv.timeutil import utcnow

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])
Authed = Annotated[Principal, Depends(require_principal)]
BREAK_GLASS_HOURS = 12


class CategoriesIn(BaseModel):
    categories: list[str] = Field(max_length=20)


class BreakGlassIn(BaseModel):
    reason: str = Field(
        min_length=10, max_length=2000, description="Why you need this item; shown to supervisors."
    )


@router.put("/{evidence_id}/categories", summary="Set the item's categories")
def set_categories(
    evidence_id: str, body: CategoriesIn, request: Request, principal: Authed
) -> dict[str, list[str]]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.CATEGORISE)
        try:
            before, wanted = categorising.set_categories(session, principal, item, body.categories)
        except categorising.UnknownCategory as exc:
            raise Problem(422, "Unknown category", str(exc)) from exc
        record(
            session,
            principal,
            "evidence.categorise",
            evidence_id=item.id,
            source_ip=client_ip(request),
            details={"before": before, "after": wanted},
        )
    return {"categories": wanted}


@router.get("/{evidence_id}/categories", summary="The item's categories")
def get_categories(evidence_id: str, request: Request, principal: Authed) -> dict[str, list[str]]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.VIEW)
        names = categorising.categories_of(session, item)
    return {"categories": names}


@router.post(
    "/{evidence_id}/break-glass",
    status_code=201,
    summary="Open an item outside your scope, giving a reason (audited, reported)",
)
def break_glass(
    evidence_id: str, body: BreakGlassIn, request: Request, principal: Authed
) -> dict[str, str]:
    if not principal.can(roles.BREAK_GLASS) or principal.user_id is None:
        raise AccessDenied(roles.BREAK_GLASS, "your role cannot break glass")
    with unit_of_work() as session:
        try:
            item = session.get(EvidenceItem, uuid.UUID(evidence_id))
        except ValueError:
            item = None
        if item is None:
            raise AccessDenied(
                roles.BREAK_GLASS, "no such evidence item", status=404, target=evidence_id[:64]
            )
        if can_on_item(session, principal, item.id, roles.VIEW):
            raise Problem(409, "Already visible", "you can already open this item")
        expires = utcnow() + timedelta(hours=BREAK_GLASS_HOURS)
        session.add(
            EvidenceGrant(
                user_id=principal.user_id,
                evidence_id=item.id,
                kind="break_glass",
                reason=body.reason,
                created_at=utcnow(),
                expires_at=expires,
            )
        )
        record(
            session,
            principal,
            "evidence.break_glass",
            evidence_id=item.id,
            reason=body.reason,
            source_ip=client_ip(request),
            details={"expires_at": expires.isoformat()},
        )
    return {"evidence_id": str(item.id), "expires_at": expires.isoformat()}
