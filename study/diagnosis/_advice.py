"""The evidence and the one line of advice that accompany a verdict."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from study.curves import TRIMMED_SAMPLES
from study.diagnosis._config import DiagnosisConfig
from study.diagnosis._features import Features
from study.diagnosis._records import Category, Evidence, Kind


def evidence(features: Features, *, epochs: int, extra: dict[str, Any] | None = None) -> Evidence:
    """Summarise the measurements in loss units (1-based epochs, ``None`` for non-finite)."""
    f = features
    final_train, final_val = math.exp(f.train_final), math.exp(f.val_final)
    return Evidence(
        epochs=epochs,
        best_epoch=f.stop_index + 1,
        best_val_loss=_num(math.exp(f.val_best)),
        final_train_loss=_num(final_train),
        final_val_loss=_num(final_val),
        gap=_num(final_val - final_train),
        gap_ratio=_num(final_val / final_train) if final_train > 0 else None,
        train_trend=_num(f.train_trend),
        val_trend=_num(f.val_trend),
        val_rise=_num(math.exp(f.rise)),
        details={**_details(f), **(extra or {})},
    )


def _details(f: Features) -> dict[str, Any]:
    raw_best = int(np.argmin(f.raw_val))
    share = f.val_progress / f.train_progress if f.train_progress > 1e-9 else None
    return {
        "epochs_since_best": f.epochs - 1 - f.stop_index,
        "rise_sustained_epochs": f.sustained,
        "rise_sustain_needed": f.sustain_needed,
        "rise_threshold": _num(math.exp(f.rise_threshold)),
        "smoothing_window": f.window,
        "trend_window": f.tail,
        "val_noise": _num(f.noise),
        "spikes": f.spikes,
        "gain_if_doubled": _num(f.gain_if_doubled),
        "reference_loss": _num(math.exp(f.ref)),
        "reference": f.ref_source,
        "val_gain": _num(math.exp(f.val_progress)),
        "train_gain": _num(math.exp(f.train_progress)),
        "val_share_of_train_gain": _num(share),
        "train_regress": _num(f.train_regress),
        "val_below_train_share": _num(f.below_share),
        "train_loss_source": f.train_source,
        "train_accuracy": _num(f.train_accuracy),
        "val_accuracy": _num(f.val_accuracy),
        "smoothed_best_epoch": f.best_index + 1,
        "val_samples": f.val_samples,
        "raw_best_epoch": raw_best + 1,
        "raw_best_val_loss": _num(math.exp(f.raw_val[raw_best])),
        "reached_loss": None if f.reached is None else _num(math.exp(f.reached)),
        "trimmed_val_rise": None if f.trimmed_rise is None else _num(math.exp(f.trimmed_rise)),
        "trimmed_rise_threshold": (
            None if f.trimmed_threshold is None else _num(math.exp(f.trimmed_threshold))
        ),
        "broad_rise": f.broad_rise,
        "running_above_val_share": _num(f.running_above_share),
        "running_to_val_ratio": _num(f.running_ratio),
    }


def empty_evidence(epochs: int, extra: dict[str, Any]) -> Evidence:
    """Evidence of a curve without a single finite epoch."""
    return Evidence(epochs, None, None, None, None, None, None, None, None, None, dict(extra))


def advise(category: Category, kind: Kind | None, f: Features, config: DiagnosisConfig) -> str:
    """One line of advice for a verdict, quoting the evidence.

    A value quoted "at epoch E" is the diagnosed curve's recorded validation (or training)
    loss at that epoch, as a plot of the curve shows it; a level read from the smoothed curve
    is called smoothed. When Keras' running training loss sits above validation over most of
    the epochs, the advice says why (dropout or regularisation on during training).
    """
    advice = _ADVICE[kind or category](f, config)
    if category in ("good_fit", "overfit"):
        advice += _lowest_elsewhere(f)
    if category != "validation_better" and _running_above(f, config):
        advice += (
            f"; validation is below Keras' running training loss (about "
            f"{_g(f.running_ratio or 1.0)}× lower, smoothed, over "
            f"{_pct(f.running_above_share or 0)} of the epochs): dropout/regularisation is on "
            "during training and off for validation, so that gap is expected"
        )
    return advice


_DIP_SIGMAS = 4.0


def _lowest_elsewhere(f: Features) -> str:
    """A note on a lowest single epoch far from the quoted best one (a plot marks it)."""
    lowest = int(np.argmin(f.raw_val))
    dip = float(f.s_val[lowest] - f.raw_val[lowest])
    if abs(lowest - f.stop_index) <= f.window or dip <= _DIP_SIGMAS * f.noise:
        return ""  # near the quoted epoch, or within the epoch-to-epoch noise
    return (
        f"; its lowest single epoch ({_val_at(f, lowest)}) is a dip the smoothed curve does "
        "not hold"
    )


def _running_above(f: Features, c: DiagnosisConfig) -> bool:
    share = f.running_above_share
    return share is not None and share >= c.validation_better_share


def _turning_point(f: Features, c: DiagnosisConfig) -> str:
    return (
        f"stop near epoch {f.stop_index + 1}: validation {_val_at(f, f.stop_index)} vs "
        f"{_val_at(f, f.epochs - 1)} (smoothed {_g(math.exp(f.val_final))}), while training "
        f"{_train_word(f)} (smoothed {_g(math.exp(f.train_final))}); or add dropout/L2"
    )


def _memorising(f: Features, c: DiagnosisConfig) -> str:
    return (
        f"stop near epoch {f.stop_index + 1} or add dropout/L2: validation "
        f"{_val_at(f, f.stop_index)} vs {_val_at(f, f.epochs - 1)} (smoothed "
        f"{_g(math.exp(f.val_final))}), while training falls to a smoothed "
        f"{_g(math.exp(f.train_final))}{_acc_word(f)}"
    )


def _still_improving(f: Features, c: DiagnosisConfig) -> str:
    start = max(f.epochs - f.tail, 0)
    doubled = math.exp(f.val_final) * (1 - f.gain_if_doubled)
    return (
        f"train longer: validation went from {_val_at(f, start)} to {_val_at(f, f.epochs - 1)} "
        f"(smoothed {_g(math.exp(f.val_final))}, from a smoothed "
        f"{_g(math.exp(float(f.s_val[start])))}); its trend puts it near {_g(doubled)} by "
        f"epoch {2 * f.epochs}"
    )


def _capacity(f: Features, c: DiagnosisConfig) -> str:
    others = ""
    if f.reached is not None:
        reached = _g(math.exp(f.reached))
        others = f" ({_x(f.val_final - f.reached)} the {reached} other trials reached)"
    return (
        "add units or layers, reduce regularisation or tune the learning rate: validation "
        f"levels off at a smoothed {_g(math.exp(f.val_final))}{others}, "
        f"{_relative(f.val_progress)} {_ref_word(f, f.ref)}, training at a smoothed "
        f"{_g(math.exp(f.train_final))}"
    )


def _not_learning(f: Features, c: DiagnosisConfig) -> str:
    return (
        f"training and validation loss stay near their start (validation "
        f"{_val_at(f, 0)}) for {f.epochs} epochs: check the learning rate, the initialisation "
        "and the data"
    )


def _oscillating(f: Features, c: DiagnosisConfig) -> str:
    level = math.exp(f.val_final)
    return (
        f"lower the learning rate, use larger batches or clip gradients: validation swings "
        f"by ±{_g(level * math.expm1(f.noise))} around a smoothed {_g(level)} from epoch to "
        f"epoch ({f.spikes} spikes of 2× or more in the last three quarters)"
    )


def _validation_better(f: Features, c: DiagnosisConfig) -> str:
    return (
        f"validation loss (smoothed {_g(math.exp(f.val_final))}) stays below training loss "
        f"(smoothed {_g(math.exp(f.train_final))}, {f.train_source.replace('_', ' ')}) over "
        "the last half: check that the validation data is representative (and that dropout is "
        "not measured on one side only)"
    )


def _diverged(f: Features, c: DiagnosisConfig) -> str:
    return (
        f"losses blow up by epoch {f.epochs}: smoothed training "
        f"{_g(math.exp(float(np.min(f.s_train))))} at best, {_g(math.exp(f.train_final))} at "
        f"the end; smoothed validation {_g(math.exp(f.val_best))} at best, "
        f"{_g(math.exp(f.val_final))} at the end: lower the learning rate or clip gradients"
    )


def _good_fit(f: Features, c: DiagnosisConfig) -> str:
    if f.best_at_end:
        return (
            f"validation is still at its lowest at the last epoch ({_val_at(f, f.stop_index)}, "
            f"smoothed {_g(math.exp(f.val_final))}), training at a smoothed "
            f"{_g(math.exp(f.train_final))}: it has not levelled off, so train longer to see "
            "where it levels off before keeping this configuration"
        )
    sampled = f.val_samples is not None and f.rise >= f.rise_threshold - f.sample_margin
    shape = "ends at" if sampled else "levels off at"
    advice = (
        f"validation {shape} a smoothed {_g(math.exp(f.val_final))} "
        f"{'up' if sampled else 'on'} from its best epoch ({_val_at(f, f.stop_index)}), "
        f"training at a smoothed {_g(math.exp(f.train_final))}: keep this configuration"
    )
    if f.reached is not None and f.flat_like_the_study(math.log(c.capacity_gain)):
        return (
            f"{advice}; like every trial of the study (the lowest reached "
            f"{_g(math.exp(f.reached))}), it stays near where it started: the inputs "
            "may carry little signal, so check the features and the data before searching wider"
        )
    if not sampled:
        return advice
    # The rise is past the noise but within what a few samples of a small set can cause.
    return (
        f"{advice}, or check on a larger validation set whether stopping near epoch "
        f"{f.stop_index + 1} helps (validation {_val_at(f, f.epochs - 1)}, "
        f"{_few_samples(f)})"
    )


def _few_samples(f: Features) -> str:
    """What the trimmed curve says about a rise within the sampling margin."""
    if f.trimmed_rise is None or f.trimmed_threshold is None:
        return f"a rise that a few of its {f.val_samples} samples can cause"
    without = f"without its {TRIMMED_SAMPLES} worst samples validation ends"
    if f.trimmed_rise < f.trimmed_threshold:
        return (
            f"a rise carried by the {TRIMMED_SAMPLES} worst of its {f.val_samples} samples: "
            f"{without} {_x(f.trimmed_rise)} its smoothed minimum"
        )
    return (
        f"a rise not carried by a few samples alone: {without} {_x(f.trimmed_rise)} its "
        f"smoothed minimum too, not yet for long enough to count"
    )


_ADVICE: dict[str, Callable[[Features, DiagnosisConfig], str]] = {
    "turning_point": _turning_point,
    "memorising": _memorising,
    "still_improving": _still_improving,
    "capacity": _capacity,
    "not_learning": _not_learning,
    "oscillating": _oscillating,
    "validation_better": _validation_better,
    "diverged": _diverged,
    "good_fit": _good_fit,
}


def nonfinite_advice(first_nonfinite: int | None, stop: str) -> str:
    """Advice for a curve whose losses became NaN or infinite (or that stopped diverged)."""
    where = f"at epoch {first_nonfinite}" if first_nonfinite else f"(stop reason {stop!r})"
    return (
        f"losses became NaN or infinite {where}: lower the learning rate, clip gradients "
        "(clipnorm) or use larger batches"
    )


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _g(value: float) -> str:
    return f"{value:.3g}"


def _x(log_factor: float) -> str:
    return f"{math.exp(min(log_factor, 700.0)):.3g}×"


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def _relative(log_factor: float) -> str:
    """``"1.3× below"`` or ``"1.3× above"``: a log factor with its direction."""
    return f"{_x(abs(log_factor))} {'below' if log_factor >= 0 else 'above'}"


def _val_at(f: Features, index: int) -> str:
    """The recorded validation loss at a 0-based epoch, quoted with its 1-based epoch."""
    return f"{_g(math.exp(float(f.raw_val[index])))} at epoch {index + 1}"


def _ref_word(f: Features, log_ref: float) -> str:
    name = "the baseline" if f.ref_source == "baseline" else "its start"
    return f"{name} {_g(math.exp(log_ref))}"


def _train_word(f: Features) -> str:
    return "still falls" if f.train_trend < -0.01 else "stays low"


def _acc_word(f: Features) -> str:
    if f.train_accuracy is None or f.val_accuracy is None:
        return ""
    return f", accuracy {_pct(f.train_accuracy)} vs {_pct(f.val_accuracy)} on validation,"
