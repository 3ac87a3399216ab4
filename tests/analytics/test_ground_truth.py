"""The evaluation against the truth the simulator injected (fixed seeds; pure, no database):
it recovers an injected effect within its 95% interval, and finds none — an interval covering
zero — where none was injected; likewise for the trial design."""

from __future__ import annotations

from dataclasses import replace

import pytest

from openbwv.analytics.evaluation.measures import BUILT_IN
from openbwv.analytics.evaluation.model import fit_rollout, fit_trial
from openbwv.simulate.outcomes import MEASURES, OutcomeConfig, generate, trial

KIND = {measure.key: measure.kind for measure in BUILT_IN}
INJECTED = OutcomeConfig(seed=1, months=24)  # allegations −30%, early guilty pleas +10 points
NONE = replace(INJECTED, allegations_effect=0.0, early_plea_points=0.0)


def test_every_simulated_measure_is_an_evaluation_measure() -> None:
    assert set(MEASURES) == set(KIND)


@pytest.mark.parametrize("config", [INJECTED, NONE], ids=["injected", "none"])
def test_the_rollout_evaluation_finds_the_truth(config: OutcomeConfig) -> None:
    sim = generate(config)
    for measure in MEASURES:
        effect = fit_rollout(sim.measure(measure), sim.changes, KIND[measure])
        truth = config.truth(measure)
        assert effect.low <= truth <= effect.high, (measure, truth, effect)
        if truth:  # an injected effect is found, not merely not ruled out
            assert not effect.covers_zero, (measure, effect)
            assert effect.estimate == pytest.approx(truth, abs=abs(truth) / 2)
        else:
            assert effect.covers_zero, (measure, effect)
    assert effect.units == 32 and effect.months == 24


def test_the_injected_size_moves_the_estimate() -> None:
    """A larger injected effect gives a larger estimate (the model reads the data, not the
    configuration): −50% is found below −30%'s interval."""
    sim = generate(replace(INJECTED, allegations_effect=-0.5))
    half = fit_rollout(sim.measure("allegations"), sim.changes, "rate")
    third = fit_rollout(generate(INJECTED).measure("allegations"), sim.changes, "rate")
    assert half.high < third.estimate and half.low <= -50 <= half.high


def test_a_borough_without_cameras_throughout_is_a_control() -> None:
    config = replace(
        INJECTED, boroughs=INJECTED.boroughs[:12], change_months=(None,) * 4 + (12,) * 8
    )
    sim = generate(config)
    effect = fit_rollout(sim.measure("early_guilty_plea_share"), sim.changes, "share")
    assert effect.treated_units == 8 and effect.units == 12
    assert effect.low <= 10 <= effect.high


def test_no_change_means_no_estimate() -> None:
    config = replace(INJECTED, boroughs=INJECTED.boroughs[:3], change_months=(None, None, None))
    sim = generate(config)
    with pytest.raises(Exception, match="nothing to compare"):
        fit_rollout(sim.measure("allegations"), sim.changes, "rate")


@pytest.mark.parametrize("effect", [-0.3, 0.0], ids=["injected", "none"])
def test_the_trial_design_finds_the_truth(effect: float) -> None:
    config = replace(INJECTED, months=12, allegations_effect=effect)
    cells, arms = trial(config, teams=200, officers_per_team=100)
    found = fit_trial(cells, arms, config.start, "rate")
    assert found.low <= 100 * effect <= found.high, found
    assert found.covers_zero == (effect == 0.0)
    assert found.units == 200 and found.treated_units == 100
