from __future__ import annotations

import numpy as np
import pytest

from study.curves import SeedCurves
from study.diagnosis import TrialDiagnosis, TrialOutcome, against_study_best, diagnose_seeds


def _diagnosis(val_final: float = 0.2) -> TrialDiagnosis:
    t = np.arange(200, dtype=np.float64)
    curves = []
    for seed in range(3):
        noise = np.exp(np.random.default_rng(seed).normal(0, 0.02, 200))
        val = (val_final + (1 - val_final) * np.exp(-t / 10)) * noise
        curves.append(SeedCurves(seed=seed, train_loss=0.9 * val, val_loss=val))
    return diagnose_seeds(curves)


def _still_improving() -> TrialDiagnosis:
    t = np.arange(1, 101, dtype=np.float64)
    return diagnose_seeds([SeedCurves(seed=0, train_loss=0.9 * t**-0.8, val_loss=t**-0.8)])


_MINE = TrialOutcome(number=10, value=0.165, params={"units": 4, "lr": 0.001})
_BETTER = (
    TrialOutcome(number=3, value=0.104, params={"units": 64, "lr": 0.01}),
    TrialOutcome(number=5, value=0.12, params={"units": 64, "lr": 0.001}),
)


def test_a_good_fit_behind_the_study_best_is_not_kept() -> None:
    dx = _diagnosis()
    assert dx.category == "good_fit" and "keep this configuration" in dx.verdict.advice
    judged = against_study_best(dx, _MINE, _BETTER)
    assert judged.category == "good_fit"
    assert "keep this configuration" not in judged.verdict.advice
    assert "best 0.104 (trial #3)" in judged.verdict.advice
    assert judged.verdict.evidence.details["study_best_trial"] == 3


def test_the_parameters_all_better_trials_share_are_named() -> None:
    advice = against_study_best(_diagnosis(), _MINE, _BETTER).verdict.advice
    assert "all 2 better trials use units 64 (here 4)" in advice
    assert "trial #3 uses lr 0.01 (here 0.001)" in advice


def test_a_good_fit_within_the_margin_of_the_best_is_unchanged() -> None:
    dx = _diagnosis()
    close = TrialOutcome(number=10, value=0.11, params=_MINE.params)
    assert against_study_best(dx, close, _BETTER) == dx


def test_other_verdicts_are_unchanged() -> None:
    dx = _still_improving()
    assert dx.category == "underfit"
    assert against_study_best(dx, _MINE, _BETTER) == dx


def test_a_maximised_objective_compares_the_other_way() -> None:
    dx = _diagnosis()
    mine = TrialOutcome(number=10, value=0.70, params={"units": 4})
    others = (TrialOutcome(number=3, value=0.95, params={"units": 64}),)
    assert against_study_best(dx, mine, others, direction="maximize") != dx
    assert against_study_best(dx, mine, others, direction="minimize") == dx


def test_better_trials_with_the_same_parameters_point_at_seed_noise() -> None:
    same = (TrialOutcome(number=3, value=0.104, params=_MINE.params),)
    advice = against_study_best(_diagnosis(), _MINE, same).verdict.advice
    assert "more seeds" in advice


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nonfinite_values_are_ignored(value: float) -> None:
    dx = _diagnosis()
    others = (TrialOutcome(number=3, value=value, params={"units": 64}),)
    assert against_study_best(dx, _MINE, others) == dx


def test_a_stopped_good_fit_behind_the_best_says_where_it_was_stopped() -> None:
    stopped = TrialOutcome(number=10, value=0.165, params=_MINE.params, stopped_at=120)
    advice = against_study_best(_diagnosis(), stopped, _BETTER).verdict.advice
    assert advice.startswith("a good fit up to epoch 120, where the pruner stopped it")
    assert "value there 0.165 is behind the study's best 0.104" in advice
    assert "keep this configuration" not in advice


def test_a_stopped_good_fit_level_with_the_best_is_not_kept_either() -> None:
    stopped = TrialOutcome(number=10, value=0.105, params=_MINE.params, stopped_at=120)
    advice = against_study_best(_diagnosis(), stopped, _BETTER).verdict.advice
    assert advice.endswith("(value 0.105): run it to its end before keeping it")


def test_one_better_trial_is_named_in_the_singular() -> None:
    advice = against_study_best(_diagnosis(), _MINE, _BETTER[:1]).verdict.advice
    assert "the better one uses lr 0.01 (here 0.001), units 64 (here 4)" in advice
