"""How sure a verdict is: how far past its thresholds, on how much evidence."""

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
    if category == "overfit" and f.broad_rise is False:
        sampling *= config.few_samples_confidence
    if kind == "capacity" and f.reached is None:
        sampling *= config.unreferenced_capacity_confidence
    return round(clarity * length * sampling, 3)
