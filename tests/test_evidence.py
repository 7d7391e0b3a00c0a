"""Tests of ``study.evidence``: a trial's seeds as evidence, and the recommendation rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from study.curves import SeedCurves
from study.evidence import (
    Direction,
    Recommendation,
    TrialEvidence,
    forecast,
    overlapping,
    recommend,
    seed_values,
    standing,
    trial_evidence,
)

LUCKY = (0.05, 0.18, 0.11)  # Best mean by a hair, seeds far apart.
CONSISTENT = (0.110, 0.114, 0.118)  # Slightly worse mean, seeds agree.


def test_standard_error_equals_numpys() -> None:
    values = [0.3, 0.1, 0.25, 0.4]
    evidence = trial_evidence(values)
    assert evidence.mean == pytest.approx(np.mean(values))
    assert evidence.std_error == pytest.approx(np.std(values, ddof=1) / 2)


def test_interval_is_t_based_at_its_level() -> None:
    values = [0.3, 0.1, 0.25]
    evidence = trial_evidence(values, level=0.95)
    low, high = stats.t.interval(0.95, df=2, loc=np.mean(values), scale=stats.sem(values))
    assert (evidence.low, evidence.high) == pytest.approx((low, high))


def test_one_seed_has_no_interval_and_says_so() -> None:
    evidence = trial_evidence([0.2])
    assert not evidence.has_interval
    assert math.isnan(evidence.low) and math.isnan(evidence.std_error)
    assert "no interval" in evidence.describe()


def test_non_finite_seeds_are_counted_apart() -> None:
    evidence = trial_evidence([0.2, math.nan, math.inf, 0.4])
    assert (evidence.n, evidence.diverged) == (2, 2)
    assert evidence.mean == pytest.approx(0.3)
    assert "2 diverged" in evidence.describe()


def test_level_outside_zero_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"`level` must be in \(0, 1\), but got level=2"):
        trial_evidence([0.1, 0.2], level=2)


def test_record_round_trips_through_a_dict() -> None:
    for values in ([0.1, 0.3, 0.2], [0.5], [math.nan]):
        evidence = trial_evidence(values, number=3)
        back = TrialEvidence.from_dict(evidence.to_dict())
        assert back.to_dict() == evidence.to_dict()


def test_seed_values_read_each_objective() -> None:
    curves = SeedCurves(
        seed=0,
        train_loss=np.array([1.0, 0.5, 0.4]),
        val_loss=np.array([1.0, 0.3, 0.6]),
        val_metric=np.array([0.5, 0.8, 0.7]),
    )
    assert seed_values("final_val_loss", [curves]) == (0.6,)
    assert seed_values("best_val_loss", [curves]) == (0.3,)
    assert seed_values("final_val_accuracy", [curves]) == (0.7,)


def test_recommendation_picks_the_consistent_configuration_over_the_lucky_one() -> None:
    lucky = trial_evidence(LUCKY, number=7)
    consistent = trial_evidence(CONSISTENT, number=12)
    recommendation = recommend([lucky, consistent], "minimize")
    assert (recommendation.recommended, recommendation.best_mean) == (12, 7)
    assert recommendation.differs
    assert recommendation.reason.startswith("trial 7 has the best mean")
    assert "trial 12's mean is as good within noise and its seeds agree more" in (
        recommendation.reason
    )


def test_recommendation_round_trips_through_a_dict() -> None:
    recommendation = recommend(
        [trial_evidence(LUCKY, number=7), trial_evidence(CONSISTENT, number=12)], "minimize"
    )
    assert Recommendation.from_dict(recommendation.to_dict()) == recommendation


def test_recommendation_keeps_a_best_mean_ahead_by_more_than_its_spread() -> None:
    lucky = trial_evidence((0.05, 0.16, 0.10), number=7)  # 0.103: ahead of 0.114 by 1/3 SE
    consistent = trial_evidence(CONSISTENT, number=12)
    assert recommend([lucky, consistent], "minimize").recommended == 7


def test_recommendation_maximises_by_the_mean_less_its_spread() -> None:
    lucky = trial_evidence([1 - v for v in LUCKY], number=7)
    consistent = trial_evidence([1 - v for v in CONSISTENT], number=12)
    recommendation = recommend([lucky, consistent], "maximize")
    assert (recommendation.recommended, recommendation.best_mean) == (12, 7)


def test_recommendation_agrees_with_the_best_mean_when_its_seeds_agree() -> None:
    good = trial_evidence([0.10, 0.101, 0.102], number=1)
    worse = trial_evidence(CONSISTENT, number=2)
    recommendation = recommend([good, worse], "minimize")
    assert (recommendation.recommended, recommendation.best_mean) == (1, 1)
    assert not recommendation.differs


def test_recommendation_avoids_a_trial_with_a_diverged_seed() -> None:
    diverged = trial_evidence([0.01, 0.011, math.nan], number=1)
    clean = trial_evidence(CONSISTENT, number=2)
    recommendation = recommend([diverged, clean], "minimize")
    assert (recommendation.recommended, recommendation.best_mean) == (2, 1)
    assert "1 of its seeds diverged" in recommendation.reason


def test_recommendation_without_intervals_is_the_best_mean() -> None:
    recommendation = recommend(
        [trial_evidence([0.3], number=0), trial_evidence([0.2], number=1)], "minimize"
    )
    assert (recommendation.recommended, recommendation.rule) == (1, "best_mean")
    assert "no trial has two seeds" in recommendation.reason


def test_recommendation_without_finite_seeds_is_none() -> None:
    recommendation = recommend([trial_evidence([math.nan], number=0)], "minimize")
    assert recommendation.recommended is None and recommendation.rule == "none"


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_the_recommended_trial_is_the_one_that_stands_lowest(direction: Direction) -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        evidence = []
        for number in range(int(rng.integers(1, 7))):
            n = int(rng.integers(0, 4))
            values = list(rng.normal(rng.uniform(0.1, 1.0), rng.uniform(0.01, 0.3), n))
            if rng.random() < 0.2:
                values.append(math.nan)
            evidence.append(trial_evidence(values, number=number))
        chosen = recommend(evidence, direction).recommended
        lowest = min(evidence, key=lambda e: (standing(e, direction), e.number))
        assert chosen == (None if lowest.n == 0 else lowest.number)


def test_overlapping_marks_trials_the_seeds_cannot_tell_apart() -> None:
    best = trial_evidence(CONSISTENT, number=0)
    close = trial_evidence(LUCKY, number=1)
    far = trial_evidence([0.5, 0.51, 0.52], number=2)
    single = trial_evidence([0.9], number=3)
    diverged = trial_evidence([math.nan, math.inf], number=4)
    assert overlapping([best, close, far, single, diverged], 0) == (1, 3)


def test_overlapping_refuses_an_unknown_best() -> None:
    with pytest.raises(ValueError, match="`best` must be the number of a trial given"):
        overlapping([trial_evidence([0.1, 0.2], number=0)], 5)


def test_forecast_recovers_a_clean_power_law() -> None:
    t = np.arange(1, 61, dtype=np.float64)
    ahead = forecast(-2.0 + 1.5 * t**-0.5, 200)
    assert ahead is not None
    assert ahead.value == pytest.approx(-2.0 + 1.5 * 200**-0.5, abs=0.02)
    assert ahead.epoch == 200


def test_forecast_of_a_curve_outside_the_families_is_within_its_uncertainty() -> None:
    t = np.arange(1, 61, dtype=np.float64)
    ahead = forecast(np.log(0.1 + t**-0.7), 200)
    assert ahead is not None
    assert abs(ahead.value - np.log(0.1 + 200**-0.7)) < ahead.sd


def test_forecast_of_a_curve_leaving_its_plateau_keeps_its_final_value_within_the_bound() -> None:
    # Flat, then falling faster and faster: no family of the ensemble (they only slow
    # down) follows it, so the bound must come from the curve's current pace.
    t = np.arange(1, 101, dtype=np.float64)
    curve = np.log(0.3 + 0.9 / (1 + np.exp((t - 30) / 6)))
    for cut in (20, 25):
        ahead = forecast(curve[:cut], 100)
        assert ahead is not None
        assert curve[-1] >= ahead.value - 1.645 * ahead.sd, cut


def test_forecast_of_a_slowing_curve_stays_narrow() -> None:
    t = np.arange(1, 61, dtype=np.float64)
    ahead = forecast(-2.0 + 1.5 * t**-0.5, 200)
    assert ahead is not None and ahead.sd < 0.1


def test_forecast_uncertainty_grows_with_the_noise() -> None:
    t = np.arange(1, 61, dtype=np.float64)
    noise = np.random.default_rng(0).standard_normal(60)
    calm, noisy = (forecast(np.log(0.1 + t**-0.7) + s * noise, 200) for s in (0.01, 0.3))
    assert calm is not None and noisy is not None
    assert noisy.sd > calm.sd


def test_forecast_needs_finite_values_and_a_few_epochs() -> None:
    assert forecast(np.array([1.0, 0.5, np.nan, 0.3, 0.2, 0.1, 0.1]), 50) is None
    assert forecast(np.array([1.0, 0.5, 0.3]), 50) is None
