"""The fleet and roll-out dashboard (/fleet) and its borough pages (/fleet/boroughs/{code}).

Roll-out aggregates carry no personal data, so — as in the API — report readers (auditors,
professional standards) see them as well as fleet readers; lists of officers and cameras need
`fleet.read`. Counts of footage are aggregates: no page here names or links an item.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.models import User, UserRole
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ, REPORTS_READ
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work
from openbwv.fleet import dashboard, rollout
from openbwv.fleet.models import Assignment, Borough, Camera, OfficerTraining, Team
from openbwv.web.auth import Viewer
from openbwv.web.maps import attribution
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
LIST_LIMIT = 1000


def _readable(principal: Principal) -> bool:
    """True for fleet readers (personal data too); report readers see aggregates only."""
    if principal.can(FLEET_READ):
        return True
    if principal.can(REPORTS_READ):
        return False
    raise AccessDenied(FLEET_READ, "the fleet dashboard needs fleet.read or reports.read")


def _chart(
    days: list[dashboard.DayCount], width: int = 700, height: int = 180
) -> dict[str, object]:
    """Bar geometry for uploads per day (the numbers are printed too, never only drawn)."""
    top = max((d.count for d in days), default=0) or 1
    slot = width / max(len(days), 1)
    bars = []
    for n, day in enumerate(days):
        bar_height = round((height - 40) * day.count / top, 1)
        bars.append(
            {
                "x": round(n * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(height - 20 - bar_height, 1),
                "height": bar_height,
                "mid": round(n * slot + slot / 2, 1),
                "day": day,
            }
        )
    busiest = max(days, key=lambda d: d.count) if days else None
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "total": sum(d.count for d in days),
        "busiest": busiest,
    }


@router.get("/fleet")
def fleet_dashboard(request: Request, principal: Viewer) -> Response:
    personal = _readable(principal)
    with unit_of_work() as session:
        progress = rollout.progress(session)
        days = dashboard.uploads_per_day(session)
        boroughs = list(session.scalars(select(Borough).order_by(Borough.name)))
        context = {
            "title": "Fleet and roll-out",
            "progress": progress,
            "map": dashboard.borough_map(progress),
            "bands": dashboard.BANDS,
            "attribution": attribution(),
            "cameras": dashboard.cameras_by_status(session),
            "chart": _chart(days),
            "days": days,
            "labels": dashboard.PROJECTION_LABELS,
            "percent": dashboard.percent,
            "planned": {b.borough for b in progress.boroughs},
            "met_boroughs": [b for b in boroughs if b.met_policed],
            "borough_names": {b.gss_code: b.name for b in boroughs},
            "personal": personal,
            "quiet_days": dashboard.QUIET_DAYS,
            "may_import": principal.can(FLEET_MANAGE),
        }
        if personal:
            context["quiet_total"], context["quiet"] = dashboard.officers_without_recent_upload(
                session
            )
        return render(request, "fleet/dashboard.html", context)


def _officers(session: Session, code: str) -> list[dict[str, object]]:
    """The borough's officers (up to LIST_LIMIT): team, camera, training, and whether footage
    of theirs recorded in the last week has arrived (yes or no: no item is named)."""
    users = list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.borough == code, UserRole.role == "officer")
            .order_by(User.display_name)
            .limit(LIST_LIMIT)
        )
    )
    ids = [u.id for u in users]
    teams = dict(session.execute(select(Team.id, Team.name).where(Team.borough == code)).all())
    cameras = dict(
        session.execute(
            select(Assignment.officer_id, Camera.serial)
            .join(Camera, Camera.id == Assignment.camera_id)
            .where(Assignment.officer_id.in_(ids), Assignment.ended_at.is_(None))
        ).all()
    )
    trained = dict(
        session.execute(
            select(OfficerTraining.user_id, OfficerTraining.trained_on).where(
                OfficerTraining.user_id.in_(ids)
            )
        ).all()
    )
    recent = dashboard.recent_uploaders(session, ids)
    return [
        {
            "user": u,
            "team": teams.get(u.team_id) if u.team_id else None,
            "camera": cameras.get(u.id),
            "trained_on": trained.get(u.id),
            "recent": u.id in recent,
        }
        for u in users
    ]


@router.get("/fleet/boroughs/{code}")
def borough_page(code: str, request: Request, principal: Viewer) -> Response:
    personal = _readable(principal)
    with unit_of_work() as session:
        borough = session.get(Borough, code)
        if borough is None:
            raise Problem(404, "Not found", "no such borough")
        progress = rollout.progress(session, borough=code) if borough.met_policed else None
        context: dict[str, object] = {
            "title": borough.name,
            "borough": borough,
            "summary": progress.boroughs[0] if progress and progress.boroughs else None,
            "labels": dashboard.PROJECTION_LABELS,
            "percent": dashboard.percent,
            "cameras_by_status": dashboard.cameras_by_status(session, code),
            "days": dashboard.uploads_per_day(session, borough=code),
            "personal": personal,
            "quiet_days": dashboard.QUIET_DAYS,
        }
        if personal:
            context["camera_rows"] = list(
                session.scalars(
                    select(Camera)
                    .where(Camera.home_borough == code)
                    .order_by(Camera.serial)
                    .limit(LIST_LIMIT)
                )
            )
            holders = dict(
                session.execute(
                    select(Assignment.camera_id, User.display_name)
                    .join(User, User.id == Assignment.officer_id)
                    .join(Camera, Camera.id == Assignment.camera_id)
                    .where(Camera.home_borough == code, Assignment.ended_at.is_(None))
                ).all()
            )
            context["holders"] = holders
            context["officers"] = _officers(session, code)
            context["list_limit"] = LIST_LIMIT
        return render(request, "fleet/borough.html", context)
