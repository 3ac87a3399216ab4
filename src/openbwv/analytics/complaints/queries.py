"""Reading complaints: one, a list, their officers and linked footage (as far as the access
policy lets the reader see it), the footage a complaint may concern (the evidence search by
officers and time window and by area, and the incident's footage through the registry), and
complaints per 1,000 officers a month by borough and by team."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.analytics import registry
from openbwv.analytics.errors import NoSuchComplaint
from openbwv.analytics.models import Complaint, ComplaintItem, ComplaintOfficer, MonthlyCount
from openbwv.analytics.months import month_of
from openbwv.evidence import queries as evidence_queries
from openbwv.evidence.search import queries as search
from openbwv.evidence.search.schemas import Criteria
from openbwv.organisation import queries as organisation

LIST_LIMIT = 200
FOOTAGE_LIMIT = 100  # recordings per search (officers; area)
MARGIN = timedelta(minutes=30)  # searched either side of the complaint's time window


def complaint(session: Session, principal: Principal, complaint_id: uuid.UUID | str) -> Complaint:
    require(principal, roles.COMPLAINTS_READ)
    try:
        key = uuid.UUID(str(complaint_id))
    except ValueError:
        raise NoSuchComplaint("no such complaint") from None
    found = session.get(Complaint, key)
    if found is None:
        raise NoSuchComplaint("no such complaint")
    return found


def by_reference(session: Session, reference: str) -> Complaint | None:
    return session.scalar(select(Complaint).where(Complaint.reference == reference))


def listed(session: Session, principal: Principal, *, limit: int = LIST_LIMIT) -> list[Complaint]:
    require(principal, roles.COMPLAINTS_READ)
    query = select(Complaint).order_by(Complaint.received_on.desc(), Complaint.reference)
    return list(session.scalars(query.limit(limit)))


def officers(session: Session, complaint_id: uuid.UUID) -> list[ComplaintOfficer]:
    query = select(ComplaintOfficer).where(ComplaintOfficer.complaint_id == complaint_id)
    return list(session.scalars(query.order_by(ComplaintOfficer.warrant)))


def linked_ids(session: Session, complaint_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(ComplaintItem.evidence_id).where(ComplaintItem.complaint_id == complaint_id)
    return list(session.scalars(query.order_by(ComplaintItem.linked_at)))


def linked_items(session: Session, principal: Principal, found: Complaint) -> list[Any]:
    """The linked footage the reader may view (the rest stays hidden, not even counted)."""
    return evidence_queries.visible_items_by_id(session, principal, linked_ids(session, found.id))


@dataclass
class Footage:
    """What a complaint's footage search found, and how."""

    items: list[Any]
    by: dict[uuid.UUID, list[str]]  # each item: "officer W123", "area E09000007", "incident …"
    window: tuple[datetime, datetime] | None
    limited: bool  # a search filled its page: there may be more


def _window(found: Complaint) -> tuple[datetime, datetime] | None:
    if found.occurred_from is None:
        return None
    end = found.occurred_to or found.occurred_from + timedelta(hours=1)
    return found.occurred_from - MARGIN, end + MARGIN


