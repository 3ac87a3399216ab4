"""Reports for supervisors and oversight: break glass."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from openbwv.access import roles
from openbwv.access.deps import require_principal
from openbwv.access.http import client_ip
from openbwv.access.models import User
from openbwv.access.policy import require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.audit.models import AuditEvent
from openbwv.db.session import unit_of_work
from openbwv.timeutil import utcnow

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Authed = Annotated[Principal, Depends(require_principal)]


@router.get("/break-glass", summary="Who opened items outside their scope, and why")
def break_glass_report(
    request: Request,
    principal: Authed,
    since: datetime | None = Query(None, description="default: 30 days ago"),
) -> dict[str, object]:
    """Supervisors see their team's, borough-wide roles their borough's, force-wide roles all."""
    require(principal, roles.REPORTS_READ)
    since = since or utcnow() - timedelta(days=30)
    query = (
        select(AuditEvent, User)
        .join(User, User.id == AuditEvent.actor_id, isouter=True)
        .where(
            AuditEvent.action == "evidence.break_glass",
            AuditEvent.result == "success",
            AuditEvent.occurred_at >= since,
        )
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1000)
    )
    if principal.scope == "team" and principal.team_id is not None:
        query = query.where(User.team_id == principal.team_id)
    elif principal.scope in ("team", "borough"):
        query = query.where(User.borough == principal.borough)
    elif principal.scope not in ("force", "none"):
        query = query.where(User.id == principal.user_id)
    with unit_of_work() as session:
        rows = [
            {
                "when": event.occurred_at.isoformat(),
                "who": user.username if user else event.actor_name,
                "display_name": user.display_name if user else None,
                "evidence_id": str(event.evidence_id) if event.evidence_id else None,
                "reason": event.reason,
            }
            for event, user in session.execute(query)
        ]
        record(
            session,
            principal,
            "report.break_glass",
            source_ip=client_ip(request),
            details={"returned": len(rows)},
        )
    return {"since": since.isoformat(), "events": rows}
