"""Compliance endpoints: a league table by officer, team, borough, incident type or week (JSON or
CSV), and the attendances not recorded (or, for stop and search and use of force, not recorded
whole). Officers see their own figures, supervisors their team's, force-wide roles the force."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from openbwv.access.deps import requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.incidents.compliance import queries
from openbwv.incidents.compliance.queries import DIMENSIONS, Dimension, Filters

router = APIRouter(tags=["compliance"])
Reader = Annotated[Principal, Depends(requires_any(roles.INCIDENTS_READ))]
PREFIX = "/api/v1/compliance"


class RowOut(BaseModel):
    key: str
    label: str
    attended: int
    recorded: int
    share_recorded: float
    late_starts: int
    early_stops: int
    mean_coverage: float
    not_recorded_whole: int
    target: float | None
    target_met: bool | None


class LeagueOut(BaseModel):
    by: str
    rows: list[RowOut]


class MissOut(BaseModel):
    incident_number: str
    incident_type: str
    officer: str
    team: str
    recorded: bool
    coverage: float
    late_start_s: int | None
    early_stop_s: int | None


class MissesOut(BaseModel):
    items: list[MissOut]


def filters(
    borough: str | None = Query(None, max_length=16),
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
    week: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
    team: uuid.UUID | None = None,
    type: str | None = Query(None, max_length=64),
) -> Filters:
    return Filters(borough=borough, month=month, week=week, team_id=team, type=type)


Filtered = Annotated[Filters, Depends(filters)]


def _audit(session: Any, principal: Principal, action: str, ip: str | None, **details: Any) -> None:
    record(session, principal, action, source_ip=ip, details=details)


@router.get(PREFIX, response_model=LeagueOut, summary="Activation compliance league table")
def league(
    principal: Reader,
    client: Client,
    chosen: Filtered,
    by: str = Query("team", description=" | ".join(DIMENSIONS)),
    format: str = Query("json", pattern="^(json|csv)$"),
) -> Any:
    if by not in DIMENSIONS:
        raise Problem(422, "Invalid request", f"by is one of {', '.join(DIMENSIONS)}")
    dimension: Dimension = by
    with unit_of_work() as session:
        rows = queries.league(session, principal, dimension, chosen)
        action = "compliance.export" if format == "csv" else "compliance.view"
        _audit(session, principal, action, client.ip, by=by, filters=_described(chosen))
    if format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(queries.csv_rows(rows))
        return Response(
            buffer.getvalue().encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="compliance-by-{by}.csv"'},
        )
    return LeagueOut(by=by, rows=[_row(r) for r in rows])


def _described(chosen: Filters) -> dict[str, str]:
    return {k: str(v) for k, v in vars(chosen).items() if v is not None}


def _row(r: queries.Row) -> RowOut:
    return RowOut(
        key=r.key,
        label=r.label,
        attended=r.attended,
        recorded=r.recorded,
        share_recorded=round(r.share, 4),
        late_starts=r.late,
        early_stops=r.early,
        mean_coverage=r.coverage,
        not_recorded_whole=r.not_whole,
        target=r.target,
        target_met=r.met,
    )


@router.get(f"{PREFIX}/misses", response_model=MissesOut, summary="Attended, not recorded")
def misses(principal: Reader, client: Client, chosen: Filtered, whole: bool = False) -> MissesOut:
    """Attended incidents with no recording, newest first; `whole`: stop and search and use of
    force attendances not recorded whole (HMICFRS, 2021)."""
    with unit_of_work() as session:
        found = queries.misses(session, principal, chosen, whole_only=whole)
        _audit(
            session,
            principal,
            "compliance.view",
            client.ip,
            misses=True,
            whole=whole,
            filters=_described(chosen),
        )
    return MissesOut(
        items=[
            MissOut(
                incident_number=m.number,
                incident_type=m.type,
                officer=m.officer,
                team=m.team,
                recorded=m.recorded,
                coverage=m.coverage,
                late_start_s=m.late_start_s,
                early_stop_s=m.early_stop_s,
            )
            for m in found
        ]
    )
