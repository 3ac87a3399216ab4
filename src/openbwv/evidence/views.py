"""Evidence pages: an item (player, strip, markers, notes, categories, map, details, cases, audit
trail) and "My footage". Every page goes through the access policy and records what it showed."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from openbwv.access.http import client_ip
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, visible_clause
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.audit.models import AuditEvent
from openbwv.cases.models import Case, CaseItem
from openbwv.cases.service import visible_cases
from openbwv.db.session import unit_of_work
from openbwv.evidence import presenters
from openbwv.evidence.markers import Marker, markers_for
from openbwv.evidence.models import (
    DerivativeKind,
    DerivativeStatus,
    EvidenceCategory,
    EvidenceItem,
)
from openbwv.evidence.notes import notes_for
from openbwv.organisation.models import Team
from openbwv.timeutil import parse_rfc3339
from openbwv.web.auth import Viewer
from openbwv.web.mapview import track_map
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
TRAIL_ROWS = 50
FOOTAGE_PAGE = 20
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)


def abilities(principal: Principal) -> dict[str, bool]:
    """What the controls offer. An item the person may view is in their reach for every action
    (scope and restrictions do not depend on the action), so the role decides; each change is
    still authorised again by the policy when it arrives."""
    return {
        "play": principal.can(roles.PLAY),
        "download": principal.can(roles.DOWNLOAD),
        "edit": principal.can(roles.EDIT),
        "categorise": principal.can(roles.CATEGORISE),
        "link": principal.can(roles.LINK),
    }


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def playable(item: EvidenceItem) -> bool:
    return any(
        d.kind == DerivativeKind.PLAYBACK
        and d.status in (DerivativeStatus.READY, DerivativeStatus.NOT_NEEDED)
        for d in item.derivatives
    )


def strip_tiles(item: EvidenceItem) -> dict[str, Any] | None:
    strip = item.derivative(DerivativeKind.STRIP)
    if strip is None or not strip.info.get("timestamps"):
        return None
    return {
        "times": [float(t) for t in strip.info["timestamps"]],
        "tile_width": int(strip.info.get("tile_width") or 160),
        "tile_height": int(strip.info.get("tile_height") or 90),
    }


def _offset(marker: Marker, item: EvidenceItem) -> float | None:
    if marker.offset_seconds is not None:
        return marker.offset_seconds
    if marker.at is not None and item.recorded_start is not None:
        return max(0.0, (marker.at - item.recorded_start).total_seconds())
    return None


def marker_rows(session: Session, item: EvidenceItem) -> list[dict[str, Any]]:
    duration = item.duration_seconds or 0
    rows = []
    for marker in markers_for(session, item.id):
        offset = _offset(marker, item)
        rows.append(
            {
                "marker": marker,
                "offset": offset,
                "x": None if offset is None or not duration else round(1000 * offset / duration, 1),
                "kind": "Camera bookmark" if marker.source == "axis" else "Marker",
                "by": marker.details.get("by") if isinstance(marker.details, dict) else None,
            }
        )
    return rows


def linked_cases(session: Session, principal: Principal, item_id: uuid.UUID) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .join(CaseItem, CaseItem.case_id == Case.id)
            .where(CaseItem.evidence_id == item_id, visible_cases(principal))
            .order_by(Case.crime_reference)
        )
    )


def trail_rows(session: Session, item_id: uuid.UUID) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.evidence_id == item_id)
            .order_by(AuditEvent.id.desc())
            .limit(TRAIL_ROWS)
        )
    )


def section_context(session: Session, principal: Principal, item: EvidenceItem) -> dict[str, Any]:
    """Everything the item page's sections need (the htmx partials re-render from this)."""
    catalogue = presenters.category_catalogue(session)
    card = presenters.cards(session, [item], catalogue)[0]
    return {
        "item": item,
        "card": card,
        "can": abilities(principal),
        "notes": notes_for(session, item.id),
        "markers": marker_rows(session, item),
        "catalogue": list(catalogue.values()),
        "current_categories": {c.name for c in card.categories},
        "cases": linked_cases(session, principal, item.id),
    }


