"""The compliance page (/compliance): the weekly trend of attendances recorded (a server-drawn SVG
chart), a league table by officer, team, borough or incident type with targets, and the
attendances not recorded (each drilling down to its incident and recordings), with CSV export.
Officers see their own figures, supervisors their team's, force-wide roles the force."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.api.context import Client
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.evidence import queries as evidence
from openbwv.incidents.compliance import queries, service
from openbwv.incidents.compliance.queries import Dimension, Filters
from openbwv.incidents.compliance.sampling import CHECKLIST, OUTCOMES, this_week
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


# --- the supervisors' weekly review sample ---------------------------------------------------


@router.get("/compliance/reviews")
def reviews_page(
    request: Request, client: Client, principal: Viewer, week: str | None = Query(None)
) -> Response:
    if not principal.can(roles.INCIDENTS_READ):
        raise AccessDenied(roles.INCIDENTS_READ, "your role does not allow incidents.read")
    chosen = week if week and re.fullmatch(r"\d{4}-\d{2}-\d{2}", week) else this_week()
    sample, done, cards = None, {}, {}
    with unit_of_work() as session:
        if principal.team_id is not None:
            sample = queries.sample_of(session, principal.team_id, chosen)
        if sample is not None:
            done = queries.results(session, sample)
            ids = [uuid.UUID(i) for i in sample.item_ids]
            items = evidence.visible_items_by_id(session, principal, ids)
            cards = {card.id: card for card in evidence.cards(session, items)}
        rows = queries.completion(session, principal)
        record(
            session, principal, "compliance.view", source_ip=client.ip, details={"reviews": True}
        )
    context = {
        "title": "Weekly review sample",
        "week": chosen,
        "sample": sample,
        "cards": [
            cards[uuid.UUID(i)]
            for i in (sample.item_ids if sample else [])
            if uuid.UUID(i) in cards
        ],
        "done": done,
        "checklist": CHECKLIST,
        "outcomes": OUTCOMES,
        "completion": rows,
        "may_review": principal.can(roles.COMPLIANCE_REVIEW) and principal.team_id is not None,
    }
    return render(request, "compliance/reviews.html", context)


@router.post("/compliance/reviews/sample")
def draw_page(
    client: Client, principal: Viewer, week: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    chosen = week if re.fullmatch(r"\d{4}-\d{2}-\d{2}", week or "") else this_week()
    with unit_of_work() as session:
        service.draw_sample(session, principal, chosen, source_ip=client.ip)
    return RedirectResponse(f"/compliance/reviews?week={chosen}", status_code=303)


@router.post("/compliance/reviews/{sample_id}/{evidence_id}")
async def review_page(
    sample_id: uuid.UUID, evidence_id: str, request: Request, client: Client, principal: Viewer
) -> Response:
    form = await request.form()
    checklist = {key: form.get(key) == "yes" for key, _label in CHECKLIST}
    outcome = str(form.get("outcome") or "")
    notes = str(form.get("notes") or "")[:2000]

    def work() -> str:
        with unit_of_work() as session:
            result = service.review(
                session,
                principal,
                sample_id,
                evidence_id,
                checklist=checklist,
                outcome=outcome,
                notes=notes,
                source_ip=client.ip,
            )
            sample = queries.sample_by_id(session, result.sample_id)
            return sample.week if sample else ""

    week = await run_in_threadpool(work)
    return RedirectResponse(f"/compliance/reviews?week={week}", status_code=303)
