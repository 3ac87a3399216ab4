"""The trial design, when the force runs one (the Met's 2014–15 trial: whole teams given
cameras or not over the same months): each team's arm comes from the monthly counts (measure
`trial_arm`, a team row, 1 with cameras, 0 without; the trial starts with the first month that
has one), its strength from the team's `officers` rows, and its allegations from the complaints
about its officers. The effect is `model.fit_trial`'s."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.analytics.errors import AnalyticsError
from openbwv.analytics.evaluation.model import Effect, fit_trial
from openbwv.analytics.models import Complaint, ComplaintOfficer, MonthlyCount
from openbwv.analytics.months import month_of


@dataclass
class Trial:
    start: date
    arms: dict[str, bool]  # team id: with cameras
    cells: dict[tuple[str, date], tuple[float, float]]
    effect: Effect | None
    note: str


def _team_counts(
    session: Session, measure: str, start: date, end: date
) -> dict[tuple[str, date], int]:
    query = select(MonthlyCount.team_id, MonthlyCount.month, MonthlyCount.value).where(
        MonthlyCount.measure == measure,
        MonthlyCount.team_id.is_not(None),
        MonthlyCount.month >= start,
        MonthlyCount.month < end,
    )
    return {(str(team), month): value for team, month, value in session.execute(query)}


def _allegations(
    session: Session, teams: set[str], start: date, end: date
) -> dict[tuple[str, date], float]:
    query = (
        select(ComplaintOfficer.team_id, Complaint.id, Complaint.received_on, Complaint.allegations)
        .join(Complaint, Complaint.id == ComplaintOfficer.complaint_id)
        .where(
            ComplaintOfficer.team_id.in_([uuid.UUID(t) for t in teams]),
            Complaint.received_on >= start,
            Complaint.received_on < end,
        )
    )
    seen: set[tuple[str, uuid.UUID]] = set()
    counts: dict[tuple[str, date], float] = defaultdict(float)
    for team, complaint_id, received, allegations in session.execute(query):
        if (str(team), complaint_id) not in seen:  # two officers of one team: counted once
            seen.add((str(team), complaint_id))
            counts[(str(team), month_of(received))] += len(allegations or ()) or 1
    return counts


def trial(session: Session, start: date, end: date) -> Trial | None:
    """The trial in [start, end), or None when no team has an arm in it."""
    arms_by_month = _team_counts(session, "trial_arm", start, end)
    if not arms_by_month:
        return None
    began = min(month for _team, month in arms_by_month)
    arms: dict[str, bool] = defaultdict(bool)
    for (team, _month), value in arms_by_month.items():
        arms[team] = arms[team] or value > 0
    strength = {
        k: v for k, v in _team_counts(session, "officers", began, end).items() if k[0] in arms
    }
    events = _allegations(session, set(arms), began, end)
    cells = {key: (events.get(key, 0.0), float(officers)) for key, officers in strength.items()}
    try:
        return Trial(began, dict(arms), cells, fit_trial(cells, arms, began, "rate"), "")
    except AnalyticsError as exc:
        return Trial(began, dict(arms), cells, None, exc.detail)
    except (ValueError, ArithmeticError) as exc:
        return Trial(began, dict(arms), cells, None, f"the model could not be fitted ({exc})"[:200])
