"""Reads of subject access requests: one request, the open ones by days left, the closed ones
for the monthly report, and the search for the requester's footage (the evidence search's own
criteria and policy, never face recognition). Every read here is for `sar.handle` holders;
items are always read through the access policy."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv import geo
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.cases.queries import case_by_id, case_ids_by_cad
from openbwv.config import Settings, get_settings
from openbwv.evidence.queries import visible_items_by_id
from openbwv.evidence.search import queries as search
from openbwv.evidence.search.criteria import queries as search_criteria
from openbwv.evidence.search.schemas import SearchForm
from openbwv.incidents.queries import incident_footage
from openbwv.retention.queries import find_hold
from openbwv.subject_access import deadline
from openbwv.subject_access.errors import NoSuchRequest, SarError
from openbwv.subject_access.models import SarItem, SarPause, SarRelease, SubjectAccessRequest
from openbwv.timeutil import utcnow

LONDON = ZoneInfo("Europe/London")
FIND_LIMIT = 50
RADIUS_CORNERS = 24
RADIUS_METRES = (10, 5000)
METRES_PER_DEGREE = 111_320.0


def today() -> date:
    """The day in London: the request's dates are London dates."""
    return utcnow().astimezone(LONDON).date()


def rules(settings: Settings | None = None) -> deadline.Rules:
    s = settings or get_settings()
    return deadline.Rules(
        response_months=s.sar_response_months,
        max_extension_months=s.sar_max_extension_months,
        extension_notice_in_first_month=s.sar_extension_notice_in_first_month,
        next_working_day=s.sar_next_working_day,
        bank_holidays=s.sar_bank_holidays,
    )


def pauses_of(session: Session, request_id: uuid.UUID) -> list[SarPause]:
    return list(
        session.scalars(
            select(SarPause).where(SarPause.request_id == request_id).order_by(SarPause.start_on)
        )
    )


def clock_of(
    request: SubjectAccessRequest, pauses: list[SarPause], on: date | None = None
) -> deadline.Clock:
    """The request's clock on a day (default today; a closed request: the day it closed)."""
    when = on or request.closed_on or today()
    return deadline.clock(
        request.received_on,
        when,
        rules=rules(),
        extension_months=request.extension_months,
        pauses=[deadline.Pause(p.start_on, p.end_on) for p in pauses],
    )


def get(
    session: Session, principal: Principal, request_id: str | uuid.UUID
) -> SubjectAccessRequest:
    require(principal, roles.SAR_HANDLE)
    try:
        parsed = uuid.UUID(str(request_id))
    except ValueError:
        parsed = None
    found = session.get(SubjectAccessRequest, parsed) if parsed else None
    if found is None:
        found = session.scalar(
            select(SubjectAccessRequest).where(SubjectAccessRequest.reference == str(request_id))
        )
    if found is None:
        raise NoSuchRequest(f"no subject access request {str(request_id)[:64]}")
    return found


def reference_count(session: Session, prefix: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(SubjectAccessRequest.reference.startswith(prefix))
        )
        or 0
    )


@dataclass
class Listed:
    request: SubjectAccessRequest
    clock: deadline.Clock
    items: int


def listed(session: Session, principal: Principal, status: str = "open") -> list[Listed]:
    """Requests by status; open ones by days left (overdue first), closed ones newest first."""
    require(principal, roles.SAR_HANDLE)
    found = list(
        session.scalars(
            select(SubjectAccessRequest)
            .where(SubjectAccessRequest.status == status)
            .order_by(SubjectAccessRequest.received_on, SubjectAccessRequest.reference)
            .limit(1000)
        )
    )
    ids = [r.id for r in found]
    pauses: dict[uuid.UUID, list[SarPause]] = {i: [] for i in ids}
    counts: dict[uuid.UUID, int] = {}
    if ids:
        for pause in session.scalars(
            select(SarPause).where(SarPause.request_id.in_(ids)).order_by(SarPause.start_on)
        ):
            pauses[pause.request_id].append(pause)
        rows = session.execute(
            select(SarItem.request_id, func.count())
            .where(SarItem.request_id.in_(ids))
            .group_by(SarItem.request_id)
        )
        counts = {row[0]: row[1] for row in rows.all()}
    out = [Listed(r, clock_of(r, pauses[r.id]), counts.get(r.id, 0)) for r in found]
    if status == "open":
        out.sort(key=lambda x: (x.clock.days_left, x.request.reference))
    else:
        out.sort(key=lambda x: x.request.closed_on or date.min, reverse=True)
    return out


def items_of(session: Session, request_id: uuid.UUID) -> list[SarItem]:
    return list(
        session.scalars(
            select(SarItem).where(SarItem.request_id == request_id).order_by(SarItem.added_at)
        )
    )


def item_of(session: Session, request_id: uuid.UUID, evidence_id: uuid.UUID) -> SarItem | None:
    return session.get(SarItem, (request_id, evidence_id))


