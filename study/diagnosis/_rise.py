"""How far the validation loss rose above its minimum, and how much of that noise can explain.

A rise counts only past a margin: the epoch-to-epoch noise of the curve, plus, on a small
validation set, what a few samples growing confidently wrong can cause (``sample_rise / n``).
Those samples move a small set's mean loss smoothly, so the epoch-to-epoch noise does not show
them. When the curves also record the trimmed validation loss (the mean without the
``TRIMMED_SAMPLES`` largest per-sample losses of each epoch), the two cases can be told apart:
a rise that the trimmed curve shows as well, past its own noise, is broad and not carried by a
few samples, so the sampling margin does not apply to it. A rise the trimmed curve does not
show is carried by a few samples; it keeps the sampling margin, since such a rise may or may
not cost held-out loss.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from study.curves import FloatArray
from study.diagnosis._config import DiagnosisConfig
from study.diagnosis._curvemath import (
    count_runs,
    despike,
    epochs_above,
    log_losses,
    robust_sigma,
    smooth,
)

_SPIKE = math.log(2.0)


def measure_rise(
    raw_val: FloatArray,
    d_val: FloatArray,
    s_val: FloatArray,
    window: int,
    config: DiagnosisConfig,
    val_samples: int | None,
    trimmed: FloatArray | None,
) -> dict[str, Any]:
    """Noise, spikes, the minimum, and the rise of the validation loss above it.

    Args:
        raw_val: Log validation loss as recorded.
        d_val: The same, despiked.
        s_val: The same, despiked and smoothed over ``window`` epochs.
        window: Smoothing window, in epochs.
        config: Thresholds.
        val_samples: Validation size, if known.
        trimmed: Trimmed validation loss (not logged), if recorded.

    Returns:
        The rise fields of :class:`~study.diagnosis._features.Features`, by name.
    """
    n = len(s_val)
    wide = _wide(d_val, s_val, window)
    noise = _noise(raw_val, wide)
    needed = max(config.min_sustain_epochs, round(config.sustain_fraction * n))
    trimmed_s, trimmed_margin = _trimmed_curve(trimmed, window, config)
    trimmed_rise, trimmed_threshold, broad = _trimmed_rise(
        trimmed_s, trimmed_margin, config, needed
    )
    # Each confidently wrong sample moves the mean by ~1/n of its own loss; a broad rise
    # (shown without the worst samples too) is not theirs to excuse.
    sample = 0.0 if val_samples is None or broad else config.sample_rise / val_samples
    margin = config.noise_z * noise / math.sqrt(window) + sample
    threshold = math.log(config.rise_ratio) + margin
    best = int(np.argmin(s_val))
    low, high = max(best - window, 0), min(best + window + 1, n)
    stop = low + int(np.argmin(d_val[low:high]))
    return {
        "noise": noise,
        "spikes": count_runs(np.abs(raw_val[n // 4 :] - wide[n // 4 :]) > _SPIKE),
        "best_index": best,
        "stop_index": stop,
        "stop_val": float(d_val[stop]),
        "rise_margin": margin,
        "sample_margin": sample,
        "rise_threshold": threshold,
        "sustained": epochs_above(s_val, s_val[best] + threshold),
        "sustain_needed": needed,
        "trimmed_rise": trimmed_rise,
        "trimmed_threshold": trimmed_threshold,
        "broad_rise": broad,
        "trimmed_s_val": trimmed_s,
        "trimmed_margin": trimmed_margin,
    }


def _wide(d_val: FloatArray, s_val: FloatArray, window: int) -> FloatArray:
    """A smoother of at least 10 epochs, so that correlated swings count as noise."""
    n = len(s_val)
    return s_val if window >= 10 else smooth(d_val, max(window, min(10, n // 4)))


def _noise(raw: FloatArray, wide: FloatArray) -> float:
    """Epoch-to-epoch noise of a log curve: robust scatter around ``wide``, second half."""
    half = len(raw) // 2
    return robust_sigma(raw[half:] - wide[half:])


def _trimmed_curve(
    trimmed: FloatArray | None, window: int, config: DiagnosisConfig
) -> tuple[FloatArray | None, float | None]:
    """The smoothed log trimmed curve and its noise margin; ``(None, None)`` when the trimmed
    loss is not recorded or not finite."""
    if trimmed is None or not np.all(np.isfinite(trimmed)):
        return None, None
    raw = log_losses(trimmed)
    d = despike(raw, config.despike_epochs)
    s = smooth(d, window)
    return s, config.noise_z * _noise(raw, _wide(d, s, window)) / math.sqrt(window)


def _trimmed_rise(
    s: FloatArray | None, margin: float | None, config: DiagnosisConfig, needed: int
) -> tuple[float | None, float | None, bool | None]:
    """Log rise of the smoothed trimmed curve ``s`` above its minimum, the threshold it is
    held to (``rise_ratio`` plus its noise ``margin``), and whether it is broad: past that
    threshold for ``needed`` epochs. ``(None, None, None)`` without a trimmed curve."""
    if s is None or margin is None:
        return None, None, None
    threshold = math.log(config.rise_ratio) + margin
    return rise_above_minimum(s), threshold, trimmed_past(s, threshold, needed)


def rise_above_minimum(s: FloatArray) -> float:
    """How far the last value of a smoothed log curve ``s`` ends above its minimum."""
    return float(s[-1] - np.min(s))


def trimmed_past(s: FloatArray, level: float, needed: int) -> bool:
    """Whether the smoothed trimmed curve ``s`` ends ``level`` (a log rise, its noise margin
    included) above its minimum and stays past it for ``needed`` epochs."""
    best = float(np.min(s))
    return rise_above_minimum(s) >= level and epochs_above(s, best + level) >= needed
