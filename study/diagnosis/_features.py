"""Measurements of one learning curve that the diagnosis rules read.

Everything is measured on the natural log of the losses (see :mod:`._config` for why), on
curves that are first despiked (running median of a few epochs) and then smoothed (moving
mean over a window relative to the curve's length). All arrays have shape ``(epochs,)``. The
arithmetic is in :mod:`._curvemath`; the rise above the minimum and its margins in
:mod:`._rise`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import numpy as np

from study.curves import FloatArray, SeedCurves
from study.diagnosis._config import DiagnosisConfig
from study.diagnosis._curvemath import (
    deceleration,
    despike,
    log_losses,
    per_100,
    regress,
    slope,
    slope_with_error,
    smooth,
    start_level,
)
from study.diagnosis._rise import measure_rise, trimmed_past

TrainSource = Literal["dropout_off", "running"]


@dataclasses.dataclass(frozen=True)
class Features:
    """What the rules know about one finite curve (log-loss units unless stated).

    Attributes:
        epochs: Number of epochs measured.
        window: Smoothing window, in epochs.
        tail: Recent window over which trends are fitted, in epochs.
        s_train: Smoothed log training loss, shape ``(epochs,)``.
        s_val: Smoothed log validation loss, shape ``(epochs,)``.
        raw_val: Log validation loss as recorded, shape ``(epochs,)``.
        train_source: ``running`` when the only training loss is Keras' running dropout-on
            loss (``fit_loss`` identical to ``train_loss``), else ``dropout_off``.
        train_start: Log training loss at the start (median of the first few epochs).
        val_start: Log validation loss at the start, likewise.
        ref: Log reference loss for "how much was learnt": the baseline, else ``val_start``.
        train_ref: Log reference for the training loss: the baseline, else ``train_start``.
        ref_source: ``baseline`` or ``start``.
        best_index: 0-based epoch of the smoothed validation minimum.
        stop_index: 0-based epoch to stop at: the lowest despiked validation loss within one
            smoothing window of ``best_index`` (the moving mean blurs an early, sharp minimum
            by up to half a window).
        stop_val: Log despiked validation loss at ``stop_index``.
        val_samples: Number of validation samples, when the curves record it.
        noise: Robust standard deviation of the validation loss around its smoothed curve.
        spikes: Number of separate spikes (runs of epochs more than 2x off the smoothed
            validation loss) in the last three quarters.
        rise_margin: Log rise that noise alone can produce: the epoch-to-epoch noise plus, when
            the validation size is known, what a few samples can move.
        sample_margin: The part of ``rise_margin`` due to the validation size (0 when unknown,
            or when the trimmed curve shows the rise too: see ``broad_rise``): a rise below
            ``rise_threshold - sample_margin`` is within the epoch-to-epoch noise, one between
            that and ``rise_threshold`` is too small for the validation set to tell apart
            from a few samples growing confidently wrong.
        rise_threshold: Log rise above the minimum that counts as a rise (``rise_ratio`` plus
            ``rise_margin``).
        sustained: Most recent consecutive epochs above the minimum by ``rise_threshold``.
        sustain_needed: Epochs a rise must last to count.
        explosion: Log factor by which a loss ends above its first epoch (the larger of
            training and validation).
        train_regress: Share of the training loss's fall (start to minimum) undone by the end.
        val_slope_loglog: Slope of log validation loss against log epoch over ``tail``.
        val_slope_se: Standard error of that slope, widened for the residuals' lag-1
            autocorrelation (noise in learning curves is correlated from epoch to epoch).
        val_deceleration: How much of the achievable loss is left, as the ratio of the smoothed
            validation loss's log fall over the last doubling of the epochs (``E/2`` to ``E``)
            to its fall over the doubling before (``E/4`` to ``E/2``), clipped to ``[0, 1]``.
            A power law falling towards zero keeps falling by the same factor per doubling
            (1); a curve levelling off towards its achievable loss falls less each doubling
            (< 1), and the next doubling is expected to gain this ratio times the last one.
        train_trend: Relative change of training loss per 100 epochs over ``tail``.
        val_trend: The same for validation loss.
        below_share: Share of the last half where validation sits below training by the
            validation-better ratio.
        train_accuracy: Final training accuracy when the metric is accuracy-like, else None.
        val_accuracy: Final validation accuracy likewise.
        reached: Log of the lowest validation loss other trials of the same task reached, when
            known: what the data allow, as far as anyone got.
        trimmed_rise: Log rise of the smoothed trimmed validation loss (without the few
            largest per-sample losses of each epoch) above its own minimum; ``None`` when the
            curves do not record it.
        trimmed_threshold: Log rise the trimmed curve is held to: ``rise_ratio`` plus its own
            noise margin; ``None`` when the trimmed loss is not recorded. A rise that the
            trimmed curve keeps below it is carried by the few samples it leaves out.
        broad_rise: Whether the trimmed curve rises past ``trimmed_threshold`` for the
            sustained share of the epochs: a rise not carried by a few samples. ``None`` when
            the trimmed loss is not recorded.
        trimmed_s_val: The smoothed log trimmed curve, for rules that hold it to their own
            level; ``None`` when the trimmed loss is not recorded.
        trimmed_margin: Its noise margin (log), ``None`` likewise.
        running_above_share: Share of the epochs where Keras' running (dropout-on) training
            loss sits above the validation loss by ``validation_better_ratio`` (smoothed);
            ``None`` when the curves do not record the running loss.
        running_ratio: Median factor by which the smoothed running training loss sits above
            the smoothed validation loss; ``None`` when not recorded.
    """

    epochs: int
    window: int
    tail: int
    s_train: FloatArray
    s_val: FloatArray
    raw_val: FloatArray
    train_source: TrainSource
    train_start: float
    val_start: float
    ref: float
    train_ref: float
    ref_source: Literal["baseline", "start"]
    best_index: int
    stop_index: int
    stop_val: float
    val_samples: int | None
    noise: float
    spikes: int
    rise_margin: float
    sample_margin: float
    rise_threshold: float
    sustained: int
    sustain_needed: int
    explosion: float
    train_regress: float
    val_slope_loglog: float
    val_slope_se: float
    val_deceleration: float
    train_trend: float
    val_trend: float
    below_share: float
    train_accuracy: float | None
    val_accuracy: float | None
    reached: float | None = None
    trimmed_rise: float | None = None
    trimmed_threshold: float | None = None
    broad_rise: bool | None = None
    trimmed_s_val: FloatArray | None = None
    trimmed_margin: float | None = None
    running_above_share: float | None = None
    running_ratio: float | None = None

    @property
    def val_best(self) -> float:
        """Log of the smoothed validation minimum."""
        return float(self.s_val[self.best_index])

    @property
    def val_final(self) -> float:
        """Log of the smoothed validation loss at the last epoch."""
        return float(self.s_val[-1])

    @property
    def train_final(self) -> float:
        """Log of the smoothed training loss at the last epoch."""
        return float(self.s_train[-1])

    @property
    def best_at_end(self) -> bool:
        """Whether the validation minimum is on the last epoch: no level shown yet."""
        return self.stop_index == self.epochs - 1 or self.best_index == self.epochs - 1

    @property
    def rise(self) -> float:
        """Log rise of the validation loss from its minimum to the last epoch."""
        return self.val_final - self.val_best

    def trimmed_shows(self, rise: float) -> bool:
        """Whether the trimmed curve (without the few worst samples) also rises ``rise`` (log)
        plus its own noise above its minimum, for the sustained stretch: a rise of that size
        is then not one that those samples carry. ``False`` without a trimmed curve."""
        if self.trimmed_s_val is None or self.trimmed_margin is None:
            return False
        return trimmed_past(self.trimmed_s_val, rise + self.trimmed_margin, self.sustain_needed)

    @property
    def gain_if_doubled(self) -> float:
        """Fraction by which validation loss would fall if the epochs were doubled.

        The recent log-log slope gives the fall per doubling; a falling curve that levels off
        towards its achievable loss falls less each doubling, by ``val_deceleration``.
        """
        slope = self.val_slope_loglog
        if slope < 0:
            slope *= self.val_deceleration
        return 1.0 - math.exp(min(slope * math.log(2.0), 50.0))

    @property
    def start_gain(self) -> float:
        """Log factor by which the more-improved loss fell from its smoothed start."""
        return max(
            float(self.s_train[0] - np.min(self.s_train)), float(self.s_val[0]) - self.val_best
        )

    def near_reached(self, min_gain: float) -> bool:
        """Whether other trials are known and none got ``min_gain`` (log) below this best."""
        return self.reached is not None and self.val_best - self.reached < min_gain

    def flat_like_the_study(self, min_gain: float) -> bool:
        """Whether neither loss fell ``min_gain`` (log) from its start and no other trial got
        ``min_gain`` below this one's best: the data, not this model, set the level."""
        return self.start_gain < min_gain and self.near_reached(min_gain)

    @property
    def train_fall_since_best(self) -> float:
        """Log factor by which the smoothed training loss fell after the validation minimum."""
        return float(self.s_train[self.best_index]) - self.train_final

    @property
    def train_late_share(self) -> float:
        """Share of the smoothed training loss's fall from its start made in the second half
        of the epochs (about 0 once training has levelled off, 0.5 for a steady fall)."""
        fall = self.train_start - self.train_final
        if fall <= 1e-9:
            return 0.0
        return (float(self.s_train[self.epochs // 2]) - self.train_final) / fall

    @property
    def val_progress(self) -> float:
        """Log factor by which final validation loss sits below the reference."""
        return self.ref - self.val_final

    @property
    def train_progress(self) -> float:
        """Log factor by which final training loss sits below its reference."""
        return self.train_ref - self.train_final


def extract(
    curves: SeedCurves,
    config: DiagnosisConfig,
    baseline_loss: float | None,
    reached_loss: float | None = None,
) -> Features:
    """Measure a curve whose losses are all finite (at least one epoch)."""
    n = curves.epochs_trained
    window = min(n, max(config.min_window, round(config.window_fraction * n)))
    tail = min(n, max(config.min_trend_epochs, round(config.trend_fraction * n)))
    raw_train, raw_val = log_losses(curves.train_loss), log_losses(curves.val_loss)
    d_train = despike(raw_train, config.despike_epochs)
    d_val = despike(raw_val, config.despike_epochs)
    s_train, s_val = smooth(d_train, window), smooth(d_val, window)
    epochs = np.arange(1, n + 1, dtype=np.float64)[-tail:]
    # raw values: the running median would correlate neighbouring epochs and hide the noise
    val_slope, slope_se = slope_with_error(np.log(epochs), raw_val[-tail:])
    train_start = start_level(raw_train)
    rise = measure_rise(
        raw_val, d_val, s_val, window, config, curves.val_samples, curves.val_loss_trimmed
    )
    return Features(
        epochs=n,
        window=window,
        tail=tail,
        s_train=s_train,
        s_val=s_val,
        raw_val=raw_val,
        train_start=train_start,
        explosion=max(s_train[-1] - raw_train[0], s_val[-1] - raw_val[0]),
        train_regress=regress(s_train, train_start),
        val_slope_loglog=val_slope,
        val_slope_se=slope_se,
        val_deceleration=deceleration(s_val),
        train_trend=per_100(slope(epochs, d_train[-tail:])),
        val_trend=per_100(slope(epochs, d_val[-tail:])),
        **_references(train_start, start_level(raw_val), baseline_loss),
        val_samples=curves.val_samples,
        **rise,
        **_comparison(curves, s_train, s_val, tail, config),
        reached=None if reached_loss is None else math.log(reached_loss),
    )


def _references(train_start: float, val_start: float, baseline: float | None) -> dict[str, Any]:
    ref = val_start if baseline is None else math.log(baseline)
    return {
        "val_start": val_start,
        "ref": ref,
        "train_ref": train_start if baseline is None else ref,
        "ref_source": "start" if baseline is None else "baseline",
    }


def _comparison(
    curves: SeedCurves, s_train: FloatArray, s_val: FloatArray, tail: int, config: DiagnosisConfig
) -> dict[str, Any]:
    """How the training loss compares with validation, and the accuracies."""
    source: TrainSource = "running" if _same(curves.fit_loss, curves.train_loss) else "dropout_off"
    ratio = config.running_loss_ratio if source == "running" else config.validation_better_ratio
    half = slice(len(s_val) // 2, len(s_val))
    train_accuracy, val_accuracy = _accuracies(curves, tail)
    return {
        "train_source": source,
        "below_share": float(np.mean(s_train[half] - s_val[half] >= math.log(ratio))),
        "train_accuracy": train_accuracy,
        "val_accuracy": val_accuracy,
        **_running_gap(curves.fit_loss, s_val, config),
    }


def _running_gap(
    fit_loss: FloatArray | None, s_val: FloatArray, config: DiagnosisConfig
) -> dict[str, float | None]:
    """How far Keras' running training loss sits above validation, over all the epochs."""
    if fit_loss is None or not np.all(np.isfinite(fit_loss)):
        return {"running_above_share": None, "running_ratio": None}
    window = len(s_val) if len(s_val) < config.min_window else config.min_window
    gap = smooth(despike(log_losses(fit_loss), config.despike_epochs), window) - s_val
    return {
        "running_above_share": float(np.mean(gap >= math.log(config.validation_better_ratio))),
        "running_ratio": math.exp(float(np.median(gap))),
    }


def _same(a: FloatArray | None, b: FloatArray) -> bool:
    return a is not None and bool(np.array_equal(a, b, equal_nan=True))


def _accuracies(curves: SeedCurves, tail: int) -> tuple[float | None, float | None]:
    """Final train and validation accuracy when the metric looks like an accuracy."""
    train, val = curves.train_metric, curves.val_metric
    if train is None or val is None or len(train) < 2:
        return None, None
    both = np.concatenate([train, val])
    if not np.all(np.isfinite(both)) or both.min() < 0 or both.max() > 1:
        return None, None
    if train[-tail:].mean() <= train[: max(1, len(train) // 10)].mean():
        return None, None  # falls with training: an error metric such as MAE, not accuracy
    return float(train[-tail:].mean()), float(val[-tail:].mean())
