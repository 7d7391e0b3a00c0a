"""How sure a verdict is: how far past its thresholds, on how much evidence, and whether
the curve can decide at all."""

from __future__ import annotations

import math

from study.diagnosis._config import DiagnosisConfig
from study.diagnosis._features import Features
from study.diagnosis._records import Category, Kind


def confidence(
    category: Category, kind: Kind | None, margin: float, f: Features, config: DiagnosisConfig
) -> float:
    """A verdict's confidence in [0, 1).

    The rule's margin past its threshold (in units of the threshold) maps to [0.5, 1), scaled
    down for short curves, for verdicts read from the validation curve's shape on small
    validation sets, for an overfit whose rise only a few samples carry (the trimmed
    validation loss does not rise), and for a capacity verdict that has only the baseline to
    compare with.
    """
    clarity = 0.5 + 0.5 * math.tanh(max(margin, 0.0))
    length = min(1.0, max(f.epochs / config.short_epochs, 0.1))
    sampling = 1.0
    if f.val_samples is not None and category != "unstable":
        sampling = math.sqrt(f.val_samples / (f.val_samples + config.confident_val_samples))
    if category == "overfit" and _carried_by_few(f, config):
        sampling *= config.few_samples_confidence
    if kind == "capacity" and f.reached is None:
        sampling *= config.unreferenced_capacity_confidence
    return round(clarity * length * sampling, 3)


def uncertainty(
    category: Category, kind: Kind | None, f: Features, sure: float, config: DiagnosisConfig
) -> str | None:
    """Why the curve cannot decide between this verdict and another, or ``None``.

    An overfit whose rise the trimmed validation loss does not show, a good fit beside a rise
    within what a few samples of a small validation set can cause, a good fit still at its
    lowest on the last epoch, a capacity verdict without
    other trials' results to compare with, and any verdict with a confidence below
    ``uncertain_confidence`` cannot be told from the other reading.
    """
    if category == "overfit" and _carried_by_few(f, config):
        return f"the rise is carried by a few of the {f.val_samples} validation samples"
    sampled = f.val_samples is not None and f.rise >= f.rise_threshold - f.sample_margin
    if category == "good_fit" and sampled:
        return f"a rise that a few of the {f.val_samples} validation samples can cause"
    if category == "good_fit" and f.flat_like_the_study(math.log(config.capacity_gain)):
        return "no trial of the study learns much from its start: the data may carry no signal"
    if category == "good_fit" and f.best_at_end:
        return "validation is at its lowest on the last epoch: where it levels off is unseen"
    if kind == "capacity" and f.reached is None:
        return (
            "judged against the baseline alone: only other trials' results tell a model too "
            "small from data with little signal"
        )
    if sure < config.uncertain_confidence:
        return f"confidence {sure:g} is below {config.uncertain_confidence:g}"
    return None


def _carried_by_few(f: Features, config: DiagnosisConfig) -> bool:
    """Whether a rise is one that a few confidently wrong samples carry: the trimmed curve
    (without them) does not rise past ``rise_ratio`` for the sustained stretch, nor even past
    the smaller overfit ratios (``small_rise_ratio``, ``memorise_rise``) and its noise.
    ``False`` when the trimmed loss is not recorded."""
    small = math.log(min(config.small_rise_ratio, config.memorise_rise))
    return f.broad_rise is False and not f.trimmed_shows(small)
