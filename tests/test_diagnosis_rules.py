from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from study.curves import SeedCurves
from study.diagnosis import CATEGORIES, KINDS, Diagnosis, DiagnosisConfig, diagnose_curve
from tests.corpus import load_corpus, load_real, make_curve


def _curves(train: np.ndarray, val: np.ndarray, **kwargs: object) -> SeedCurves:
    return SeedCurves(seed=0, train_loss=train, val_loss=val, epochs_planned=len(val), **kwargs)  # type: ignore[arg-type]


def _noisy(values: np.ndarray, sigma: float = 0.02, seed: int = 0) -> np.ndarray:
    return values * np.exp(np.random.default_rng(seed).normal(0, sigma, len(values)))


def _decay(n: int, final: float, tau: float, scale: float = 1.0) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    return scale * (final + (1 - final) * np.exp(-t / tau))


def _overfit_val(n: int, t_min: int, rise: float, scale: float = 1.0) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    after = np.clip((t - t_min) / (n - t_min), 0, None)
    return _decay(n, 0.1, t_min / 4, scale) * np.exp(np.log(rise) * after**1.5)


def _overfit(n: int = 1000, t_min: int = 400, rise: float = 3.0, scale: float = 1.0) -> SeedCurves:
    train = _decay(n, 0.005, t_min / 3, scale)
    return _curves(_noisy(train, 0.01, 1), _noisy(_overfit_val(n, t_min, rise, scale), 0.03, 2))


def _two_moons(n: int = 4000) -> SeedCurves:
    """Validation flat over epochs ~200-450, true minimum near 800, rising by 4000."""
    t = np.arange(1, n + 1, dtype=np.float64)
    first = np.log(0.45) * np.clip(t / 200, 0, 1) ** 0.5
    second = np.log(0.75) * np.clip((t - 450) / 350, 0, 1) ** 0.7
    rise = np.log(4.0) * np.clip((t - 800) / 3200, 0, None) ** 1.3
    val = 0.69 * np.exp(first + second + rise)
    train = _decay(n, 1e-3, 300, 0.69)
    return _curves(_noisy(train, 0.02, 3), _noisy(val, 0.03, 4))


# --------------------------------------------------------------------- every category


def test_overfit_turning_point_reports_the_minimum_and_the_rise() -> None:
    dx = diagnose_curve(_overfit())
    assert (dx.category, dx.kind) == ("overfit", "turning_point")
    true_best = int(np.argmin(_overfit_val(1000, 400, 3.0))) + 1
    assert abs((dx.evidence.best_epoch or 0) - true_best) <= 50
    assert dx.evidence.val_rise is not None and dx.evidence.val_rise > 2
    assert f"epoch {dx.evidence.best_epoch}" in dx.advice


def test_good_fit() -> None:
    train, val = _decay(500, 0.1, 40), _decay(500, 0.11, 40)
    dx = diagnose_curve(_curves(_noisy(train, 0.01), _noisy(val, 0.02, 1)))
    assert dx.category == "good_fit"
    assert dx.kind is None


def test_still_improving() -> None:
    t = np.arange(1, 301, dtype=np.float64)
    dx = diagnose_curve(_curves(_noisy(t**-0.6), _noisy(1.1 * t**-0.5, seed=1)))
    assert (dx.category, dx.kind) == ("underfit", "still_improving")
    assert "train longer" in dx.advice


def test_capacity_levels_off_high() -> None:
    dx = diagnose_curve(
        _curves(_noisy(_decay(300, 0.7, 10)), _noisy(_decay(300, 0.75, 10), seed=1))
    )
    assert (dx.category, dx.kind) == ("underfit", "capacity")


def test_not_learning() -> None:
    dx = diagnose_curve(_curves(_noisy(np.full(200, 0.69)), _noisy(np.full(200, 0.70), seed=1)))
    assert dx.category == "not_learning"


def _flat() -> SeedCurves:
    return _curves(_noisy(np.full(200, 0.69)), _noisy(np.full(200, 0.70), seed=1))


def test_flat_curve_is_not_learning_when_other_trials_reach_far_lower() -> None:
    assert diagnose_curve(_flat(), reached_loss=0.2).category == "not_learning"


