"""Reading what the evaluation measures: each borough's change month (the fleet's roll-out
phases), the built-in measures' borough × month cells (complaints, the monthly counts, case
outcomes), and the whole evaluation — every registered measure's effect with its interval and
the monthly series the charts draw."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.analytics import registry
from openbwv.analytics.errors import AnalyticsError
from openbwv.analytics.evaluation.model import Effect, fit_rollout, fit_trial
from openbwv.analytics.models import Complaint, ComplaintOfficer, MonthlyCount
from openbwv.analytics.months import instant, month_of, months_between, next_month
from openbwv.cases import queries as cases
from openbwv.fleet.rollout import queries as rollout
from openbwv.organisation import queries as organisation

Cells = registry.Cells
COURT_RESULTS = ("early_guilty_plea", "guilty_plea_at_trial", "convicted_after_trial", "acquitted")


def change_months(session: Session) -> dict[str, date | None]:
    """Each borough's first month with cameras: the first whole month from the start of its
    first roll-out phase (None: no phase yet, so without cameras throughout)."""
    first: dict[str, date] = {}
    for phase in rollout.phases(session):
        if phase.borough not in first or phase.starts_on < first[phase.borough]:
            first[phase.borough] = phase.starts_on
    changes: dict[str, date | None] = {b.gss_code: None for b in organisation.boroughs(session)}
    for borough, starts in first.items():
        changes[borough] = starts if starts.day == 1 else next_month(starts)
    return changes


# --- the built-in measures' cells -------------------------------------------------------------


def count_cells(
    session: Session, start: datetime, end: datetime, measure: str
) -> dict[tuple[str, date], int]:
    query = select(MonthlyCount.borough, MonthlyCount.month, MonthlyCount.value).where(
        MonthlyCount.measure == measure,
        MonthlyCount.team_id.is_(None),
        MonthlyCount.month >= start.date(),
        MonthlyCount.month < end.date(),
    )
    return {(borough, month): value for borough, month, value in session.execute(query)}


def _over(
    numerators: dict[tuple[str, date], float], denominators: dict[tuple[str, date], int]
) -> Cells:
    return {key: (float(numerators.get(key, 0)), float(den)) for key, den in denominators.items()}


def allegation_cells(session: Session, start: datetime, end: datetime) -> Cells:
    """Allegations recorded (a complaint may make several) over officer strength."""
    counts: dict[tuple[str, date], float] = defaultdict(float)
    query = select(Complaint.borough, Complaint.received_on, Complaint.allegations).where(
        Complaint.received_on >= start.date(),
        Complaint.received_on < end.date(),
        Complaint.borough.is_not(None),
    )
    for borough, received, allegations in session.execute(query):
        counts[(borough, month_of(received))] += len(allegations or ()) or 1
    return _over(counts, count_cells(session, start, end, "officers"))


def rate_reader(measure: str) -> registry.CellReader:
    def cells(session: Session, start: datetime, end: datetime) -> Cells:
        numerators = {k: float(v) for k, v in count_cells(session, start, end, measure).items()}
        return _over(numerators, count_cells(session, start, end, "officers"))

    return cells


def arrest_cells(session: Session, start: datetime, end: datetime) -> Cells:
    arrests = {
        k: float(v) for k, v in count_cells(session, start, end, "stop_search_arrests").items()
    }
    stops = count_cells(session, start, end, "stop_search")
    return _over(arrests, stops)


def _case_cells(session: Session, start: datetime, end: datetime, domestic: bool) -> Cells:
    numerator: dict[tuple[str, date], float] = defaultdict(float)
    denominator: dict[tuple[str, date], float] = defaultdict(float)
    for row in cases.outcome_rows(session, start, end):
        if row.borough is None:
            continue
        if domestic:
            if not row.domestic_abuse:
                continue
            when = row.outcome_at if row.outcome is not None else row.stage_at
            charged = row.outcome is not None
        else:
            if row.outcome not in COURT_RESULTS:
                continue
            when, charged = row.outcome_at, row.outcome == "early_guilty_plea"
        assert when is not None
        key = (row.borough, month_of(when.date()))
        denominator[key] += 1
        numerator[key] += 1 if charged else 0
    return {key: (numerator[key], den) for key, den in denominator.items()}


def early_plea_cells(session: Session, start: datetime, end: datetime) -> Cells:
    """Early guilty pleas among cases with a court result decided that month."""
    return _case_cells(session, start, end, domestic=False)


def da_charge_cells(session: Session, start: datetime, end: datetime) -> Cells:
    """Domestic abuse cases charged among those with a charging decision that month."""
    return _case_cells(session, start, end, domestic=True)


# --- the trial design, when the force runs one ---------------------------------------------
# The Met's 2014–15 design: whole teams given cameras or not over the same months. Each team's
# arm is a monthly count `trial_arm` on a team row (1 with cameras, 0 without; the trial starts
# with the first month that has one), its strength its `officers` rows, its allegations those
# of the complaints about its officers. The effect is `model.fit_trial`'s.


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


# --- the evaluation ---------------------------------------------------------------------------


@dataclass
class Result:
    measure: registry.Measure
    effect: Effect | None
    note: str  # why there is no effect (too little data), or ""
    series: list[tuple[date, float | None, float | None]]  # month, without, with cameras
    cells: Cells = field(default_factory=dict)


@dataclass
class Evaluation:
    start: date
    end: date  # exclusive
    changes: dict[str, date | None]
    results: list[Result]
    simulated: bool
    boroughs: dict[str, str]  # code: name, of the boroughs with data
    trial: Trial | None = None  # the trial design's allegations effect, when one is run


def _series(
    cells: Cells, changes: dict[str, date | None], kind: str, months: list[date]
) -> list[tuple[date, float | None, float | None]]:
    scale = 1000.0 if kind == "rate" else 100.0
    sums: dict[tuple[date, bool], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (borough, month), (num, den) in cells.items():
        change = changes.get(borough)
        on = change is not None and month >= change
        sums[(month, on)][0] += num
        sums[(month, on)][1] += den

    def value(month: date, on: bool) -> float | None:
        num, den = sums.get((month, on), (0.0, 0.0))
        return scale * num / den if den else None

    return [(month, value(month, False), value(month, True)) for month in months]


def is_simulated(session: Session, start: date, end: date) -> bool:
    """Whether any of the period's counts or complaints came from the simulator."""
    counted = (
        select(func.count())
        .select_from(MonthlyCount)
        .where(MonthlyCount.simulated, MonthlyCount.month >= start, MonthlyCount.month < end)
    )
    complained = (
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.simulated, Complaint.received_on >= start, Complaint.received_on < end)
    )
    return bool(session.scalar(counted)) or bool(session.scalar(complained))


