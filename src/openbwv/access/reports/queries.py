"""Reads behind the reports: break-glass events with the people who broke glass, within the
reach of the principal asking (team, borough or force)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.models import AuditEvent

MAX_ROWS = 1000


def break_glass_events(
    session: Session, principal: Principal, since: datetime
) -> list[dict[str, Any]]:
    """Supervisors see their team's, borough-wide roles their borough's, force-wide roles all."""
    query = (
        select(AuditEvent, User)
        .join(User, User.id == AuditEvent.actor_id, isouter=True)
        .where(
            AuditEvent.action == "evidence.break_glass",
            AuditEvent.result == "success",
            AuditEvent.occurred_at >= since,
        )
        .order_by(AuditEvent.occurred_at.desc())
        .limit(MAX_ROWS)
    )
    if principal.scope == "team" and principal.team_id is not None:
        query = query.where(User.team_id == principal.team_id)
    elif principal.scope in ("team", "borough"):
        query = query.where(User.borough == principal.borough)
    elif principal.scope not in ("force", "none"):
        query = query.where(User.id == principal.user_id)
    return [
        {
            "when": event.occurred_at.isoformat(),
            "who": user.username if user else event.actor_name,
            "display_name": user.display_name if user else None,
            "evidence_id": str(event.evidence_id) if event.evidence_id else None,
            "reason": event.reason,
        }
        for event, user in session.execute(query)
    ]