def test_flat_curve_is_a_hedged_good_fit_when_no_trial_reaches_lower() -> None:
    dx = diagnose_curve(_flat(), reached_loss=0.68)
    assert dx.category == "good_fit"
    assert dx.uncertain is not None and "no trial of the study learns much" in dx.uncertain
    assert "the inputs may carry little signal" in dx.advice


def test_oscillating() -> None:
    base = _decay(300, 0.2, 20)
    dx = diagnose_curve(_curves(_noisy(base, 0.5), _noisy(base, 0.5, seed=1)))
    assert (dx.category, dx.kind) == ("unstable", "oscillating")


def test_validation_better_with_dropout_off_training_loss() -> None:
    val = _noisy(_decay(300, 0.2, 20))
    dx = diagnose_curve(_curves(val * 1.8, val))
    assert dx.category == "validation_better"


def _creep(n: int, start: int, factor: float = 1.07) -> np.ndarray:
    """A mild sustained rise of validation after ``start``: evidence that stopping helps."""
    return np.exp(np.log(factor) * np.clip((np.arange(n) - start) / (n - start), 0, 1))


def test_memorising_by_loss() -> None:
    train = _decay(500, 1e-4, 50)
    val = _decay(500, 0.7, 20) * _creep(500, 150)
    dx = diagnose_curve(_curves(_noisy(train), _noisy(val, seed=1)))
    assert (dx.category, dx.kind) == ("overfit", "memorising")


def test_memorising_that_costs_nothing_on_validation_is_a_good_fit() -> None:
    train = _decay(500, 1e-4, 50)
    val = _decay(500, 0.7, 20)
    dx = diagnose_curve(_curves(_noisy(train), _noisy(val, seed=1)))
    assert dx.category == "good_fit"


def _memorising_on(val_samples: int, trimmed_factor: float) -> Diagnosis:
    """Training to near zero, validation creeping up 7 % after its minimum on ``val_samples``
    samples; the trimmed curve (without the worst two) creeps by ``trimmed_factor``."""
    train = _decay(500, 1e-4, 50)
    val = _noisy(_decay(500, 0.7, 20) * _creep(500, 150), 0.005, seed=1)
    trimmed = _noisy(_decay(500, 0.65, 20) * _creep(500, 150, trimmed_factor), 0.005, seed=2)
    curves = _curves(_noisy(train), val, val_samples=val_samples, val_loss_trimmed=trimmed)
    return diagnose_curve(curves)


def test_memorising_on_a_large_set_whose_trimmed_curve_rises_too() -> None:
    # The validation size's margin (48/314: a rise under ~1.2x) would excuse a 7 % creep;
    # the trimmed curve creeps too, so no few samples carry it.
    dx = _memorising_on(314, trimmed_factor=1.07)
    assert (dx.category, dx.kind) == ("overfit", "memorising")
    assert "carried by a few" not in (dx.uncertain or "")


def test_memorising_whose_rise_only_the_worst_samples_carry_is_a_good_fit() -> None:
    dx = _memorising_on(314, trimmed_factor=1.0)
    assert dx.category == "good_fit"


def _small_rise_on(trimmed_factor: float) -> Diagnosis:
    """Training falling to a tenth (not near zero), validation creeping up 12 % over the last
    half on 314 samples; the trimmed curve creeps by ``trimmed_factor``."""
    train = _decay(200, 0.1, 30)
    val = _noisy(_decay(200, 0.5, 15) * _creep(200, 100, 1.12), 0.005, seed=1)
    trimmed = _noisy(_decay(200, 0.48, 15) * _creep(200, 100, trimmed_factor), 0.005, seed=2)
    return diagnose_curve(_curves(_noisy(train), val, val_samples=314, val_loss_trimmed=trimmed))


def test_a_small_rise_the_trimmed_curve_shows_too_is_a_turning_point() -> None:
    dx = _small_rise_on(trimmed_factor=1.12)
    assert (dx.category, dx.kind) == ("overfit", "turning_point")
    assert "carried by a few" not in (dx.uncertain or "")