def evaluate(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    *,
    boroughs: set[str] | None = None,
) -> Evaluation:
    """Every registered measure's effect over [start, end) (months), with its series."""
    require(principal, roles.REPORTS_READ)
    if end <= start:
        raise AnalyticsError("the evaluation's end must be after its start")
    months = months_between(start, end)
    if len(months) > 120:
        raise AnalyticsError("the evaluation covers at most 120 months")
    changes = change_months(session)
    if boroughs is not None:
        changes = {b: c for b, c in changes.items() if b in boroughs}
    results: list[Result] = []
    seen: set[str] = set()
    for measure in registry.measures():
        cells = {
            k: v
            for k, v in measure.cells(session, instant(start), instant(end)).items()
            if k[0] in changes
        }
        seen.update(b for b, _m in cells)
        effect, note = None, ""
        try:
            effect = fit_rollout(cells, changes, measure.kind)
        except AnalyticsError as exc:
            note = exc.detail
        except (ValueError, ArithmeticError, IndexError) as exc:
            note = f"the model could not be fitted ({type(exc).__name__}: {exc})"[:200]
        results.append(
            Result(measure, effect, note, _series(cells, changes, measure.kind, months), cells)
        )
    names = {b.gss_code: b.name for b in organisation.boroughs(session) if b.gss_code in seen}
    simulated = is_simulated(session, start, end)
    return Evaluation(start, end, changes, results, simulated, names, trial(session, start, end))
