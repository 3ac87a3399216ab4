"""The fleet and roll-out dashboard (/fleet) and its borough pages (/fleet/boroughs/{code}).

Roll-out aggregates carry no personal data, so — as in the API — report readers (auditors,
professional standards) see them as well as fleet readers; lists of officers and cameras need
`fleet.read`. Counts of footage are aggregates: no page here names or links an item.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from openbwv.access.errors import AccessDenied
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ, REPORTS_READ
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work
from openbwv.fleet.dashboard import presenters, queries
from openbwv.fleet.rollout.queries import progress as rollout_progress
from openbwv.organisation import queries as organisation
from openbwv.web.auth import Viewer
from openbwv.web.maps import attribution
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parents[1] / "templates")


def _readable(principal: Principal) -> bool:
    """True for fleet readers (personal data too); report readers see aggregates only."""
    if principal.can(FLEET_READ):
        return True
    if principal.can(REPORTS_READ):
        return False
    raise AccessDenied(FLEET_READ, "the fleet dashboard needs fleet.read or reports.read")


@router.get("/fleet")
def fleet_dashboard(request: Request, principal: Viewer) -> Response:
    personal = _readable(principal)
    with unit_of_work() as session:
        progress = rollout_progress(session)
        days = queries.uploads_per_day(session)
        boroughs = organisation.boroughs(session)
        context = {
            "title": "Fleet and roll-out",
            "progress": progress,
            "map": presenters.borough_map(progress),
            "bands": presenters.BANDS,
            "attribution": attribution(),
            "cameras": queries.cameras_by_status(session),
            "chart": presenters.chart(days),
            "days": days,
            "labels": presenters.PROJECTION_LABELS,
            "percent": presenters.percent,
            "planned": {b.borough for b in progress.boroughs},
            "met_boroughs": [b for b in boroughs if b.met_policed],
            "borough_names": {b.gss_code: b.name for b in boroughs},
            "personal": personal,
            "quiet_days": queries.QUIET_DAYS,
            "may_import": principal.can(FLEET_MANAGE),
        }
        if personal:
            context["quiet_total"], context["quiet"] = queries.officers_without_recent_upload(
                session
            )
        return render(request, "fleet/dashboard.html", context)


@router.get("/fleet/boroughs/{code}")
def borough_page(code: str, request: Request, principal: Viewer) -> Response:
    personal = _readable(principal)
    with unit_of_work() as session:
        borough = organisation.borough(session, code)
        if borough is None:
            raise Problem(404, "Not found", "no such borough")
        progress = rollout_progress(session, borough=code) if borough.met_policed else None
        context: dict[str, object] = {
            "title": borough.name,
            "borough": borough,
            "summary": progress.boroughs[0] if progress and progress.boroughs else None,
            "labels": presenters.PROJECTION_LABELS,
            "percent": presenters.percent,
            "cameras_by_status": queries.cameras_by_status(session, code),
            "days": queries.uploads_per_day(session, borough=code),
            "personal": personal,
            "quiet_days": queries.QUIET_DAYS,
        }
        if personal:
            context["camera_rows"] = queries.borough_cameras(session, code)
            context["holders"] = queries.borough_holders(session, code)
            context["officers"] = queries.borough_officers(session, code)
            context["list_limit"] = queries.LIST_LIMIT
        return render(request, "fleet/borough.html", context)
