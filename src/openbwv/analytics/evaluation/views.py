"""The roll-out evaluation page (/evaluation): each measure's effect with its 95% interval
(a chart and a table), its monthly series with and without cameras, what was measured and its
limits, and the report to download (PDF, CSV). Labelled when the data is simulated.
`reports.read`, as the API's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.analytics.errors import AnalyticsError
from openbwv.analytics.evaluation import charts, report
from openbwv.analytics.evaluation.api import run
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).resolve().parents[1] / "templates")


@router.get("/evaluation")
def evaluation_page(
    request: Request, principal: Viewer, start: str = "", end: str = ""
) -> Response:
    require(principal, roles.REPORTS_READ)
    error = None
    try:
        found = run(principal, start or None, end or None, "page")
    except AnalyticsError as exc:
        error, found = exc.detail, run(principal, None, None, "page")
    effects = [(r.measure.label, r.effect) for r in found.results if r.effect is not None]
    context: dict[str, Any] = {
        "title": "Roll-out evaluation",
        "evaluation": found,
        "effects_chart": charts.effects_svg(effects) if effects else None,
        "series": [
            (r, charts.series_svg(r.measure.label, r.series, _unit(r.measure.kind)))
            for r in found.results
        ],
        "trial_text": report.describe_trial(found),
        "how": report.HOW,
        "limits": report.LIMITS,
        "simulated_text": report.SIMULATED,
        "query": f"from={found.start:%Y-%m}&to={_last(found.end)}",
        "last_month": _last(found.end),
        "error": error,
        "notice": None,
    }
    return render(request, "analytics/evaluation.html", context)


def _unit(kind: str) -> str:
    return "per 1,000 officers" if kind == "rate" else "%"


def _last(end: Any) -> str:
    month = end.month - 1 or 12
    year = end.year if end.month > 1 else end.year - 1
    return f"{year:04d}-{month:02d}"
