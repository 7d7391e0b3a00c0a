"""The advice line agrees with the curve it is printed beside.

Every "V at epoch E" an advice line quotes is the curve's recorded validation loss at epoch E;
levels read from the smoothed curve are called smoothed; directions are right.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from study.curves import SeedCurves
from study.diagnosis import Diagnosis, diagnose_curve

_AT_EPOCH = re.compile(r"(?<!smoothed )(\d[\d.e+-]*) at epoch (\d+)")


def _quoted(advice: str) -> list[tuple[str, int]]:
    return [(value, int(epoch)) for value, epoch in _AT_EPOCH.findall(advice)]


def _assert_quotes_the_curve(dx: Diagnosis, val: np.ndarray) -> None:
    quoted = _quoted(dx.advice)
    assert quoted, dx.advice
    for value, epoch in quoted:
        assert value == f"{val[epoch - 1]:.3g}", (value, epoch, dx.advice)


def _noise(n: int, sigma: float, seed: int = 0) -> np.ndarray:
    return np.exp(np.random.default_rng(seed).normal(0, sigma, n))


def _rising(trimmed: np.ndarray | None = None, val_samples: int | None = None) -> SeedCurves:
    """Validation falls to epoch 40, then rises 1.4x by epoch 200; training keeps falling."""
    t = np.arange(200, dtype=np.float64)
    val = 0.1 * np.exp(-np.minimum(t, 40) / 15 + np.log(1.4) * np.clip((t - 40) / 160, 0, 1))
    return SeedCurves(
        seed=0,
        train_loss=0.1 * np.exp(-t / 30),
        val_loss=val * _noise(200, 0.01),
        val_samples=val_samples,
        val_loss_trimmed=trimmed,
    )


def _levelled(n: int = 200, seed: int = 0) -> SeedCurves:
    t = np.arange(n, dtype=np.float64)
    val = (0.2 + 0.8 * np.exp(-t / 10)) * _noise(n, 0.02, seed)
    return SeedCurves(seed=0, train_loss=(0.15 + 0.85 * np.exp(-t / 10)), val_loss=val)


def test_good_fit_advice_quotes_the_curve_at_its_epochs() -> None:
    curves = _levelled()
    dx = diagnose_curve(curves)
    assert dx.category == "good_fit"
    _assert_quotes_the_curve(dx, curves.val_loss)


def test_turning_point_advice_quotes_the_curve_at_its_epochs() -> None:
    curves = _rising()
    dx = diagnose_curve(curves)
    assert dx.kind == "turning_point"
    _assert_quotes_the_curve(dx, curves.val_loss)


def test_still_improving_advice_quotes_the_curve_at_its_epochs() -> None:
    t = np.arange(1, 101, dtype=np.float64)
    curves = SeedCurves(seed=0, train_loss=2e-4 * t**-0.9, val_loss=3e-4 * t**-0.8)
    dx = diagnose_curve(curves)
    assert dx.kind == "still_improving"
    _assert_quotes_the_curve(dx, curves.val_loss)


def test_a_rise_the_trimmed_curve_does_not_show_is_carried_by_a_few_samples() -> None:
    curves = _rising(val_samples=45)
    flat = 0.08 * np.exp(-np.minimum(np.arange(200), 40) / 15)
    dx = diagnose_curve(dataclasses.replace(curves, val_loss_trimmed=flat))
    assert dx.category == "good_fit"
    assert "carried by the 2 worst of its 45 samples" in dx.advice


def test_a_rise_the_trimmed_curve_shows_is_not_called_carried_by_a_few_samples() -> None:
    t = np.arange(200)
    # the trimmed curve rises past its threshold too, but only over the last few epochs
    late = 0.08 * np.exp(-np.minimum(t, 40) / 15 + np.log(1.6) * (t >= 192))
    dx = diagnose_curve(dataclasses.replace(_rising(val_samples=45), val_loss_trimmed=late))
    assert dx.category == "good_fit"
    details = dx.evidence.details
    assert details["trimmed_val_rise"] >= details["trimmed_rise_threshold"]
    assert "carried by the" not in dx.advice
    assert "not carried by a few samples alone" in dx.advice


def test_a_level_above_the_baseline_is_called_above_it() -> None:
    t = np.arange(100, dtype=np.float64)
    val = 0.6 * _noise(100, 0.005)
    train = 0.55 + 0.15 * np.exp(-t / 10)
    dx = diagnose_curve(SeedCurves(seed=0, train_loss=train, val_loss=val), baseline_loss=0.5)
    assert (dx.category, dx.kind) == ("underfit", "capacity")
    assert re.search(r"1\.19× above the baseline 0\.5", dx.advice), dx.advice
    assert "below the baseline" not in dx.advice


def test_a_good_fit_at_its_best_on_the_last_epoch_does_not_say_keep() -> None:
    t = np.arange(40, dtype=np.float64)
    # falling still, by less than a doubling of the epochs would count as improving
    val = 0.3 * (1 + 0.02 * np.exp(-t / 40)) * (1 + 0.3 * np.exp(-t / 3))
    dx = diagnose_curve(SeedCurves(seed=0, train_loss=0.9 * val, val_loss=val), baseline_loss=1.2)
    assert (dx.category, dx.evidence.best_epoch) == ("good_fit", 40)
    assert "keep this configuration" not in dx.advice
    assert "settles" not in dx.advice
    assert "train longer" in dx.advice


def test_validation_below_the_running_training_loss_is_named() -> None:
    curves = _levelled()
    with_dropout = dataclasses.replace(curves, fit_loss=1.7 * curves.val_loss)
    dx = diagnose_curve(with_dropout)
    assert dx.category == "good_fit"
    assert "below Keras' running training loss" in dx.advice
    assert dx.evidence.details["running_to_val_ratio"] == pytest.approx(1.7, rel=0.05)


def test_a_running_loss_close_to_validation_is_not_named() -> None:
    curves = _levelled()
    dx = diagnose_curve(dataclasses.replace(curves, fit_loss=curves.train_loss))
    assert "running training loss" not in dx.advice


def test_a_lowest_single_epoch_far_from_the_best_is_quoted_from_the_curve() -> None:
    curves = _levelled()
    val = curves.val_loss.copy()
    val[60] = 0.5 * val[60:].min()  # one lucky epoch, far from where the curve levels off
    dx = diagnose_curve(dataclasses.replace(curves, val_loss=val))
    assert dx.category == "good_fit"
    assert f"lowest single epoch ({val[60]:.3g} at epoch 61)" in dx.advice
    _assert_quotes_the_curve(dx, val)


def test_a_lowest_single_epoch_near_the_best_is_not_repeated() -> None:
    assert "lowest single epoch" not in diagnose_curve(_levelled()).advice
