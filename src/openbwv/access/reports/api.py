"""Reports for supervisors and oversight: break glass."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from openbwv.access.deps import require_principal
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.access.reports.queries import DEFAULT_WINDOW, break_glass_events
from openbwv.api.context import Client
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.timeutil import Timestamp, utcnow

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Authed = Annotated[Principal, Depends(require_principal)]


@router.get("/break-glass", summary="Who opened items outside their scope, and why")
def break_glass_report(
    principal: Authed,
    client: Client,
    since: Timestamp | None = Query(None, description="RFC 3339; default: 30 days ago"),
) -> dict[str, object]:
    """Supervisors see their team's, borough-wide roles their borough's, force-wide roles all."""
    require(principal, roles.REPORTS_READ)
    since = since or utcnow() - DEFAULT_WINDOW
    with unit_of_work() as session:
        rows = break_glass_events(session, principal, since)
        record(
            session,
            principal,
            "report.break_glass",
            source_ip=client.ip,
            details={"returned": len(rows)},
        )
    return {"since": since.isoformat(), "events": rows}
