"""The evaluation's statistics (pure: no database), with statsmodels.

**Staggered roll-out** (`fit_rollout`): a two-way fixed-effects difference-in-differences — a
stepped wedge when every borough changes in the end — over borough × month cells. Each borough
is "without cameras" before its change month and "with cameras" from it; borough effects absorb
fixed differences between boroughs, month effects anything that moves the whole force (season,
policy, recording practice). Rates (a count over officers) are fitted by Poisson regression
with log(officers) as the exposure, so the effect is a percentage change; shares by weighted
least squares (weights: the share's denominator), so the effect is in percentage points.
Standard errors are clustered by borough, and the 95% interval uses Student's t with one fewer
degrees of freedom than there are boroughs (few clusters make intervals wider, honestly).

**Trial** (`fit_trial`): teams randomly given cameras or not over the same period (the Met's
2014–15 design): arm plus month effects, clustered by team.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from openbwv.analytics.errors import AnalyticsError

Cells = Mapping[tuple[str, date], tuple[float, float]]
LEVEL = 0.95
ROLLOUT_METHOD = (
    "two-way fixed effects difference-in-differences (borough and month effects), "
    "standard errors clustered by borough, 95% interval from Student's t (boroughs − 1 df); "
    "statsmodels {version}"
)
TRIAL_METHOD = (
    "cameras vs no cameras by team over the same months (month effects), standard errors "
    "clustered by team, 95% interval from Student's t (teams − 1 df); statsmodels {version}"
)


@dataclass(frozen=True)
class Effect:
    """The effect of cameras on one measure: `estimate` and its interval, in `unit` (% change
    for rates, percentage points for shares), with what it rests on."""

    estimate: float
    low: float
    high: float
    p_value: float
    unit: str
    units: int  # boroughs (or teams)
    treated_units: int
    months: int
    cells: int
    baseline: float  # the measure without cameras (per 1,000 officers, or a %)
    method: str

    @property
    def covers_zero(self) -> bool:
        return self.low <= 0 <= self.high


def _design(
    units: Sequence[str], months: Sequence[date], treated: Sequence[bool], unit_effects: bool
) -> NDArray[np.float64]:
    """Columns: treated, constant, unit dummies (first dropped), month dummies (first dropped)."""
    columns = [np.asarray(treated, dtype=float), np.ones(len(units))]
    if unit_effects:
        for value in sorted(set(units))[1:]:
            columns.append(np.array([u == value for u in units], dtype=float))
    for first in sorted(set(months))[1:]:
        columns.append(np.array([m == first for m in months], dtype=float))
    return np.column_stack(columns)


def _rows(
    cells: Cells, arm: Mapping[str, date | None], kind: str, unit_effects: bool
) -> tuple[list[str], list[date], list[bool], NDArray[np.float64], NDArray[np.float64]]:
    usable = {key: value for key, value in cells.items() if key[0] in arm and value[1] > 0}
    if kind == "rate" and unit_effects:  # a unit never with an event says nothing (its own
        # effect would be minus infinity); without unit effects it is a plain zero
        totals: dict[str, float] = {}
        for (name, _when), (events, _exposure) in usable.items():
            totals[name] = totals.get(name, 0.0) + events
        usable = {k: v for k, v in usable.items() if totals[k[0]] > 0}
    keys = sorted(usable)
    units = [unit for unit, _month in keys]
    months = [month for _unit, month in keys]
    treated = [_treated(arm[unit], month) for unit, month in keys]
    num = np.array([usable[k][0] for k in keys], dtype=float)
    den = np.array([usable[k][1] for k in keys], dtype=float)
    return units, months, treated, num, den


def _treated(change: date | None, month: date) -> bool:
    return change is not None and month >= change


def _fit(
    cells: Cells, arm: Mapping[str, date | None], kind: str, *, unit_effects: bool, method: str
) -> Effect:
    units, months, treated, num, den = _rows(cells, arm, kind, unit_effects)
    clusters = sorted(set(units))
    if len(clusters) < 2 or not any(treated) or all(treated):
        raise AnalyticsError(
            "nothing to compare: the measure needs months with and without cameras"
        )
    # statsmodels loads here, not when the platform is composed: it costs seconds of start-up
    # for every `bwv` command, server and worker that never fits a model.
    import statsmodels
    import statsmodels.api as sm

    exog = _design(units, months, treated, unit_effects)
    groups = np.array([clusters.index(u) for u in units])
    cov = {"groups": groups}
    untreated = ~np.asarray(treated)
    if kind == "rate":
        model = sm.GLM(num, exog, family=sm.families.Poisson(), exposure=den)
        result = model.fit(cov_type="cluster", cov_kwds=cov, use_t=True)
        low, high = result.conf_int(alpha=1 - LEVEL)[0]
        scale = [100 * (math.exp(v) - 1) for v in (result.params[0], low, high)]
        baseline = 1000 * num[untreated].sum() / den[untreated].sum()
        unit = "%"
    else:
        model = sm.WLS(num / den, exog, weights=den)
        result = model.fit(cov_type="cluster", cov_kwds=cov, use_t=True)
        low, high = result.conf_int(alpha=1 - LEVEL)[0]
        scale = [100 * v for v in (result.params[0], low, high)]
        baseline = 100 * num[untreated].sum() / den[untreated].sum()
        unit = "points"
    return Effect(
        estimate=scale[0],
        low=scale[1],
        high=scale[2],
        p_value=float(result.pvalues[0]),
        unit=unit,
        units=len(clusters),
        treated_units=len({u for u, t in zip(units, treated, strict=True) if t}),
        months=len(set(months)),
        cells=len(units),
        baseline=float(baseline),
        method=method.format(version=statsmodels.__version__),
    )


def fit_rollout(cells: Cells, changes: Mapping[str, date | None], kind: str) -> Effect:
    """The staggered roll-out's effect: `cells` by (borough, month) as (numerator,
    denominator); `changes` each borough's first month with cameras (None: not yet)."""
    return _fit(cells, changes, kind, unit_effects=True, method=ROLLOUT_METHOD)


def fit_trial(cells: Cells, arms: Mapping[str, bool], start: date, kind: str) -> Effect:
    """A trial's effect: `cells` by (team, month) over the trial's months; `arms` whether each
    team had cameras (from `start`)."""
    changes = {team: (start if camera else None) for team, camera in arms.items()}
    trial = {key: value for key, value in cells.items() if key[1] >= start}
    return _fit(trial, changes, kind, unit_effects=False, method=TRIAL_METHOD)
