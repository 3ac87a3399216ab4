"""Ground truth for the roll-out evaluation: complaints, use of force, stop and search and case
outcomes per borough and month, with a known (configurable) effect of cameras from each
borough's change month — so the evaluation can be checked against the truth it should find
(tests/analytics/test_ground_truth.py) and the demo can show it, labelled as simulated.

Pure: `generate` draws the numbers (numpy, seeded); `simulate.outcomes_load` writes them through
the platform's services. Levels are of the Met's order (about 33,000 officers in 32 boroughs;
roughly 2–3 allegations per 1,000 officers a month; use of force a few hundred, stop and search
several hundred per 1,000 officers a month, about one in six ending in arrest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

# The 32 London boroughs the Met polices (the City of London, E09000001, has its own force).
MET_BOROUGHS = tuple(f"E090000{n:02d}" for n in range(2, 34))
MEASURES = (
    "allegations",
    "use_of_force",
    "stop_search",
    "stop_search_arrest_rate",
    "early_guilty_plea_share",
    "da_charge_rate",
)


@dataclass(frozen=True)
class OutcomeConfig:
    boroughs: tuple[str, ...] = MET_BOROUGHS
    start: date = date(2022, 1, 1)  # the first month
    months: int = 36
    # Each borough's first month with cameras, as a month index; default: staggered evenly
    # from month 6 to month `months - 6`, in the boroughs' order (a stepped wedge).
    change_months: tuple[int | None, ...] | None = None
    officers: int = 1000  # per borough (each borough varies around it)
    allegations_per_1000: float = 2.5  # a month, without cameras
    use_of_force_per_1000: float = 250.0
    stop_search_per_1000: float = 500.0
    arrest_rate: float = 0.16
    court_outcomes: int = 40  # cases with a court result per borough and month
    early_plea_share: float = 0.55
    da_decisions: int = 30  # domestic abuse cases with a charging decision per borough, month
    da_charge_rate: float = 0.25
    # The true effect of cameras: relative changes for rates, added shares (0.10: 10 points).
    allegations_effect: float = -0.30
    use_of_force_effect: float = 0.0
    stop_search_effect: float = 0.0
    arrest_rate_points: float = 0.0
    early_plea_points: float = 0.10
    da_charge_points: float = 0.0
    seed: int = 1

    def truth(self, measure: str) -> float:
        """The injected effect, in the evaluation's unit (% change, or percentage points)."""
        return {
            "allegations": 100 * self.allegations_effect,
            "use_of_force": 100 * self.use_of_force_effect,
            "stop_search": 100 * self.stop_search_effect,
            "stop_search_arrest_rate": 100 * self.arrest_rate_points,
            "early_guilty_plea_share": 100 * self.early_plea_points,
            "da_charge_rate": 100 * self.da_charge_points,
        }[measure]


@dataclass
class Cell:
    officers: int
    allegations: int
    use_of_force: int
    stop_search: int
    arrests: int
    early_pleas: int
    court_outcomes: int
    da_charged: int
    da_decisions: int


@dataclass
class SimulatedOutcomes:
    config: OutcomeConfig
    months: list[date]
    changes: dict[str, date | None]  # each borough's first month with cameras
    cells: dict[tuple[str, date], Cell] = field(default_factory=dict)

    def measure(self, key: str) -> dict[tuple[str, date], tuple[float, float]]:
        """(numerator, denominator) by (borough, month), as the evaluation reads them."""
        pick = {
            "allegations": lambda c: (c.allegations, c.officers),
            "use_of_force": lambda c: (c.use_of_force, c.officers),
            "stop_search": lambda c: (c.stop_search, c.officers),
            "stop_search_arrest_rate": lambda c: (c.arrests, c.stop_search),
            "early_guilty_plea_share": lambda c: (c.early_pleas, c.court_outcomes),
            "da_charge_rate": lambda c: (c.da_charged, c.da_decisions),
        }[key]
        return {k: tuple(map(float, pick(c))) for k, c in self.cells.items()}  # type: ignore[misc]


def month_add(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _changes(config: OutcomeConfig) -> dict[str, date | None]:
    count = len(config.boroughs)
    if config.change_months is not None:
        indices = list(config.change_months)
    else:
        first, last = 6, max(6, config.months - 6)
        indices = [first + round(i * (last - first) / max(1, count - 1)) for i in range(count)]
    return {
        borough: None if index is None else month_add(config.start, index)
        for borough, index in zip(config.boroughs, indices, strict=True)
    }


def _share(rng: np.random.Generator, n: int, p: float) -> int:
    return int(rng.binomial(n, min(0.98, max(0.02, p))))


def generate(config: OutcomeConfig) -> SimulatedOutcomes:
    """Draw every borough's months. Each borough has its own level (log-normal, sd 0.25) and
    the force a seasonal swing (±10%); counts are Poisson, shares binomial."""
    rng = np.random.default_rng(config.seed)
    months = [month_add(config.start, i) for i in range(config.months)]
    sim = SimulatedOutcomes(config, months, _changes(config))
    for borough in config.boroughs:
        level = float(np.exp(rng.normal(0, 0.25)))
        offset = float(rng.normal(0, 0.04))
        officers = max(50, int(config.officers * float(np.exp(rng.normal(0, 0.2)))))
        change = sim.changes[borough]
        for index, month in enumerate(months):
            season = 1 + 0.1 * math.sin(2 * math.pi * index / 12)
            on = change is not None and month >= change
            sim.cells[(borough, month)] = _cell(rng, config, officers, level * season, offset, on)
    return sim


def _cell(
    rng: np.random.Generator,
    config: OutcomeConfig,
    officers: int,
    level: float,
    offset: float,
    on: bool,
) -> Cell:
    def rate(per_1000: float, effect: float) -> int:
        mean = per_1000 * officers / 1000 * level * (1 + effect if on else 1)
        return int(rng.poisson(mean))

    stops = rate(config.stop_search_per_1000, config.stop_search_effect)
    plea = config.early_plea_share + offset + (config.early_plea_points if on else 0)
    charge = config.da_charge_rate + offset + (config.da_charge_points if on else 0)
    arrest = config.arrest_rate + offset / 2 + (config.arrest_rate_points if on else 0)
    return Cell(
        officers=officers,
        allegations=rate(config.allegations_per_1000, config.allegations_effect),
        use_of_force=rate(config.use_of_force_per_1000, config.use_of_force_effect),
        stop_search=stops,
        arrests=_share(rng, stops, arrest),
        early_pleas=_share(rng, config.court_outcomes, plea),
        court_outcomes=config.court_outcomes,
        da_charged=_share(rng, config.da_decisions, charge),
        da_decisions=config.da_decisions,
    )


def trial(
    config: OutcomeConfig, teams: int = 40, officers_per_team: int = 60
) -> tuple[dict[tuple[str, date], tuple[float, float]], dict[str, bool]]:
    """A randomised trial's allegations by team and month over `config.months` (the Met's
    2014–15 design: whole teams with or without cameras), and each team's arm."""
    rng = np.random.default_rng(config.seed)
    months = [month_add(config.start, i) for i in range(config.months)]
    arms = {f"T{n:03d}": bool(n % 2) for n in range(teams)}
    cells: dict[tuple[str, date], tuple[float, float]] = {}
    for team, camera in arms.items():
        level = float(np.exp(rng.normal(0, 0.25)))
        for month in months:
            mean = config.allegations_per_1000 * officers_per_team / 1000 * level
            mean *= 1 + config.allegations_effect if camera else 1
            cells[(team, month)] = (float(rng.poisson(mean)), float(officers_per_team))
    return cells, arms
