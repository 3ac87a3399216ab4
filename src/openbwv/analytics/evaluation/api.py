"""Roll-out evaluation endpoints: the effects with their intervals (JSON), the report (PDF or
CSV) and the monthly counts import (CSV)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openbwv.access.deps import requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.analytics.errors import BadCounts
from openbwv.analytics.evaluation import queries, report, service
from openbwv.analytics.evaluation.queries import Evaluation
from openbwv.analytics.months import period
from openbwv.analytics.schemas import EffectOut, EvaluationOut, ImportOut
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Reader = Annotated[Principal, Depends(requires_any(roles.REPORTS_READ))]
Importer = Annotated[Principal, Depends(requires_any(roles.ANALYTICS_IMPORT))]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
MAX_CSV = 20 * 1024 * 1024


def run(principal: Principal, start: str | None, end: str | None, what: str) -> Evaluation:
    """The evaluation over [from, to] (months; default: the last 24), audited."""
    first, last = period(start, end, months=24)
    with unit_of_work() as session:
        evaluation = queries.evaluate(session, principal, first, last)
        details = {"what": what, "from": first.isoformat(), "to": last.isoformat()}
        record(session, principal, "analytics.evaluation", details=details)
    return evaluation


TRIAL_LABEL = "Trial: allegations per 1,000 officers (teams with and without cameras)"
TRIAL_SOURCE = (
    "monthly counts 'trial_arm' and 'officers' by team; complaints about each team's officers"
)


def trial_out(evaluation: Evaluation) -> EffectOut | None:
    found = evaluation.trial
    if found is None:
        return None
    e = found.effect
    return EffectOut(
        measure="trial_allegations",
        label=TRIAL_LABEL,
        kind="rate",
        source=TRIAL_SOURCE,
        estimate=e.estimate if e else None,
        low=e.low if e else None,
        high=e.high if e else None,
        unit="%",
        p_value=e.p_value if e else None,
        baseline=e.baseline if e else None,
        boroughs=e.units if e else None,  # teams, in a trial
        boroughs_with_cameras=e.treated_units if e else None,
        months=e.months if e else None,
        method=e.method if e else None,
        note=found.note,
    )


def effects_out(evaluation: Evaluation) -> list[EffectOut]:
    out = []
    for result in evaluation.results:
        e, m = result.effect, result.measure
        out.append(
            EffectOut(
                measure=m.key,
                label=m.label,
                kind=m.kind,
                source=m.source,
                estimate=e.estimate if e else None,
                low=e.low if e else None,
                high=e.high if e else None,
                unit=m.unit,
                p_value=e.p_value if e else None,
                baseline=e.baseline if e else None,
                boroughs=e.units if e else None,
                boroughs_with_cameras=e.treated_units if e else None,
                months=e.months if e else None,
                method=e.method if e else None,
                note=result.note,
            )
        )
    return out


@router.get("/evaluation", response_model=EvaluationOut, summary="The roll-out's effects")
def evaluation(
    principal: Reader,
    start: Annotated[Month, Query(alias="from")] = None,
    end: Annotated[Month, Query(alias="to")] = None,
) -> EvaluationOut:
    """Each measure's effect of cameras with its 95% interval, from the staggered roll-out
    (docs/analytics.md): % change for rates, percentage points for shares."""
    found = run(principal, start, end, "json")
    return EvaluationOut(
        start=found.start,
        end=found.end,
        simulated=found.simulated,
        changes={b: c for b, c in found.changes.items() if b in found.boroughs},
        effects=effects_out(found),
        trial=trial_out(found),
    )


@router.get(
    "/evaluation/report.{fmt}",
    summary="The evaluation's report (PDF or CSV)",
    responses={
        200: {
            "content": {"application/pdf": {}, "text/csv": {}},
            "description": "report.pdf: the report; report.csv: its figures",
        }
    },
)
def evaluation_report(
    fmt: Literal["pdf", "csv"],
    principal: Reader,
    start: Annotated[Month, Query(alias="from")] = None,
    end: Annotated[Month, Query(alias="to")] = None,
) -> Response:
    found = run(principal, start, end, fmt)
    name = f"bwv-evaluation-{found.start:%Y-%m}-{found.end:%Y-%m}"
    if fmt == "pdf":
        body, media = report.to_pdf(found), "application/pdf"
    else:
        body, media = report.to_csv(found).encode(), "text/csv; charset=utf-8"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return Response(body, media_type=media, headers=headers)


@router.post("/counts", response_model=ImportOut, summary="Import monthly counts (CSV)")
async def import_counts(
    request: Request,
    principal: Importer,
    name: Annotated[str, Query(max_length=190)] = "upload.csv",
    partial: bool = False,
) -> ImportOut:
    """A CSV body `month,borough,team,measure,value` (docs/analytics.md): all rows applied, or
    none with every bad row listed (422) unless `partial`."""
    raw = await request.body()
    if len(raw) > MAX_CSV:
        raise BadCounts("the file is larger than 20 MB")
    text = raw.decode("utf-8-sig", errors="replace")
    applied, errors = await run_in_threadpool(_apply, principal, text, name, partial)
    return ImportOut(applied=applied, rejected=errors)


def _apply(
    principal: Principal, text: str, name: str, partial: bool
) -> tuple[int, list[dict[str, object]]]:
    with unit_of_work() as session:
        return service.import_counts(session, principal, text, name=name, allow_partial=partial)