def test_a_small_rise_only_the_worst_samples_carry_is_not_overfit() -> None:
    assert _small_rise_on(trimmed_factor=1.0).category != "overfit"


def test_memorising_by_accuracy() -> None:
    n = 300
    train, val = _decay(n, 0.08, 30), _decay(n, 0.6, 15) * _creep(n, 100)
    train_acc = 0.5 + 0.5 * (1 - np.exp(-np.arange(n) / 30))
    val_acc = 0.5 + 0.26 * (1 - np.exp(-np.arange(n) / 15))
    dx = diagnose_curve(
        _curves(_noisy(train), _noisy(val, seed=1), train_metric=train_acc, val_metric=val_acc)
    )
    assert (dx.category, dx.kind) == ("overfit", "memorising")
    assert dx.evidence.details["train_accuracy"] > 0.99


def test_blowup_is_diverged() -> None:
    n = 300
    climb = np.exp(np.clip(np.arange(n) - 150, 0, None) / 20)
    base = _decay(n, 0.1, 20)
    dx = diagnose_curve(_curves(base * climb, base * climb * 1.1))
    assert (dx.category, dx.kind) == ("unstable", "diverged")


# --------------------------------------------------------------------------------- traps


def test_gap_without_rise_is_underfit_capacity_not_overfit() -> None:
    train = _noisy(_decay(400, 0.3, 20))
    val = _noisy(_decay(400, 0.8, 10), seed=1)
    dx = diagnose_curve(_curves(train, val))
    assert (dx.category, dx.kind) == ("underfit", "capacity")
    assert dx.evidence.gap_ratio is not None and dx.evidence.gap_ratio > 2


def test_single_bump_that_recovers_is_not_overfit() -> None:
    train, val = _decay(500, 0.1, 40), _noisy(_decay(500, 0.11, 40), 0.02, 1)
    val[300] *= 5
    val[301:304] *= 2
    dx = diagnose_curve(_curves(_noisy(train, 0.01), val))
    assert dx.category == "good_fit"


@pytest.mark.parametrize("keras_log", [False, True])
def test_dropout_only_gap_is_not_validation_better(keras_log: bool) -> None:
    val = _noisy(_decay(300, 0.2, 20))
    fit = val * 1.6  # Keras' running loss with dropout on sits above validation
    train = fit if keras_log else _noisy(val * 1.02, seed=2)
    dx = diagnose_curve(_curves(train, val, fit_loss=fit))
    assert dx.category != "validation_better"
    expected = "running" if keras_log else "dropout_off"
    assert dx.evidence.details["train_loss_source"] == expected


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_is_diverged_with_the_epoch(bad: float) -> None:
    train, val = _decay(100, 0.1, 10), _decay(100, 0.1, 10)
    val[60:] = bad
    dx = diagnose_curve(_curves(train, val))
    assert (dx.category, dx.kind) == ("unstable", "diverged")
    assert dx.evidence.details["first_nonfinite_epoch"] == 61
    assert dx.evidence.epochs == 100
    assert "epoch 61" in dx.advice
    json.dumps(dx.to_dict(), allow_nan=False)


def test_all_nan_is_diverged_without_crashing() -> None:
    dx = diagnose_curve(_curves(np.full(10, np.nan), np.full(10, np.nan)))
    assert (dx.category, dx.kind) == ("unstable", "diverged")
    assert dx.evidence.best_epoch is None


def test_exploding_loss_is_diverged_not_flat() -> None:
    """A loss that reaches 1e30 must not flatten the rest of the curve (log floor)."""
    train = np.array([0.42, 0.57, 8.6, 1.8, 3.9, 0.72, 0.49, 0.31, 0.96, 6.1, 1.3, 3e4, 1e6, 5e30])
    val = train * 1.2
    dx = diagnose_curve(_curves(train, val))
    assert (dx.category, dx.kind) == ("unstable", "diverged")


def test_validation_jump_to_huge_loss_is_diverged() -> None:
    train = np.concatenate([[0.62], np.full(99, 0.47)])
    val = np.concatenate([[0.68], np.full(99, 6e9)])
    assert diagnose_curve(_curves(train, val)).kind == "diverged"


