"""The compliance page (/compliance): the weekly trend of attendances recorded (a server-drawn SVG
chart), a league table by officer, team, borough or incident type with targets, and the
attendances not recorded (each drilling down to its incident and recordings), with CSV export.
Officers see their own figures, supervisors their team's, force-wide roles the force."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.api.context import Client
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.incidents.compliance import queries
from openbwv.incidents.compliance.queries import Dimension, Filters
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
TABLES: tuple[Dimension, ...] = ("officer", "team", "borough", "type")
CHART_W, CHART_H, PAD = 640.0, 200.0, 30.0


def chart(weeks: list[queries.Row]) -> dict[str, Any]:
    """Points of the weekly share-recorded line, in SVG units (0–100% on the y axis)."""
    if not weeks:
        return {"points": "", "dots": [], "width": CHART_W, "height": CHART_H}
    step = (CHART_W - 2 * PAD) / max(len(weeks) - 1, 1)
    dots = []
    for index, row in enumerate(weeks):
        x = PAD + index * step
        y = CHART_H - PAD - row.share * (CHART_H - 2 * PAD)
        dots.append({"x": round(x, 1), "y": round(y, 1), "row": row})
    points = " ".join(f"{d['x']},{d['y']}" for d in dots)
    return {"points": points, "dots": dots, "width": CHART_W, "height": CHART_H, "pad": PAD}


@router.get("/compliance")
def compliance_page(
    request: Request,
    client: Client,
    principal: Viewer,
    by: str = Query("team"),
    borough: str | None = Query(None, max_length=16),
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
    type: str | None = Query(None, max_length=64),
) -> Response:
    if not principal.can(roles.INCIDENTS_READ):
        raise AccessDenied(roles.INCIDENTS_READ, "your role does not allow incidents.read")
    dimension: Dimension = by if by in TABLES else "team"
    chosen = Filters(borough=borough or None, month=month or None, type=type or None)
    with unit_of_work() as session:
        rows = queries.league(session, principal, dimension, chosen)
        weeks = queries.league(session, principal, "week", chosen)
        missed = queries.misses(session, principal, chosen, limit=100)
        partial = queries.misses(session, principal, chosen, whole_only=True, limit=100)
        details = {"by": dimension, "page": True, **{k: v for k, v in vars(chosen).items() if v}}
        record(session, principal, "compliance.view", source_ip=client.ip, details=details)
    query = {k: v for k, v in {"borough": borough, "month": month, "type": type}.items() if v}
    context = {
        "title": "Activation compliance",
        "by": dimension,
        "tables": TABLES,
        "rows": rows,
        "weeks": weeks,
        "chart": chart(weeks),
        "missed": missed,
        "partial": partial,
        "scope": principal.scope,
        "chosen": chosen,
        "csv_url": "/api/v1/compliance?" + urlencode({**query, "by": dimension, "format": "csv"}),
        "query": query,
    }
    return render(request, "compliance/compliance.html", context)
