"""Reads behind the reports: break-glass events with the people who broke glass, within the
reach of the principal asking (team, borough or force)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.models import AuditEvent

Row = TypeVarTuple("Row")
MAX_ROWS = 1000
DEFAULT_WINDOW = timedelta(days=30)  # the report's period when none is asked for


def _within_reach(
    query: Select[*Row], principal: Principal, since: datetime, until: datetime | None
) -> Select[*Row]:
    """Supervisors see their team's, borough-wide roles their borough's, force-wide roles all."""
    query = query.join(User, User.id == AuditEvent.actor_id, isouter=True).where(
        AuditEvent.action == "evidence.break_glass",
        AuditEvent.result == "success",
        AuditEvent.occurred_at >= since,
    )
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    if principal.scope == "team" and principal.team_id is not None:
        query = query.where(User.team_id == principal.team_id)
    elif principal.scope in ("team", "borough"):
        query = query.where(User.borough == principal.borough)
    elif principal.scope not in ("force", "none"):
        query = query.where(User.id == principal.user_id)
    return query


def break_glass_events(
    session: Session,
    principal: Principal,
    since: datetime,
    until: datetime | None = None,
    limit: int = MAX_ROWS,
) -> list[dict[str, Any]]:
    """Newest first, at most `limit` (and never more than MAX_ROWS)."""
    query = _within_reach(select(AuditEvent, User), principal, since, until)
    query = query.order_by(AuditEvent.occurred_at.desc()).limit(min(limit, MAX_ROWS))
    return [
        {
            "when": event.occurred_at.isoformat(),
            "who": user.username if user else event.actor_name,
            "display_name": user.display_name if user else None,
            "evidence_id": str(event.evidence_id) if event.evidence_id else None,
            "reason": event.reason,
            "expires_at": (event.details or {}).get("expires_at"),
        }
        for event, user in session.execute(query)
    ]


def break_glass_count(
    session: Session, principal: Principal, since: datetime, until: datetime | None = None
) -> int:
    """How many events the same filter matches (a page shows "N of M")."""
    query = _within_reach(
        select(func.count(AuditEvent.id)).select_from(AuditEvent), principal, since, until
    )
    return int(session.scalar(query) or 0)
