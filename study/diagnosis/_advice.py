"""The evidence and the one line of advice that accompany a verdict."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from study.curves import TRIMMED_SAMPLES
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
        "broad_rise": f.broad_rise,
    }


def empty_evidence(epochs: int, extra: dict[str, Any]) -> Evidence:
    """Evidence of a curve without a single finite epoch."""
    return Evidence(epochs, None, None, None, None, None, None, None, None, None, dict(extra))


def advise(category: Category, kind: Kind | None, f: Features) -> str:
    """One line of advice for a verdict, quoting the evidence."""
    return _ADVICE[kind or category](f)


def _turning_point(f: Features) -> str:
    return (
        f"stop near epoch {f.stop_index + 1}: validation {_g(math.exp(f.stop_val))} there vs "
        f"{_g(math.exp(f.val_final))} at epoch {f.epochs}, while training {_train_word(f)} "
        f"({_g(math.exp(f.train_final))}); or add dropout/L2"
    )


def _memorising(f: Features) -> str:
    return (
        f"stop near epoch {f.stop_index + 1} or add dropout/L2: validation "
        f"{_g(math.exp(f.stop_val))} there vs {_g(math.exp(f.val_final))} at epoch {f.epochs}, "
        f"while training falls to {_g(math.exp(f.train_final))}{_acc_word(f)}"
    )


def _still_improving(f: Features) -> str:
    start = max(f.epochs - f.tail, 0)
    then = math.exp(float(f.s_val[start]))
    doubled = math.exp(f.val_final) * (1 - f.gain_if_doubled)
    return (
        f"train longer: validation fell from {_g(then)} at epoch {start + 1} to "
        f"{_g(math.exp(f.val_final))} at epoch {f.epochs}; its trend puts it near "
        f"{_g(doubled)} by epoch {2 * f.epochs}"
    )


def _capacity(f: Features) -> str:
    others = "" if f.reached is None else f" (other trials reached {_g(math.exp(f.reached))})"
    return (
        "add units or layers, reduce regularisation or tune the learning rate: validation "
        f"levels off at {_g(math.exp(f.val_final))}{others}, only {_x(f.val_progress)} below "
        f"{_ref_word(f, f.ref)}, training at {_g(math.exp(f.train_final))}"
    )


def _not_learning(f: Features) -> str:
    return (
        f"training and validation loss stay near their start ({_g(math.exp(f.val_start))}) "
        f"for {f.epochs} epochs: check the learning rate, the initialisation and the data"
    )


def _oscillating(f: Features) -> str:
    level = math.exp(f.val_final)
    return (
        f"lower the learning rate, use larger batches or clip gradients: validation swings "
        f"by ±{_g(level * math.expm1(f.noise))} around {_g(level)} from epoch to epoch "
        f"({f.spikes} spikes of 2× or more in the last three quarters)"
    )


def _validation_better(f: Features) -> str:
    return (
        f"validation loss ({_g(math.exp(f.val_final))}) stays below training loss "
        f"({_g(math.exp(f.train_final))}, {f.train_source.replace('_', ' ')}) over the last "
        "half: check that the validation data is representative (and that dropout is not "
        "measured on one side only)"
    )


def _diverged(f: Features) -> str:
    return (
        f"losses blow up by epoch {f.epochs}: training {_g(math.exp(float(np.min(f.s_train))))} "
        f"at best, {_g(math.exp(f.train_final))} at the end; validation "
        f"{_g(math.exp(f.val_best))} at best, {_g(math.exp(f.val_final))} at the end: "
        "lower the learning rate or clip gradients"
    )


def _good_fit(f: Features) -> str:
    advice = (
        f"validation settles at {_g(math.exp(f.val_final))} (best {_g(math.exp(f.val_best))} "
        f"at epoch {f.stop_index + 1}), training at {_g(math.exp(f.train_final))}: "
        "keep this configuration"
    )
    if f.val_samples is None or f.rise < f.rise_threshold - f.sample_margin:
        return advice
    # The rise is past the noise but within what a few samples of a small set can cause.
    if f.trimmed_rise is None:
        cause = f"a rise that a few of its {f.val_samples} samples can cause"
    else:
        cause = (
            f"a rise carried by the {TRIMMED_SAMPLES} worst of its {f.val_samples} samples: "
            f"without them validation ends {_x(f.trimmed_rise)} its minimum"
        )
    return (
        f"{advice}, or check on a larger validation set whether stopping near epoch "
        f"{f.stop_index + 1} helps (validation {_g(math.exp(f.val_best))} there vs "
        f"{_g(math.exp(f.val_final))} at the end, {cause})"
    )


_ADVICE: dict[str, Callable[[Features], str]] = {
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


def _ref_word(f: Features, log_ref: float) -> str:
    name = "the baseline" if f.ref_source == "baseline" else "its start"
    return f"{name} {_g(math.exp(log_ref))}"


def _train_word(f: Features) -> str:
    return "still falls" if f.train_trend < -0.01 else "stays low"


def _acc_word(f: Features) -> str:
    if f.train_accuracy is None or f.val_accuracy is None:
        return ""
    return f", accuracy {_pct(f.train_accuracy)} vs {_pct(f.val_accuracy)} on validation,"