def find_footage(session: Session, principal: Principal, found: Complaint) -> Footage:
    """The footage a complaint may concern, as far as the reader may see it: each named
    officer's recordings in the time window (± 30 minutes), the complaint's borough's in the
    window, and the incident's (by its CAD number, through the registered finders)."""
    require(principal, roles.COMPLAINTS_READ)
    window = _window(found)
    hits: dict[uuid.UUID, Any] = {}
    by: dict[uuid.UUID, list[str]] = defaultdict(list)
    limited = False
    searches: list[tuple[str, Criteria]] = []
    if window is not None:
        for officer in officers(session, found.id):
            if officer.user_id is not None:
                crit = Criteria(
                    officer=officer.warrant,
                    officer_ids=[officer.user_id],
                    start=window[0],
                    end=window[1],
                )
                searches.append((f"officer {officer.warrant}", crit))
        if found.borough:
            crit = Criteria(borough=found.borough, start=window[0], end=window[1])
            searches.append((f"area {found.borough}", crit))
    for label, crit in searches:
        results = search.run(session, principal, crit, limit=FOOTAGE_LIMIT, with_count=False)
        limited = limited or results.next_cursor is not None
        for item in results.items:
            hits.setdefault(item.id, item)
            by[item.id].append(label)
    if found.incident_number:
        ids = [
            i
            for finder in registry.incident_footage_finders()
            for i in finder(session, principal, found.incident_number)
        ]
        for item in evidence_queries.visible_items_by_id(session, principal, ids):
            hits.setdefault(item.id, item)
            by[item.id].append(f"incident {found.incident_number}")
    items = sorted(hits.values(), key=lambda item: (item.occurred_at, item.id))
    return Footage(items, dict(by), window, limited)


# --- complaints per 1,000 officers ------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    key: str  # the borough's GSS code, or the team's id
    name: str
    month: date
    complaints: int
    officers: int | None  # officer strength that month (monthly counts); None: not given

    @property
    def per_1000(self) -> float | None:
        if not self.officers:
            return None
        return 1000 * self.complaints / self.officers


def _strength(session: Session, start: date, end: date, team: bool) -> dict[tuple[str, date], int]:
    query = select(
        MonthlyCount.borough, MonthlyCount.team_id, MonthlyCount.month, MonthlyCount.value
    ).where(
        MonthlyCount.measure == "officers",
        MonthlyCount.month >= start,
        MonthlyCount.month < end,
        MonthlyCount.team_id.is_not(None) if team else MonthlyCount.team_id.is_(None),
    )
    out: dict[tuple[str, date], int] = {}
    for borough, team_id, month, value in session.execute(query):
        out[(str(team_id) if team else borough, month)] = value
    return out


def complaint_rates(
    session: Session, principal: Principal, start: date, end: date, *, by: str = "borough"
) -> list[RateRow]:
    """Complaints received per 1,000 officers a month, by borough (where it happened) or by
    team (of the officers complained about; a complaint about two teams counts for each)."""
    require(principal, roles.COMPLAINTS_READ)
    team = by == "team"
    counts: dict[tuple[str, date], int] = defaultdict(int)
    query = select(Complaint.id, Complaint.borough, Complaint.received_on).where(
        Complaint.received_on >= start, Complaint.received_on < end
    )
    rows = session.execute(query).all()
    teams_of: dict[uuid.UUID, set[str]] = defaultdict(set)
    if team and rows:
        ids = [row[0] for row in rows]
        officer_rows = session.execute(
            select(ComplaintOfficer.complaint_id, ComplaintOfficer.team_id).where(
                ComplaintOfficer.complaint_id.in_(ids), ComplaintOfficer.team_id.is_not(None)
            )
        )
        for complaint_id, team_id in officer_rows:
            teams_of[complaint_id].add(str(team_id))
    for complaint_id, borough, received in rows:
        keys = teams_of[complaint_id] if team else ({borough} if borough else set())
        for key in keys:
            counts[(key, month_of(received))] += 1
    strength = _strength(session, start, end, team)
    names = _names(session, {k for k, _m in {*counts, *strength}}, team)
    return [
        RateRow(
            key, names.get(key, key), month, counts.get((key, month), 0), strength.get((key, month))
        )
        for key, month in sorted({*counts, *strength}, key=lambda k: (names.get(k[0], k[0]), k[1]))
    ]


def _names(session: Session, keys: set[str], team: bool) -> dict[str, str]:
    if team:
        return {
            str(k): v
            for k, v in organisation.team_names(session, {uuid.UUID(k) for k in keys}).items()
        }
    return {b.gss_code: b.name for b in organisation.boroughs(session)}
