"""The diagnosis judged by what following its advice does to a loss the curves never saw.

Runs the diagnosis over the stored curves of ``tests/corpus/counterfactual`` (no training).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from study.curves import SeedCurves
from study.diagnosis import TrialDiagnosis, diagnose_curve, diagnose_seeds, mean_curve
from tests.corpus.counterfactual import RECURRENT_DIR, CounterfactualTrial, load_counterfactual

# Measured: 92.0 % of the 50 labelled trials, 96.0 % with each dataset's best validation loss
# as ``reached_loss`` (benchmarks/diagnosis_corpus.py); 86.0 % and 90.0 % when the curves do
# not carry the trimmed validation loss. These floors keep a change to the rules from losing
# what was reached.
ACCURACY = 0.90
ACCURACY_WITH_REACHED = 0.94
ACCURACY_UNTRIMMED = 0.84
ACCURACY_RECURRENT = 0.68


@pytest.fixture(scope="module")
def trials() -> list[CounterfactualTrial]:
    return load_counterfactual()


@pytest.fixture(scope="module")
def verdicts(
    trials: list[CounterfactualTrial],
) -> list[tuple[CounterfactualTrial, TrialDiagnosis]]:
    return [
        (t, diagnose_seeds(t.curves, baseline_loss=t.baseline_loss))
        for t in trials
        if t.label is not None
    ]


def test_corpus_spans_every_outcome_with_three_seeds(trials: list[CounterfactualTrial]) -> None:
    assert len(trials) >= 60
    assert {len(t.curves) for t in trials} == {3}
    labels = Counter(t.label for t in trials)
    assert {"still_improving", "overfit", "capacity", "good_fit"} <= set(labels)


def test_test_loss_is_kept_apart_from_the_curves(trials: list[CounterfactualTrial]) -> None:
    trial = trials[0]
    for curves, test in zip(trial.curves, trial.test_loss, strict=True):
        assert not np.array_equal(curves.val_loss, test)
        assert not np.array_equal(curves.train_loss, test)


def test_accuracy_on_the_counterfactual_corpus(verdicts: list) -> None:
    right = [t.category == dx.category for t, dx in verdicts]
    assert np.mean(right) >= ACCURACY


def test_accuracy_with_what_other_configurations_reached(
    trials: list[CounterfactualTrial],
) -> None:
    means = {t.name: mean_curve(t.curves) for t in trials}
    lowest = {name: float(np.min(m.val_loss)) for name, m in means.items() if m is not None}
    right = []
    for t in trials:
        if t.label is None:
            continue
        others = [v for n, v in lowest.items() if n != t.name and n.split("_")[0] == t.dataset]
        dx = diagnose_seeds(t.curves, baseline_loss=t.baseline_loss, reached_loss=min(others))
        right.append(t.category == dx.category)
    assert np.mean(right) >= ACCURACY_WITH_REACHED


def test_accuracy_on_the_recurrent_corpus() -> None:
    """Measured on the 122 labelled recurrent trials: 70.5 % alone (tuning 68.3 %, held-out
    75.0 %); a floor so that a rule change cannot lose it unnoticed."""
    trials = [t for t in load_counterfactual(RECURRENT_DIR) if t.label is not None]
    right = [
        t.category == diagnose_seeds(t.curves, baseline_loss=t.baseline_loss).category
        for t in trials
    ]
    assert len(trials) >= 120
    assert np.mean(right) >= ACCURACY_RECURRENT


def test_curves_without_the_trimmed_loss_keep_their_accuracy() -> None:
    trials = [t for t in load_counterfactual(trimmed=False) if t.label is not None]
    assert all(c.val_loss_trimmed is None for t in trials for c in t.curves)
    right = [
        t.category == diagnose_seeds(t.curves, baseline_loss=t.baseline_loss).category
        for t in trials
    ]
    assert np.mean(right) >= ACCURACY_UNTRIMMED


def test_wrong_verdicts_are_less_confident_than_right_ones(verdicts: list) -> None:
    right = [dx.verdict.confidence for t, dx in verdicts if t.category == dx.category]
    wrong = [dx.verdict.confidence for t, dx in verdicts if t.category != dx.category]
    assert np.median(wrong) < np.median(right)


def test_a_counterfactual_good_fit_is_never_called_overfit(verdicts: list) -> None:
    wrong = [t.name for t, dx in verdicts if t.label == "good_fit" and dx.category == "overfit"]
    assert wrong == []


def test_suggested_stop_lands_near_the_test_minimum(verdicts: list) -> None:
    ratios = []
    for t, dx in verdicts:
        if dx.category == "overfit":
            test = np.exp(np.mean(np.log(t.test_loss), axis=0))
            ratios.append(test[(dx.verdict.evidence.best_epoch or len(test)) - 1] / test.min())
    assert ratios and float(np.median(ratios)) <= 1.05


# ------------------------------------------------------------------ the corpus protocol


@pytest.fixture(scope="module")
def maker() -> Iterator[ModuleType]:
    """The corpus maker script, imported from its file (its dataclasses need a module entry)."""
    path = Path(__file__).parents[1] / "scripts" / "make_counterfactual_curves.py"
    spec = importlib.util.spec_from_file_location("make_counterfactual_curves", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def _samples(stop: np.ndarray, n_test: int = 100) -> np.ndarray:
    """Test samples' losses for 3 seeds: ``stop`` under the stop action, 0.1 elsewhere."""
    one = np.full((5, n_test), 0.1)
    one[2] = stop
    return np.stack([one] * 3)