@router.get("/evidence/{evidence_id}")
def evidence_page(evidence_id: str, request: Request, principal: Viewer) -> HTMLResponse:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.VIEW)
        record(
            session,
            principal,
            "evidence.view",
            evidence_id=item.id,
            source_ip=client_ip(request),
            details={"page": "evidence"},
        )
        context = section_context(session, principal, item)
        owner = presenters.people(session, {item.officer_user_id}) if item.officer_user_id else {}
        team = session.get(Team, item.team_id) if item.team_id else None
        context.update(
            title=context["card"].heading,
            officer=presenters.person_label(owner.get(item.officer_user_id), item.officer)
            if item.officer_user_id
            else (item.officer or "Unknown officer"),
            team_name=team.name if team else None,
            technical=presenters.technical(item),
            flags=[(flag, presenters.FLAG_TEXT.get(flag, flag)) for flag in item.flags],
            playable=playable(item),
            strip=strip_tiles(item),
            track=track_map(item.gps_track, item.recorded_start),
            frame_rate=float((item.probe or {}).get("frame_rate") or 25),
            speeds=SPEEDS,
            trail=trail_rows(session, item.id),
        )
    return render(request, "evidence.html", context)


# --- My footage --------------------------------------------------------------------------------


def _categorised() -> Any:
    return exists(
        select(EvidenceCategory.category).where(EvidenceCategory.evidence_id == EvidenceItem.id)
    )


def _footage_cursor(phase: int, item: EvidenceItem) -> str:
    raw = json.dumps([phase, item.occurred_at.isoformat(), str(item.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_footage_cursor(cursor: str) -> tuple[int, datetime, uuid.UUID]:
    try:
        phase, occurred, item_id = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        if phase not in (0, 1):
            raise ValueError(phase)
        return int(phase), parse_rfc3339(occurred), uuid.UUID(item_id)
    except (ValueError, TypeError) as exc:
        raise Problem(400, "Invalid page", "that page link is not valid; start again") from exc


def footage_page_items(
    session: Session, principal: Principal, cursor: str | None, limit: int = FOOTAGE_PAGE
) -> tuple[list[tuple[int, EvidenceItem]], str | None]:
    """The officer's own recordings: uncategorised ones first (newest first), then the rest.
    Keyset pagination across the two phases: the cursor is (phase, occurred_at, id)."""
    mine = and_(
        EvidenceItem.officer_user_id == principal.user_id, visible_clause(principal, roles.VIEW)
    )
    start_phase, after = 0, None
    if cursor:
        start_phase, occurred, item_id = _parse_footage_cursor(cursor)
        after = or_(
            EvidenceItem.occurred_at < occurred,
            and_(EvidenceItem.occurred_at == occurred, EvidenceItem.id < item_id),
        )
    found: list[tuple[int, EvidenceItem]] = []
    for phase in (0, 1):
        if phase < start_phase:
            continue
        query = select(EvidenceItem).where(mine, ~_categorised() if phase == 0 else _categorised())
        if after is not None and phase == start_phase:
            query = query.where(after)
        query = query.order_by(EvidenceItem.occurred_at.desc(), EvidenceItem.id.desc())
        found += [(phase, item) for item in session.scalars(query.limit(limit + 1 - len(found)))]
        if len(found) > limit:
            break
    next_cursor = _footage_cursor(*found[limit - 1]) if len(found) > limit else None
    return found[:limit], next_cursor


@router.get("/footage")
def footage_page(request: Request, principal: Viewer, cursor: str | None = None) -> HTMLResponse:
    if principal.user_id is None:
        raise Problem(403, "Not available", "my footage is for people, not tokens")
    with unit_of_work() as session:
        rows, next_cursor = footage_page_items(session, principal, cursor)
        catalogue = presenters.category_catalogue(session)
        items = presenters.cards(session, [item for _, item in rows], catalogue)
        record(
            session,
            principal,
            "evidence.search",
            source_ip=client_ip(request),
            details={"page": "footage", "returned": len(items), "more": bool(next_cursor)},
        )
    return render(
        request,
        "footage.html",
        {
            "title": "My footage",
            "rows": items,
            "next_cursor": next_cursor,
            "first_page": cursor is None,
            "catalogue": list(catalogue.values()),
            "can": abilities(principal),
        },
    )