def visible_items(
    session: Session, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """The request's items the principal may view, by id (the policy decides, as everywhere)."""
    return {item.id: item for item in visible_items_by_id(session, principal, ids)}


def hold_open(session: Session, hold_id: uuid.UUID) -> bool:
    """Is the item's hold still in force (a retention officer may release any hold)?"""
    hold = find_hold(session, hold_id)
    return hold is not None and hold.released_at is None


def releases_of(session: Session, request_id: uuid.UUID) -> list[SarRelease]:
    return list(
        session.scalars(
            select(SarRelease)
            .where(SarRelease.request_id == request_id)
            .order_by(SarRelease.released_at)
        )
    )


def case_reference(session: Session, request: SubjectAccessRequest) -> str | None:
    case = case_by_id(session, request.case_id) if request.case_id else None
    return case.crime_reference if case else None


def closed_between(session: Session, start: date, end: date) -> list[SubjectAccessRequest]:
    """Requests closed on or after `start` and before `end` (the monthly report)."""
    return list(
        session.scalars(
            select(SubjectAccessRequest)
            .where(
                SubjectAccessRequest.status == "closed",
                SubjectAccessRequest.closed_on >= start,
                SubjectAccessRequest.closed_on < end,
            )
            .order_by(SubjectAccessRequest.closed_on)
        )
    )


# --- finding the requester's footage -----------------------------------------------------------


@dataclass
class FindForm:
    """The search for a requester's footage, as typed."""

    start: str = ""  # London wall time, YYYY-MM-DDTHH:MM
    end: str = ""
    officer: str = ""
    place: str = ""  # a name from the evidence search's place list
    area: str = ""  # corners: "lon,lat; lon,lat; ..."
    lat: str = ""  # a point and a radius in metres
    lon: str = ""
    radius: str = ""
    cad: str = ""  # a CAD incident number: on a case, or an incident's linked recordings
    words: str = ""  # what was said (transcripts), through the evidence search's text

    def details(self) -> dict[str, str]:
        return {k: v[:200] for k, v in vars(self).items() if v}


def circle(lat: float, lon: float, metres: float) -> str:
    """A polygon of RADIUS_CORNERS corners around a point (a metre is 1/111 320 of a degree of
    latitude, and that times cos(latitude) of longitude), as the area search takes it."""
    dlat = metres / METRES_PER_DEGREE
    dlon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    turns = (2 * math.pi * k / RADIUS_CORNERS for k in range(RADIUS_CORNERS))
    return geo.format_area([(lon + dlon * math.cos(t), lat + dlat * math.sin(t)) for t in turns])


def _radius_area(form: FindForm, errors: dict[str, str]) -> str:
    if not (form.lat or form.lon or form.radius):
        return ""
    try:
        lat, lon, metres = float(form.lat), float(form.lon), float(form.radius)
    except ValueError:
        errors["radius"] = "Give a latitude, a longitude and a radius in metres"
        return ""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["radius"] = "The point is not on the map (latitude −90–90, longitude −180–180)"
        return ""
    if not RADIUS_METRES[0] <= metres <= RADIUS_METRES[1]:
        errors["radius"] = f"The radius is {RADIUS_METRES[0]}–{RADIUS_METRES[1]} metres"
        return ""
    return circle(lat, lon, metres)


def find_footage(
    session: Session, principal: Principal, form: FindForm, limit: int = FIND_LIMIT
) -> tuple[list[Any], dict[str, str]]:
    """Items matching the requester's account (time, place, officer, CAD incident, words said),
    newest first, through the evidence search (its criteria, its policy); and errors by field. A
    CAD number finds the items of cases recorded against it and the recordings linked to that
    incident by the CAD matcher."""
    require(principal, roles.SAR_HANDLE)
    errors: dict[str, str] = {}
    if not any(vars(form).values()):
        raise SarError("say when, where, which officer or which CAD incident to look for")
    radius = _radius_area(form, errors)
    if form.area and radius:
        errors["area"] = "Give an area or a point and radius, not both"
    typed = SearchForm(
        start=form.start,
        end=form.end,
        officer=form.officer,
        place=form.place,
        area=form.area or radius,
        text=form.words,
    )
    criteria, found_errors = search_criteria.validate(session, principal, typed)
    errors |= {("radius" if k == "area" and radius else k): v for k, v in found_errors.items()}
    passes: list[tuple[uuid.UUID | None, list[uuid.UUID] | None]] = [(None, None)]
    if form.cad:
        passes = [(case_id, None) for case_id in case_ids_by_cad(session, form.cad)]
        linked = incident_footage(session, principal, form.cad)
        if linked:
            passes.append((None, linked))
        if not passes:
            errors["cad"] = f"No case or incident has the CAD number {form.cad[:32]}"
    if errors:
        return [], errors
    found: dict[uuid.UUID, Any] = {}
    for case_id, item_ids in passes:
        criteria.case_id, criteria.item_ids = case_id, item_ids
        for item in search.run(session, principal, criteria, limit=limit, with_count=False).items:
            found.setdefault(item.id, item)
    items = sorted(found.values(), key=lambda i: (i.occurred_at, i.id), reverse=True)[:limit]
    return items, {}


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SarError(f"{name} is a date such as 2026-12-03") from None


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()
