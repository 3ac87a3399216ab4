"""The demo's roll-out evaluation, on simulated data and labelled so: complaints, use of force,
stop and search and case outcomes for the demo's boroughs over the last 12 months, with the
effects of cameras the simulator injects by default (allegations −30%, early guilty pleas +10
points) from each borough's own roll-out phase (`fleet.demo`). Made once."""

from __future__ import annotations

from datetime import date

from openbwv.analytics.evaluation import queries as evaluation
from openbwv.config import Settings
from openbwv.db.session import unit_of_work
from openbwv.fleet.demo import DEFAULT_BOROUGHS
from openbwv.organisation.queries import resolve_borough
from openbwv.simulate.outcomes import OutcomeConfig, generate, month_add
from openbwv.simulate.outcomes_load import load
from openbwv.timeutil import utcnow

MONTHS = 12


def _index(start: date, change: date | None) -> int | None:
    if change is None:
        return None
    index = (change.year - start.year) * 12 + change.month - start.month
    return index if index < MONTHS else None


def outcomes_demo(settings: Settings) -> list[str]:
    today = utcnow().date()
    start = month_add(date(today.year, today.month, 1), -MONTHS)
    with unit_of_work(settings) as session:
        if evaluation.is_simulated(session, start, month_add(start, MONTHS)):
            return ["Roll-out evaluation: simulated outcomes already loaded (/evaluation)."]
        codes = tuple(resolve_borough(session, name).gss_code for name in DEFAULT_BOROUGHS)
        changes = evaluation.change_months(session)
        config = OutcomeConfig(
            boroughs=codes,
            start=start,
            months=MONTHS,
            change_months=tuple(_index(start, changes.get(code)) for code in codes),
            officers=1000,
            court_outcomes=2,
            da_decisions=1,
            seed=14,
        )
        loaded = load(session, generate(config), phases=False)
    return [
        f"Roll-out evaluation (SIMULATED data): {loaded.complaints} complaints, {loaded.cases} "
        f"case outcomes and {loaded.counts} monthly counts over {MONTHS} months in "
        f"{len(codes)} boroughs; sign in as sergeant.demo or standards.demo and open /evaluation."
    ]