def test_flat_curve_slightly_below_baseline_is_not_learning() -> None:
    train, val = np.full(300, 0.55), np.full(300, 0.607)
    assert diagnose_curve(_curves(train, val), baseline_loss=0.697).category == "not_learning"


def test_stop_diverged_is_diverged() -> None:
    curves = _curves(_decay(50, 0.1, 5), _decay(50, 0.1, 5), stop="diverged")
    assert diagnose_curve(curves).kind == "diverged"


def test_flat_spot_that_recovers_is_not_overfit() -> None:
    n = 1000
    t = np.arange(n, dtype=np.float64)
    warped = np.where(t < 150, t, np.maximum(150, t - 200))  # a 200-epoch plateau
    val = _noisy(_decay(n, 0.1, 120)[warped.astype(int)], 0.02)
    train = _noisy(_decay(n, 0.09, 120)[warped.astype(int)], 0.01, 1)
    assert diagnose_curve(_curves(train, val)).category != "overfit"
    during = diagnose_curve(_curves(train, val).truncated(340))
    assert during.category != "overfit"


def test_two_moons_is_a_turning_point_near_epoch_800() -> None:
    dx = diagnose_curve(_two_moons())
    assert (dx.category, dx.kind) == ("overfit", "turning_point")
    assert 650 <= (dx.evidence.best_epoch or 0) <= 950


def test_two_moons_plateau_is_not_overfit_yet() -> None:
    dx = diagnose_curve(_two_moons().truncated(450))
    assert dx.category != "overfit"


@pytest.mark.parametrize("scale", [1e-5, 1e-2, 1.0, 1e2])
def test_verdict_does_not_depend_on_the_loss_scale(scale: float) -> None:
    base = diagnose_curve(_overfit())
    scaled = diagnose_curve(_overfit(scale=scale))
    assert (scaled.category, scaled.kind) == (base.category, base.kind)
    assert scaled.evidence.best_epoch == base.evidence.best_epoch


@pytest.mark.parametrize("n", [20, 50, 300, 5000])
def test_lengths_from_20_to_5000(n: int) -> None:
    dx = diagnose_curve(_overfit(n=n, t_min=int(0.35 * n)))
    assert (dx.category, dx.kind) == ("overfit", "turning_point")


def test_very_short_curve_answers_with_low_confidence() -> None:
    dx = diagnose_curve(_curves(np.array([1.0, 0.8, 0.7]), np.array([1.0, 0.85, 0.75])))
    assert dx.category in CATEGORIES
    assert dx.confidence <= 0.2


def test_one_epoch_curve_still_answers() -> None:
    dx = diagnose_curve(_curves(np.array([1.0]), np.array([1.1])))
    assert dx.category in CATEGORIES


def test_no_epoch_raises() -> None:
    with pytest.raises(ValueError, match="no epoch"):
        diagnose_curve(_curves(np.array([]), np.array([])))


def test_zero_losses_do_not_crash() -> None:
    train = np.concatenate([_decay(50, 0.01, 5), np.zeros(50)])
    dx = diagnose_curve(_curves(train, _decay(100, 0.3, 10)))
    assert dx.category in CATEGORIES


def test_baseline_makes_a_flat_but_good_curve_not_underfit() -> None:
    """A model that learnt within its first epoch looks flat; the baseline says it learnt."""
    train, val = _noisy(np.full(200, 0.05), 0.01), _noisy(np.full(200, 0.055), 0.01, 1)
    assert diagnose_curve(_curves(train, val)).category == "not_learning"
    assert diagnose_curve(_curves(train, val), baseline_loss=0.69).category == "good_fit"


def test_capacity_is_judged_against_the_baseline() -> None:
    curves = _curves(_noisy(_decay(300, 0.3, 10)), _noisy(_decay(300, 0.35, 10), seed=1))
    assert diagnose_curve(curves).category == "good_fit"
    dx = diagnose_curve(curves, baseline_loss=0.5)
    assert (dx.category, dx.kind) == ("underfit", "capacity")
    assert dx.evidence.details["reference"] == "baseline"