def test_a_gain_spread_over_the_test_samples_labels_the_trial(maker: ModuleType) -> None:
    stop = np.random.default_rng(0).uniform(0.06, 0.08, 100)  # every sample ~30 % better
    gains = maker.gains_of(_samples(stop))
    low = maker.lower_bounds(_samples(stop))
    assert gains["stop"] > 0.1 and low["stop"] > 0
    assert maker.label(gains, low, [True] * 3) == "overfit"


def test_a_gain_carried_by_one_test_sample_drops_the_trial(maker: ModuleType) -> None:
    base = np.full(100, 0.1)
    base[0] = 8.0  # one confidently wrong sample at the end, right when stopped early
    samples = _samples(np.full(100, 0.1))
    samples[:, [0, 1, 3, 4]] = base
    gains, low = maker.gains_of(samples), maker.lower_bounds(samples)
    assert gains["stop"] > 0.1 and low["stop"] <= 0
    assert maker.label(gains, None, [True] * 3) == "overfit"
    assert maker.label(gains, low, [True] * 3) is None


# ------------------------------------------------------------- validation size and seeds


def _rising(
    n: int = 200, val_samples: int | None = None, rise: float = 1.4, trimmed: str | None = None
) -> SeedCurves:
    """Validation falls to epoch 40, then rises by ``rise`` smoothly; training keeps falling.

    ``trimmed``: ``"rises"`` records a trimmed validation loss that rises alike (a broad
    rise), ``"flat"`` one that levels off at the minimum (a rise carried by a few samples).
    """
    t = np.arange(n, dtype=np.float64)
    fall = -np.minimum(t, 40) / 15
    val = 0.1 * np.exp(fall + np.log(rise) * np.clip((t - 40) / 160, 0, 1))
    train = 0.1 * np.exp(-t / 30)
    noise = np.exp(np.random.default_rng(0).normal(0, 0.01, n))
    shape = {None: None, "rises": val, "flat": 0.1 * np.exp(fall)}[trimmed]
    return SeedCurves(
        seed=0,
        train_loss=train,
        val_loss=val * noise,
        val_samples=val_samples,
        val_loss_trimmed=None if shape is None else 0.8 * shape * noise,
    )


def test_a_rise_on_many_validation_samples_is_overfit() -> None:
    assert diagnose_curve(_rising(val_samples=5000)).category == "overfit"


def test_the_same_rise_on_45_validation_samples_is_not_overfit() -> None:
    assert diagnose_curve(_rising(val_samples=45)).category != "overfit"


def test_a_rise_the_trimmed_loss_shows_too_is_overfit_on_45_samples() -> None:
    dx = diagnose_curve(_rising(val_samples=45, trimmed="rises"))
    assert (dx.category, dx.kind) == ("overfit", "turning_point")
    assert dx.evidence.details["broad_rise"] is True


def test_a_rise_the_trimmed_loss_does_not_show_keeps_the_sampling_margin() -> None:
    dx = diagnose_curve(_rising(val_samples=45, trimmed="flat"))
    assert dx.category == "good_fit"
    assert "2 worst of its 45 samples" in dx.advice


def test_an_overfit_carried_by_a_few_samples_is_less_confident() -> None:
    few = diagnose_curve(_rising(val_samples=45, rise=8.0, trimmed="flat"))
    broad = diagnose_curve(_rising(val_samples=45, rise=8.0, trimmed="rises"))
    assert few.category == broad.category == "overfit"
    assert few.confidence < broad.confidence


def test_a_lasting_five_percent_rise_while_training_falls_is_a_turning_point() -> None:
    t = np.arange(600, dtype=np.float64)
    val = 0.1 * np.exp(-np.minimum(t, 200) / 60 + np.log(1.05) * np.clip((t - 200) / 100, 0, 1))
    train = 0.1 * np.exp(-t / 150)
    noise = np.exp(np.random.default_rng(0).normal(0, 0.005, 600))
    dx = diagnose_curve(SeedCurves(seed=0, train_loss=train, val_loss=val * noise))
    assert (dx.category, dx.kind) == ("overfit", "turning_point")


