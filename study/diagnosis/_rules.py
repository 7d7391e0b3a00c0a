"""Diagnose one learning curve: which fit category its shape shows, and how clearly.

The rules are tried in order and the first that fires gives the verdict:

1. ``unstable``/``diverged``: a loss is NaN or infinite, the seed stopped as diverged, or a
   loss ends ``explode_ratio`` above its start.
2. ``unstable``/``oscillating``: the validation loss swings widely around its smoothed trend,
   or spikes repeatedly.
3. ``unstable``/``diverged``: the training loss climbs back most of the way to its start and
   ends well above its minimum (the optimiser blew up).
4. ``not_learning``: neither loss fell materially from its start, validation is not far
   below the baseline (a curve that is flat because it learnt within its first epoch is not
   "not learning"), and, when the lowest validation loss other trials reached is known, it is
   at least ``capacity_gain`` below this curve (when no configuration gets lower, the flat
   level is what the data allow: a good fit that says so).
5. ``overfit``/``turning_point``: the smoothed validation loss rose above its minimum by the
   rise ratio plus a noise margin (and a sampling margin for a small validation set), and has
   stayed there for a sustained share of the epochs. A plateau, a bump that recovers, or "no
   improvement for N epochs" never fires this rule. When the curves record the trimmed
   validation loss and it rises past the rise ratio and its own noise too, the rise is broad
   and the sampling margin does not apply (see :mod:`._rise`); an overfit whose rise the
   trimmed curve does not show is carried by a few samples and gets a lower confidence.
6. ``overfit``/``memorising``: training went near zero (loss far below its reference, or
   accuracy near 100 %) while validation, no longer improving, stalls far above it, and has
   crept up from its minimum by a small margin beyond noise (``memorise_rise``) for a sustained
   share of the epochs: evidence that stopping or regularising would help. Without that, a
   near-zero training loss beside a flat validation loss costs nothing and is a good fit.
7. ``overfit``/``turning_point`` again, for a small rise: from ``small_rise_ratio`` plus the
   same margins, lasting as long, while the training loss kept falling since the minimum
   (validation traded for training). After rule 6, which names the more specific shape.
   In rules 6 and 7 the validation size's margin applies only when the trimmed curve does
   not rise by as much for as long: a small rise that it shows too is not a few samples'.
8. ``underfit``/``still_improving``: the recent log-log slope of validation says doubling the
   epochs would still lower it materially (before ``validation_better``: a series whose later,
   validation part is easier still gains from more epochs, and that is the advice to give).
9. ``validation_better``: validation stays below the training loss over the last half. The
   training loss compared is the dropout-off one; when only Keras' running dropout-on loss is
   known, a much larger margin is required.
10. ``underfit``/``capacity``: validation has levelled off less than ``capacity_gain`` below
   the reference loss (the baseline, else the curve's start), training is not near zero (a
   model that fits its training data near zero is not short of capacity), and, when the
   lowest validation loss other trials reached is known, it is at least ``capacity_gain``
   below this curve (else the level is what the data allow). A wide train/validation gap does
   not change this: a gap without a rise is not overfit. Without that lowest loss, the
   verdict has only the baseline to go by and gets a lower confidence. With it, a level
   ``capacity_reached_ratio`` or more above it is ``capacity`` too, however far below the
   baseline it is: other configurations reach many times lower on the same data.
11. ``good_fit`` otherwise.

A verdict the curve cannot settle (a rise that a few samples of a small validation set can
cause, a capacity verdict without other trials to compare with, a confidence below
``uncertain_confidence``) says why in its ``uncertain`` field.

Rules measure on log losses (scale-free; see :mod:`._config`). Applied to a prefix of a curve
(live, during training) they answer for the epochs seen so far.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from study.curves import SeedCurves
from study.diagnosis._advice import advise, empty_evidence, evidence, nonfinite_advice
from study.diagnosis._confidence import confidence, uncertainty
from study.diagnosis._config import DiagnosisConfig
from study.diagnosis._features import Features, extract
from study.diagnosis._records import Category, Diagnosis, Kind

__all__ = ["diagnose_curve"]


@dataclasses.dataclass(frozen=True)
class _Verdict:
    category: Category
    kind: Kind | None
    margin: float  # how far past its thresholds, in units of the threshold (>= 0)


def diagnose_curve(
    curves: SeedCurves,
    *,
    config: DiagnosisConfig | None = None,
    baseline_loss: float | None = None,
    reached_loss: float | None = None,
) -> Diagnosis:
    """Diagnose the fit shown by one seed's learning curves.

    Args:
        curves: The curves; a prefix of a run in progress is fine.
        config: Thresholds; the defaults when ``None``.
        baseline_loss: Validation loss of the trivial predictor (training mean for regression,
            class prior for classification). Underfitting is judged against it; without it,
            against the curve's own starting loss.
        reached_loss: The lowest validation loss other trials of the same task reached (a
            study's best so far), if known. A curve that levels off barely below the baseline
            is short of capacity only when others did materially better (by
            ``capacity_gain``): on data with little signal, nobody does, and that level is a
            good fit.

    Returns:
        The diagnosis. Curves shorter than ``config.short_epochs`` get a lower confidence.

    Raises:
        ValueError: The curves have no epoch.
    """
    config = DiagnosisConfig() if config is None else config
    if curves.epochs_trained == 0:
        raise ValueError(f"Seed {curves.seed} has no epoch to diagnose.")
    baseline = _usable_baseline(baseline_loss)
    cut = _first_nonfinite(curves)
    if cut is not None or curves.stop == "diverged":
        return _nonfinite(curves, cut, config, baseline)
    features = extract(curves, config, baseline, _usable_baseline(reached_loss))
    verdict = _decide(features, config)
    sure = confidence(verdict.category, verdict.kind, verdict.margin, features, config)
    return Diagnosis(
        category=verdict.category,
        kind=verdict.kind,
        confidence=sure,
        evidence=evidence(features, epochs=features.epochs, extra={"stop": curves.stop}),
        advice=advise(verdict.category, verdict.kind, features, config),
        uncertain=uncertainty(verdict.category, verdict.kind, features, sure, config),
    )


def _decide(f: Features, config: DiagnosisConfig) -> _Verdict:
    for rule in _RULES:
        verdict = rule(f, config)
        if verdict is not None:
            return verdict
    return _good_fit(f, config)


def _exploded(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    explode = math.log(c.explode_ratio)
    margin = f.explosion / explode - 1
    return _Verdict("unstable", "diverged", margin) if margin >= 0 else None


def _blowup(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    climb = f.train_final - float(np.min(f.s_train))
    if f.train_regress < c.regress_fraction or climb < math.log(c.diverge_ratio):
        return None
    margin = min(f.train_regress / c.regress_fraction, climb / math.log(c.diverge_ratio)) - 1
    return _Verdict("unstable", "diverged", margin)


def _oscillating(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    rate = f.spikes / max(f.epochs - f.epochs // 4, 1) if f.spikes >= c.min_spikes else 0.0
    margin = max(f.noise / c.oscillation_sigma, rate / c.spike_fraction) - 1
    return _Verdict("unstable", "oscillating", margin) if margin >= 0 else None


def _not_learning(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    # Smoothed starts: a flat curve's first epoch is as noisy as any other.
    noise = c.noise_z * f.noise * math.sqrt(2 / f.window)
    threshold = math.log(c.not_learning_gain) + noise
    if f.ref_source == "baseline" and f.ref - f.val_best >= math.log(c.capacity_gain):
        return None  # flat, but far below the baseline: it learnt within the first epoch
    if f.near_reached(math.log(c.capacity_gain)):
        return None  # flat, but no other trial got materially lower: the data allow no more
    if f.start_gain >= threshold:
        return None
    return _Verdict("not_learning", None, 1 - max(f.start_gain, 0.0) / threshold)


def _turning_point(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    if f.rise < f.rise_threshold or f.sustained < f.sustain_needed:
        return None
    margin = min(f.rise / f.rise_threshold, f.sustained / f.sustain_needed) - 1
    return _Verdict("overfit", "turning_point", margin)


def _small_rise(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    """A rise below ``rise_ratio`` but clear of the margins, lasting, with training falling.

    A rise the trimmed curve shows as well is not excused by the validation size's margin."""
    small = math.log(c.small_rise_ratio)
    level = small + _margin_at(f, small)
    if f.rise < level or f.train_fall_since_best < small:
        return None
    lasted = _epochs_above(f, level)
    if lasted < f.sustain_needed:
        return None
    margin = min(f.rise / level, lasted / f.sustain_needed, f.train_fall_since_best / small) - 1
    return _Verdict("overfit", "turning_point", margin)


def _memorising(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    if _improving(f, c) >= 0 or not _stopping_helps(f, c):
        return None
    near_zero = math.log(c.memorise_train_gain)
    margins = []
    if f.train_progress >= near_zero:
        share = f.val_progress / f.train_progress
        if share <= c.memorise_val_share:
            margins.append(min(f.train_progress / near_zero - 1, 1 - share / c.memorise_val_share))
    if f.train_accuracy is not None and f.val_accuracy is not None:
        gap = f.train_accuracy - f.val_accuracy
        if f.train_accuracy >= c.memorise_accuracy and gap >= c.memorise_accuracy_gap:
            margins.append(gap / c.memorise_accuracy_gap - 1)
    return _Verdict("overfit", "memorising", max(margins)) if margins else None


def _stopping_helps(f: Features, c: DiagnosisConfig) -> bool:
    """A rise past the noise margin that has lasted: stopping at the minimum would gain.

    The validation size's margin excuses a rise that a few confidently wrong samples could
    carry; when the trimmed curve (without them) creeps as well, they do not carry it, and
    only the epoch-to-epoch noise margin applies.
    """
    level = math.log(c.memorise_rise) + _margin_at(f, math.log(c.memorise_rise))
    return f.rise >= level and _epochs_above(f, level) >= f.sustain_needed


def _margin_at(f: Features, rise: float) -> float:
    """The noise margin of a ``rise`` (log) above the minimum: the validation size's part
    excuses what a few confidently wrong samples could carry, unless the trimmed curve
    (without them) shows a rise as large."""
    return f.rise_margin - f.sample_margin if f.trimmed_shows(rise) else f.rise_margin


def _epochs_above(f: Features, level: float) -> int:
    below = np.flatnonzero(f.s_val <= f.val_best + level)
    return f.epochs - 1 - int(below[-1]) if len(below) else f.epochs


def _validation_better(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    if f.below_share < c.validation_better_share:
        return None
    return _Verdict("validation_better", None, (f.below_share - c.validation_better_share) * 5)


def _still_improving(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    margin = _improving(f, c)
    return _Verdict("underfit", "still_improving", margin) if margin >= 0 else None


def _improving(f: Features, c: DiagnosisConfig) -> float:
    """Margin (>= 0 when improving) of the recent validation trend: big enough, beyond noise."""
    significance = -f.val_slope_loglog / (c.trend_z * f.val_slope_se) if f.val_slope_se else 0
    return min(f.gain_if_doubled / c.improving_gain, significance) - 1


def _capacity(f: Features, c: DiagnosisConfig) -> _Verdict | None:
    if f.train_progress >= math.log(c.memorise_train_gain):
        return None  # fits its training data near zero: not short of capacity
    far = _far_above_reached(f, c)
    if far is not None:
        return _Verdict("underfit", "capacity", far)
    enough = math.log(c.capacity_gain)
    if f.val_progress >= enough:
        return None  # learnt enough from the reference
    if f.reached is None and f.train_late_share > c.capacity_train_settled:
        # "Both curves level off": training still falling has room to fit more, and its
        # validation has settled at what this model generalises to. Beside other trials'
        # best, the comparison decides: a model too small still fits its training slowly.
        return None
    if f.reached is not None and f.val_final - f.reached < enough:
        return None  # no other trial did materially better: that is what the data allow
    margin = 1 - f.val_progress / enough
    if f.reached is not None:
        margin = min(margin, (f.val_final - f.reached) / enough - 1)
    return _Verdict("underfit", "capacity", margin)


def _far_above_reached(f: Features, c: DiagnosisConfig) -> float | None:
    """Margin of a level many times above what other trials reached, else ``None``."""
    if f.reached is None:
        return None
    margin = (f.val_final - f.reached) / math.log(c.capacity_reached_ratio) - 1
    return margin if margin >= 0 else None


def _good_fit(f: Features, c: DiagnosisConfig) -> _Verdict:
    # Against the noise-only threshold: a rise that only the validation size excuses (a few
    # samples could cause it) leaves a good fit, but not a clear one.
    capacity = f.val_progress / math.log(c.capacity_gain) - 1
    if f.reached is not None:
        # as far from capacity as others' best is close to this curve's level
        capacity = max(capacity, 1 - (f.val_final - f.reached) / math.log(c.capacity_gain))
    distances = (
        1 - max(f.rise, 0.0) / (f.rise_threshold - f.sample_margin),
        1 - max(f.gain_if_doubled, 0.0) / c.improving_gain,
        capacity,
    )
    return _Verdict("good_fit", None, max(0.0, min(distances)) * 2)


_RULES: tuple[Callable[[Features, DiagnosisConfig], _Verdict | None], ...] = (
    _exploded,
    _oscillating,
    _blowup,
    _not_learning,
    _turning_point,
    _memorising,
    _small_rise,
    _still_improving,
    _validation_better,
    _capacity,
)


def _nonfinite(
    curves: SeedCurves, cut: int | None, config: DiagnosisConfig, baseline: float | None
) -> Diagnosis:
    first = None if cut is None else cut + 1
    extra = {"first_nonfinite_epoch": first, "stop": curves.stop}
    finite = curves if cut is None else curves.truncated(cut)
    if finite.epochs_trained:
        ev = evidence(extract(finite, config, baseline), epochs=curves.epochs_trained, extra=extra)
    else:
        ev = empty_evidence(curves.epochs_trained, extra)
    confidence = 1.0 if cut is not None else 0.9
    return Diagnosis("unstable", "diverged", confidence, ev, nonfinite_advice(first, curves.stop))


def _first_nonfinite(curves: SeedCurves) -> int | None:
    """0-based index of the first epoch with a NaN or infinite loss, or ``None``."""
    series = [curves.train_loss, curves.val_loss]
    if curves.fit_loss is not None:
        series.append(curves.fit_loss)
    bad = np.flatnonzero(~np.all(np.isfinite(np.vstack(series)), axis=0))
    return int(bad[0]) if len(bad) else None


def _usable_baseline(baseline_loss: float | None) -> float | None:
    if baseline_loss is None or not math.isfinite(baseline_loss) or baseline_loss <= 0:
        return None
    return float(baseline_loss)