def test_capacity_needs_other_trials_to_have_done_better_when_known() -> None:
    curves = _curves(_noisy(_decay(300, 0.3, 10)), _noisy(_decay(300, 0.35, 10), seed=1))
    dx = diagnose_curve(curves, baseline_loss=0.5, reached_loss=0.1)
    assert (dx.category, dx.kind) == ("underfit", "capacity")


def test_capacity_judged_against_the_baseline_alone_is_less_confident() -> None:
    curves = _curves(_noisy(_decay(300, 0.3, 10)), _noisy(_decay(300, 0.35, 10), seed=1))
    alone = diagnose_curve(curves, baseline_loss=0.5)
    compared = diagnose_curve(curves, baseline_loss=0.5, reached_loss=0.1)
    assert alone.kind == compared.kind == "capacity"
    assert alone.confidence < compared.confidence


def _still_fitting_training() -> SeedCurves:
    """Validation settles 1.2x below its start while training keeps falling steadily."""
    t = np.arange(300, dtype=np.float64)
    train = np.exp(-0.004 * t) * (0.75 + 0.25 * np.exp(-t / 10))
    return _curves(_noisy(train), _noisy(_decay(300, 0.8, 10), seed=1))


def test_a_plateau_while_training_still_falls_is_not_capacity() -> None:
    dx = diagnose_curve(_still_fitting_training())
    assert dx.kind != "capacity"


def test_beside_better_trials_a_plateau_is_capacity_while_training_falls() -> None:
    dx = diagnose_curve(_still_fitting_training(), reached_loss=0.4)
    assert (dx.category, dx.kind) == ("underfit", "capacity")


def test_levelling_off_where_no_other_trial_did_better_is_a_good_fit() -> None:
    """Little signal in the data: every configuration levels off near the baseline."""
    curves = _curves(_noisy(_decay(300, 0.3, 10)), _noisy(_decay(300, 0.35, 10), seed=1))
    dx = diagnose_curve(curves, baseline_loss=0.5, reached_loss=0.33)
    assert dx.category == "good_fit"


def _small_digit_classifier() -> SeedCurves:
    """Ten classes (baseline log loss 2.3); a few hidden units level off at 1.2."""
    train, val = _decay(200, 0.5, 10, 2.3), _decay(200, 0.52, 10, 2.3)
    return _curves(_noisy(train), _noisy(val, seed=1))


def test_a_plateau_far_below_the_baseline_is_a_good_fit_without_other_trials() -> None:
    assert diagnose_curve(_small_digit_classifier(), baseline_loss=2.3).category == "good_fit"


def test_a_plateau_many_times_above_what_others_reached_is_capacity() -> None:
    dx = diagnose_curve(_small_digit_classifier(), baseline_loss=2.3, reached_loss=0.1)
    assert (dx.category, dx.kind) == ("underfit", "capacity")
    assert "other trials reached" in dx.advice


def test_a_plateau_a_few_times_above_what_others_reached_keeps_its_verdict() -> None:
    dx = diagnose_curve(_small_digit_classifier(), baseline_loss=2.3, reached_loss=0.6)
    assert dx.category == "good_fit"


def test_config_changes_the_verdict() -> None:
    curves = _overfit(rise=1.3)
    assert diagnose_curve(curves).category == "overfit"
    strict = DiagnosisConfig(rise_ratio=2.0)
    assert diagnose_curve(curves, config=strict).kind != "turning_point"


# ------------------------------------------------------------------- live (prefix) use


def test_falling_prefix_is_still_improving() -> None:
    dx = diagnose_curve(_overfit().truncated(250))
    assert (dx.category, dx.kind) == ("underfit", "still_improving")


def test_prefix_with_sustained_rise_is_overfit_with_pruner_numbers() -> None:
    dx = diagnose_curve(_overfit(n=1000, t_min=300, rise=20).truncated(700))
    assert (dx.category, dx.kind) == ("overfit", "turning_point")
    details = dx.evidence.details
    assert details["epochs_since_best"] == 700 - (dx.evidence.best_epoch or 0)
    assert details["rise_sustained_epochs"] >= details["rise_sustain_needed"]


def test_prefix_just_after_minimum_is_not_overfit_yet() -> None:
    dx = diagnose_curve(_overfit(n=1000, t_min=400).truncated(430))
    assert dx.category != "overfit"
    assert dx.evidence.details["rise_sustained_epochs"] == 0


