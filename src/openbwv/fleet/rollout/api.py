"""Fleet endpoints for the roll-out (under /api/v1/fleet/rollout): phases, progress and projections.

Progress and projections are aggregates with no personal data, so `reports.read` (e.g. an
auditor or a supervisor) may read them as well as `fleet.read` holders.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from openbwv.fleet.http import Manager, ReportReader, fleet_session, router
from openbwv.fleet.rollout import queries, service
from openbwv.fleet.rollout.projection import DEFAULT_WINDOW_DAYS
from openbwv.fleet.rollout.queries import ForceProgress
from openbwv.fleet.schemas import PhaseIn, PhaseOut

WindowDays = Annotated[int, Query(ge=1, le=365)]


@router.get("/rollout/phases", response_model=list[PhaseOut])
def list_phases(principal: ReportReader, borough: str | None = None) -> list[PhaseOut]:
    with fleet_session() as session:
        return [PhaseOut.model_validate(p) for p in queries.phases(session, borough)]


@router.post("/rollout/phases", response_model=PhaseOut, status_code=201)
def create_phase(body: PhaseIn, principal: Manager) -> PhaseOut:
    with fleet_session() as session:
        phase = service.add_phase(session, principal, service.PhaseSpec(**body.model_dump()))
        return PhaseOut.model_validate(phase)


@router.delete("/rollout/phases/{phase_id}", status_code=204)
def delete_phase(phase_id: uuid.UUID, principal: Manager) -> Response:
    with fleet_session() as session:
        service.delete_phase(session, principal, phase_id)
    return Response(status_code=204)


@router.get(
    "/rollout/progress",
    response_model=ForceProgress,
    summary="Roll-out progress and projected completion, per borough and for the force",
)
def get_progress(
    principal: ReportReader,
    as_of: date | None = Query(None, description="measure as of this day (default: today)"),
    window_days: WindowDays = DEFAULT_WINDOW_DAYS,
) -> ForceProgress:
    with fleet_session() as session:
        return queries.progress(session, as_of=as_of, window_days=window_days)


@router.get("/rollout/progress/{borough}", response_model=ForceProgress)
def get_borough_progress(
    borough: str,
    principal: ReportReader,
    as_of: date | None = None,
    window_days: WindowDays = DEFAULT_WINDOW_DAYS,
) -> ForceProgress:
    with fleet_session() as session:
        return queries.progress(session, as_of=as_of, window_days=window_days, borough=borough)
