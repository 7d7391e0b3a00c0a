"""Verdicts the evidence cannot settle say so: the ``uncertain`` reason and the advice."""

from __future__ import annotations

import numpy as np

from study.curves import SeedCurves
from study.diagnosis import Diagnosis, TrialDiagnosis, diagnose_curve, diagnose_seeds


def _seed(seed: int, val: np.ndarray, train: np.ndarray | None = None) -> SeedCurves:
    val = val * np.exp(np.random.default_rng(seed).normal(0, 0.02, len(val)))
    train = 0.95 * val if train is None else train
    return SeedCurves(seed=seed, train_loss=train, val_loss=val, epochs_planned=len(val))


def _decay(n: int, final: float, tau: float, scale: float = 1.0) -> np.ndarray:
    return scale * (final + (1 - final) * np.exp(-np.arange(n) / tau))


def _overfit_val(n: int = 600) -> np.ndarray:
    t = np.arange(n)
    return _decay(n, 0.1, 50) * np.exp(np.log(4) * np.clip((t - 200) / 400, 0, None))


def _capacity() -> SeedCurves:
    return _seed(1, _decay(300, 0.35, 10), _decay(300, 0.3, 10))


def _rising(val_samples: int | None) -> SeedCurves:
    """Validation falls to epoch 40, then rises 1.4x; training keeps falling."""
    t = np.arange(200, dtype=np.float64)
    val = 0.1 * np.exp(-np.minimum(t, 40) / 15 + np.log(1.4) * np.clip((t - 40) / 160, 0, 1))
    noise = np.exp(np.random.default_rng(0).normal(0, 0.01, 200))
    train = 0.1 * np.exp(-t / 30)
    return SeedCurves(seed=0, train_loss=train, val_loss=val * noise, val_samples=val_samples)


def test_a_clear_overfit_is_not_uncertain() -> None:
    trial = diagnose_seeds([_seed(i, _overfit_val(), _decay(600, 0.05, 60)) for i in range(3)])
    assert trial.category == "overfit"
    assert trial.verdict.uncertain is None
    assert "uncertain" not in trial.verdict.advice


def test_capacity_against_the_baseline_alone_is_uncertain() -> None:
    dx = diagnose_curve(_capacity(), baseline_loss=0.5)
    assert dx.kind == "capacity"
    assert dx.uncertain is not None and "baseline alone" in dx.uncertain


def test_capacity_against_other_trials_is_not_uncertain() -> None:
    dx = diagnose_curve(_capacity(), baseline_loss=0.5, reached_loss=0.1)
    assert dx.kind == "capacity"
    assert dx.uncertain is None


def test_a_rise_a_few_samples_can_cause_leaves_a_good_fit_uncertain() -> None:
    dx = diagnose_curve(_rising(val_samples=45))
    assert dx.category == "good_fit"
    assert dx.uncertain is not None and "45 validation samples" in dx.uncertain


def test_the_same_rise_on_a_large_set_is_a_certain_overfit() -> None:
    dx = diagnose_curve(_rising(val_samples=5000))
    assert dx.category == "overfit"
    assert dx.uncertain is None


def test_seeds_that_disagree_make_the_trial_uncertain() -> None:
    seeds = [_seed(0, _overfit_val(), _decay(600, 0.05, 60)), _seed(1, _decay(600, 0.1, 50))]
    seeds.append(_seed(2, _decay(300, 0.35, 10), _decay(300, 0.3, 10)))
    trial = diagnose_seeds(seeds, baseline_loss=0.5)
    assert trial.agreement < 0.6
    assert trial.verdict.uncertain is not None and "disagree" in trial.verdict.uncertain
    assert trial.verdict.advice.endswith(f"(uncertain: {trial.verdict.uncertain})")


def test_seeds_straddling_the_minimum_make_the_trial_uncertain() -> None:
    t = np.arange(300, dtype=np.float64)
    curves = []
    for seed, t_min in enumerate((900, 900, 150, 150, 280)):
        val = 0.2 * np.exp(0.8 * ((t - t_min) / 300) ** 2)
        curves.append(SeedCurves(seed=seed, train_loss=0.1 * np.exp(-t / 60), val_loss=val))
    trial = diagnose_seeds(curves)
    assert trial.category == "good_fit"
    assert trial.verdict.uncertain is not None and "straddle" in trial.verdict.uncertain


def test_the_uncertain_reason_round_trips() -> None:
    trial = diagnose_seeds([_capacity()], baseline_loss=0.5)
    data = trial.to_dict()
    assert trial.verdict.uncertain is not None
    assert data["uncertain"] == trial.verdict.uncertain
    assert TrialDiagnosis.from_dict(data) == trial


def test_a_stored_diagnosis_without_the_field_reads_as_certain() -> None:
    data = diagnose_curve(_capacity(), baseline_loss=0.5, reached_loss=0.1).to_dict()
    del data["uncertain"]
    assert Diagnosis.from_dict(data).uncertain is None


def test_a_good_fit_at_its_lowest_on_the_last_epoch_is_uncertain() -> None:
    t = np.arange(40, dtype=np.float64)
    val = 0.3 * (1 + 0.02 * np.exp(-t / 40)) * (1 + 0.3 * np.exp(-t / 3))
    dx = diagnose_curve(SeedCurves(seed=0, train_loss=0.9 * val, val_loss=val), baseline_loss=1.2)
    assert dx.category == "good_fit"
    assert dx.uncertain is not None and "last epoch" in dx.uncertain