# ------------------------------------------------------------------------ the evidence


def _assert_complete(dx: Diagnosis) -> None:
    ev = dx.evidence
    for name in (
        "best_epoch",
        "best_val_loss",
        "final_train_loss",
        "final_val_loss",
        "gap",
        "gap_ratio",
        "train_trend",
        "val_trend",
        "val_rise",
    ):
        assert getattr(ev, name) is not None, name
    assert 0.0 <= dx.confidence <= 1.0
    assert "\n" not in dx.advice
    json.dumps(dx.to_dict(), allow_nan=False)
    assert Diagnosis.from_dict(json.loads(json.dumps(dx.to_dict()))) == dx


def test_evidence_is_complete_and_json_able() -> None:
    _assert_complete(diagnose_curve(_overfit()))


def test_evidence_epochs_are_one_based() -> None:
    val = np.array([5.0, 4.0, 1.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    dx = diagnose_curve(_curves(val.copy(), val))
    assert dx.evidence.details["raw_best_epoch"] == 3


# -------------------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def corpus_results() -> list[tuple[str, str | None, str, str | None]]:
    out = []
    for item in load_corpus():
        dx = diagnose_curve(item.curves, baseline_loss=item.baseline_loss)
        if dx.kind != "diverged":
            _assert_complete(dx)
        out.append((item.category, item.kind, dx.category, dx.kind))
    return out


def test_real_curves_are_loaded_when_present(tmp_path: Path) -> None:
    rows = ["epoch,train_loss,val_loss,fit_loss,train_metric,val_metric"]
    rows += [f"{i},{1 / (i + 1)},{1.1 / (i + 1)},{1.3 / (i + 1)},," for i in range(30)]
    (tmp_path / "a.csv").write_text("\n".join(rows))
    labels = {
        "a.csv": {
            "category": "underfit",
            "kind": "still_improving",
            "config": {"task": "sequence", "baseline_loss": 2.0},
        }
    }
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    (item,) = load_real(tmp_path)
    assert (item.category, item.kind, item.source) == ("underfit", "still_improving", "real")
    assert item.baseline_loss == 2.0
    assert item.curves.epochs_trained == 30
    assert load_real(tmp_path / "missing") == []


def test_corpus_covers_every_category_and_kind() -> None:
    labels = {(c.category, c.kind) for c in load_corpus(per_kind=12)}
    for category in CATEGORIES:
        for kind in KINDS[category] or (None,):
            assert (category, kind) in labels


def test_corpus_is_deterministic() -> None:
    a, b = load_corpus(per_kind=3), load_corpus(per_kind=3)
    assert [
        np.array_equal(x.curves.val_loss, y.curves.val_loss, equal_nan=True)
        for x, y in zip(a, b, strict=True)
    ] == [True] * len(a)


def test_corpus_accuracy_per_category(corpus_results: list) -> None:
    totals = Counter(true for true, _, _, _ in corpus_results)
    right = Counter(true for true, _, pred, _ in corpus_results if pred == true)
    for category in CATEGORIES:
        assert right[category] / totals[category] >= 0.9, category
    assert sum(right.values()) / len(corpus_results) >= 0.95


def test_corpus_good_fit_is_almost_never_called_overfit(corpus_results: list) -> None:
    good = [pred for true, _, pred, _ in corpus_results if true == "good_fit"]
    assert good.count("overfit") / len(good) <= 0.02


def test_corpus_kinds_within_the_right_category(corpus_results: list) -> None:
    same = [(k, pk) for t, k, p, pk in corpus_results if t == p]
    assert sum(k == pk for k, pk in same) / len(same) >= 0.9


@pytest.mark.parametrize("variant", ["flat_spot", "bump", "dropout_on", "keras_log"])
def test_good_fit_trap_variants_are_never_overfit(variant: str) -> None:
    for i in range(15):
        item = make_curve("good_fit", None, variant, np.random.default_rng([7, i]))
        dx = diagnose_curve(item.curves, baseline_loss=item.baseline_loss)
        assert dx.category not in ("overfit", "validation_better"), (variant, i)