def test_a_five_percent_rise_while_training_stalls_is_not_overfit() -> None:
    t = np.arange(600, dtype=np.float64)
    val = 0.1 * np.exp(-np.minimum(t, 200) / 60 + np.log(1.05) * np.clip((t - 200) / 100, 0, 1))
    train = 0.1 * np.exp(-np.minimum(t, 200) / 60)
    noise = np.exp(np.random.default_rng(0).normal(0, 0.005, 600))
    dx = diagnose_curve(SeedCurves(seed=0, train_loss=train, val_loss=val * noise))
    assert dx.category != "overfit"


def test_a_small_validation_set_lowers_the_confidence() -> None:
    plain = diagnose_curve(_rising()).confidence
    assert diagnose_curve(_rising(val_samples=200)).confidence < plain


def test_a_rise_only_the_validation_size_excuses_says_what_would_settle_it() -> None:
    dx = diagnose_curve(_rising(val_samples=45))
    assert dx.category == "good_fit"
    assert "larger validation set" in dx.advice


def test_a_rise_only_the_validation_size_excuses_lowers_a_good_fit_confidence() -> None:
    rising = _rising(val_samples=45)
    # the same curve, levelled off at its minimum instead of rising
    levelled = np.where(np.arange(200) < 40, rising.val_loss, rising.val_loss[40])
    flat = dataclasses.replace(rising, val_loss=levelled)
    assert diagnose_curve(_rising(val_samples=45)).confidence < diagnose_curve(flat).confidence


def test_seeds_straddling_the_minimum_are_a_good_fit_at_the_boundary() -> None:
    t = np.arange(300, dtype=np.float64)
    train = 0.1 * np.exp(-t / 60)
    curves = []
    for seed, t_min in enumerate((900, 900, 150, 150, 280)):
        # minimum at t_min: before it still falling, after it rising
        val = 0.2 * np.exp(0.8 * ((t - t_min) / 300) ** 2)
        curves.append(SeedCurves(seed=seed, train_loss=train, val_loss=val))
    trial = diagnose_seeds(curves)
    kinds = Counter(d.kind for d in trial.seeds)
    assert kinds["still_improving"] and kinds["turning_point"]
    assert trial.category == "good_fit"
    assert "straddle" in trial.verdict.advice


# ------------------------------------------------------------- achievable loss left


def _levelling(floor: float) -> SeedCurves:
    """Validation falls as ``floor + 1/t`` over 200 epochs: towards an achievable ``floor``."""
    t = np.arange(1, 201, dtype=np.float64)
    return SeedCurves(seed=0, train_loss=0.8 * (floor + 1 / t), val_loss=floor + 1 / t)


def test_a_curve_levelling_off_is_not_still_improving() -> None:
    # doubling the epochs lowers it by 7 %, though its recent log-log slope says 10 %
    assert diagnose_curve(_levelling(0.03)).kind != "still_improving"


def test_gain_if_doubled_counts_only_the_achievable_loss_left() -> None:
    true_gain = 1 - (0.03 + 1 / 400) / (0.03 + 1 / 200)
    dx = diagnose_curve(_levelling(0.03))
    assert dx.evidence.details["gain_if_doubled"] == pytest.approx(true_gain, abs=0.015)


def test_a_power_law_towards_zero_is_still_improving() -> None:
    assert diagnose_curve(_levelling(0.0)).kind == "still_improving"


# ----------------------------------------------------------------------------- advice


def test_still_improving_advice_quotes_losses_not_percentages() -> None:
    t = np.arange(1, 101, dtype=np.float64)
    dx = diagnose_curve(SeedCurves(seed=0, train_loss=2e-4 * t**-0.9, val_loss=3e-4 * t**-0.8))
    assert dx.kind == "still_improving"
    assert "%" not in dx.advice
    assert f"{dx.evidence.final_val_loss:.3g}" in dx.advice


# ------------------------------------------------------------------ the trimmed loss


def test_trimmed_mean_leaves_out_the_largest_losses(maker: ModuleType) -> None:
    losses = np.array([0.1, 9.0, 0.3, 0.2, 7.0, 0.4])
    assert maker.trimmed_mean(losses, 2) == pytest.approx(0.25)


def test_trimmed_mean_of_too_few_samples_is_the_mean(maker: ModuleType) -> None:
    losses = np.array([0.1, 9.0, 0.3, 0.2])
    assert maker.trimmed_mean(losses, 2) == pytest.approx(np.mean(losses))
