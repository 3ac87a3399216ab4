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
from pydantic import BaseModel, Field

from openbwv.access.deps import requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.incidents.compliance import queries
from openbwv.incidents.compliance import queries as review_queries
from openbwv.incidents.compliance import service as review_service
from openbwv.incidents.compliance.queries import DIMENSIONS, Dimension, Filters
from openbwv.incidents.compliance.sampling import this_week

router = APIRouter(tags=["compliance"])
Reader = Annotated[Principal, Depends(requires_any(roles.INCIDENTS_READ))]
Supervisor = Annotated[Principal, Depends(requires_any(roles.COMPLIANCE_REVIEW))]
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


# --- the supervisors' weekly review sample ---------------------------------------------------


class SampleIn(BaseModel):
    week: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class SampleOut(BaseModel):
    id: uuid.UUID
    week: str
    seed: int
    population: int
    items: list[uuid.UUID]


class ReviewIn(BaseModel):
    checklist: dict[str, bool] = Field(default_factory=dict)
    outcome: str = Field(max_length=32)
    notes: str | None = Field(default=None, max_length=2000)


class CompletionOut(BaseModel):
    team: str
    week: str
    seed: int
    sampled: int
    reviewed: int
    rate: float


@router.get(f"{PREFIX}/reviews", response_model=list[CompletionOut], summary="Review completion")
def review_completion(principal: Reader, client: Client) -> list[CompletionOut]:
    """Each weekly sample (your team's; the force's for force-wide roles) and how much of it
    was reviewed."""
    with unit_of_work() as session:
        found = review_queries.completion(session, principal)
        _audit(session, principal, "compliance.view", client.ip, reviews=True)
    return [
        CompletionOut(
            team=c.team,
            week=c.week,
            seed=c.seed,
            sampled=c.sampled,
            reviewed=c.reviewed,
            rate=round(c.rate, 4),
        )
        for c in found
    ]


@router.post(f"{PREFIX}/reviews/sample", response_model=SampleOut, summary="Draw the sample")
def draw(body: SampleIn, principal: Supervisor, client: Client) -> SampleOut:
    """Your team's review sample for the week (this week by default): drawn once with a random
    seed that is recorded; asking again returns the same sample."""
    with unit_of_work() as session:
        sample = review_service.draw_sample(
            session, principal, body.week or this_week(), source_ip=client.ip
        )
        return SampleOut(
            id=sample.id,
            week=sample.week,
            seed=sample.seed,
            population=sample.population,
            items=[uuid.UUID(i) for i in sample.item_ids],
        )


@router.post(
    f"{PREFIX}/reviews/{{sample_id}}/{{evidence_id}}", status_code=204, summary="Review one"
)
def review(
    sample_id: uuid.UUID, evidence_id: str, body: ReviewIn, principal: Supervisor, client: Client
) -> None:
    with unit_of_work() as session:
        review_service.review(
            session,
            principal,
            sample_id,
            evidence_id,
            checklist=body.checklist,
            outcome=body.outcome,
            notes=body.notes,
            source_ip=client.ip,
        )
