"""Parametric learning curves, labelled with the fit they show, for testing the diagnosis.

Every category and kind has a generator. The curves vary in length (20 to 5000 epochs), loss
scale (1e-5 to 1e+2), noise (correlated, multiplicative), and carry the shapes the diagnosis
must not be fooled by: flat spots that later improve, single bumps that recover, a wide
train/validation gap without a rise, validation below a dropout-on training loss, and the
two-moons curve (a plateau, then the true minimum near epoch 800 of 4000, then a rise).

Everything is deterministic given ``seed``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from study.curves import FloatArray, SeedCurves
from study.diagnosis import Category, Kind

from ._labelled import LabelledCurve

Rng = np.random.Generator
LENGTHS = (20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000)


@dataclasses.dataclass
class _Shape:
    """Noise-free log-loss curves plus what to attach."""

    train: FloatArray
    val: FloatArray
    fit: FloatArray | None = None
    metrics: tuple[FloatArray, FloatArray] | None = None
    stop: str = "completed"
    baseline: float | None = None  # in units of the start level (multiplied by the scale)
    noise: float | None = None  # overrides the drawn noise level
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)


def _length(rng: Rng, minimum: int = 20) -> int:
    return int(rng.choice([n for n in LENGTHS if n >= minimum]))


def _noise(rng: Rng, n: int, sigma: float) -> FloatArray:
    """Correlated (AR(1)) Gaussian noise of marginal standard deviation ``sigma``."""
    phi = rng.uniform(0.0, 0.6)
    eps = rng.normal(0.0, sigma * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sigma)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + eps[i]
    return out


def _decay(n: int, final: float, tau: float) -> FloatArray:
    """Log of a loss falling from 1 to ``final`` with time constant ``tau`` epochs."""
    t = np.arange(n, dtype=np.float64)
    return np.log(final + (1 - final) * np.exp(-t / max(tau, 0.3)))


def _accuracy(log_loss: FloatArray, low: float, high: float) -> FloatArray:
    """An accuracy rising from ``low`` to ``high`` as the loss falls."""
    progress = (log_loss[0] - log_loss) / max(log_loss[0] - log_loss.min(), 1e-9)
    clipped: FloatArray = np.clip(progress, 0, 1)
    return low + (high - low) * clipped


def _settled(rng: Rng, n: int, final: float, end_share: tuple[float, float]) -> FloatArray:
    """A decay that is settled by a share of the run (time constant from ``end_share``)."""
    return _decay(n, final, rng.uniform(*end_share) * n / 5)


def _good_fit(rng: Rng, n: int, variant: str) -> _Shape:
    val = _settled(rng, n, rng.uniform(0.02, 0.4), (0.2, 0.6))
    gap = rng.uniform(0.75, 1.0)
    train = val + np.log(1 - (1 - gap) * (val[0] - val) / (val[0] - val[-1]))
    shape = _Shape(train, val, baseline=rng.uniform(1.0, 1.3) if rng.random() < 0.5 else None)
    if variant == "flat_spot":
        shape.train, shape.val = _with_flat_spot(rng, train), _with_flat_spot(rng, val)
    elif variant == "bump":
        shape.val = _with_bump(rng, val)
    elif variant == "dropout_on":
        shape.train = val + rng.uniform(-0.05, 0.0)
        shape.fit = val + np.log(rng.uniform(1.3, 2.0))
    elif variant == "keras_log":
        shape.train = val + np.log(rng.uniform(1.15, 1.7))
        shape.fit = shape.train
    elif variant == "late_drift":
        shape.val = val + np.linspace(0, np.log(rng.uniform(1.0, 1.04)), n)
    elif variant == "creep":
        # a slow power-law tail: doubling the epochs would gain at most ~4 %
        creep = -rng.uniform(0.0, 0.06) * np.log1p(np.arange(n) / (0.1 * n))
        shape.val, shape.train = val + creep, train + creep
    return shape


def _with_flat_spot(rng: Rng, curve: FloatArray) -> FloatArray:
    """Pause the descent for 10-25 % of the run, then resume it (a flat spot)."""
    n = len(curve)
    start, length = int(rng.uniform(0.05, 0.3) * n), int(rng.uniform(0.1, 0.25) * n)
    t = np.arange(n)
    warped = np.where(t < start, t, np.maximum(start, t - length))
    return curve[np.minimum(warped, n - 1)]


def _with_bump(rng: Rng, curve: FloatArray) -> FloatArray:
    """A bump of 1 to a few epochs (x1.5 to x4) that recovers, anywhere before the end."""
    n, out = len(curve), curve.copy()
    width = int(rng.integers(1, max(2, min(4, n // 20) + 1)))
    at = int(rng.uniform(0.3, 0.8) * n)
    out[at : at + width] += np.log(rng.uniform(1.5, 4.0))
    return out


def _still_improving(rng: Rng, n: int, variant: str) -> _Shape:
    t = np.arange(n, dtype=np.float64)
    if variant == "power":
        val = -rng.uniform(0.35, 1.0) * np.log1p(t / rng.uniform(1, max(2, 0.05 * n)))
    else:
        val = _decay(n, rng.uniform(0.0, 0.01), rng.uniform(0.4, 1.5) * n)
    train = val + np.log(rng.uniform(0.75, 1.0)) * (val[0] - val) / (val[0] - val[-1])
    return _Shape(train, val, baseline=rng.uniform(1.0, 1.3) if rng.random() < 0.5 else None)


def _capacity(rng: Rng, n: int, variant: str) -> _Shape:
    baseline = rng.uniform(0.9, 1.05) if rng.random() < 0.5 else None
    level = rng.uniform(0.68, 0.85) * min(baseline or 1.0, 1.0)  # below the start, < 1.5x gain
    val = _settled(rng, n, level, (0.1, 0.5))
    ratio = rng.uniform(0.25, 0.6) if variant == "gap_trap" else rng.uniform(0.8, 1.0)
    train = val + np.log(ratio) * (val[0] - val) / (val[0] - val[-1])
    return _Shape(train, val, baseline=baseline)


def _turning_point(rng: Rng, n: int, variant: str) -> _Shape:
    if variant == "two_moons":
        return _two_moons(rng, n)
    t = np.arange(n, dtype=np.float64)
    t_min = rng.uniform(0.15, 0.6) * n
    floor = rng.uniform(0.05, 0.5)
    descent = _decay(n, floor, t_min / 4)
    after = np.clip((t - t_min) / (n - t_min), 0, None) ** rng.uniform(1.0, 2.0)
    val = descent + rng.uniform(np.log(1.25), np.log(40.0)) * after
    train = _decay(n, floor * rng.uniform(0.002, 0.5), rng.uniform(t_min / 6, t_min / 3))
    shape = _Shape(train, val, baseline=rng.uniform(1.0, 1.3) if rng.random() < 0.3 else None)
    if rng.random() < 0.3:
        shape.metrics = (_accuracy(train, 0.5, 0.999), _accuracy(descent, 0.5, 0.8))
    return shape


def _two_moons(rng: Rng, n: int) -> _Shape:
    """Plateau at about 5-11 % of the run, true minimum near 20 %, then a rise to the end."""
    t = np.arange(n, dtype=np.float64) / n
    first = np.log(0.45) * np.clip(t / 0.05, 0, 1) ** 0.5
    plateau = np.log(rng.uniform(1.0, 1.03)) * np.clip((t - 0.05) / 0.03, 0, 1)
    second = np.log(0.75) * np.clip((t - 0.11) / 0.09, 0, 1) ** 0.7
    rise = np.log(rng.uniform(2.0, 6.0)) * np.clip((t - 0.2) / 0.8, 0, None) ** 1.3
    val = first + plateau * (t < 0.11) + second + rise
    train = _decay(n, rng.uniform(1e-4, 1e-2), n * rng.uniform(0.05, 0.2))
    return _Shape(train, val, noise=rng.uniform(0.005, 0.03))


def _memorising(rng: Rng, n: int, variant: str) -> _Shape:
    train = _decay(n, 10 ** rng.uniform(-4, -1.6), rng.uniform(0.05, 0.25) * n)
    share = rng.uniform(0.05, 0.3)
    end_share = rng.uniform(0.1, 0.5)
    val = _decay(n, float(np.exp(share * train[-1])), end_share * n / 5)
    # the evidence that stopping would help: validation creeps up once it has settled
    settled = np.clip((np.arange(n) / n - end_share) / (1 - end_share), 0, 1)
    val = val + np.log(rng.uniform(1.06, 1.09)) * settled
    shape = _Shape(train, val, baseline=rng.uniform(1.0, 1.2) if rng.random() < 0.3 else None)
    shape.noise = rng.uniform(0.005, 0.03)  # quiet enough for the creep to stand out
    if variant == "accuracy":
        shape.metrics = (
            _accuracy(train, 0.5, rng.uniform(0.995, 1.0)),
            _accuracy(val, 0.5, rng.uniform(0.65, 0.86)),
        )
    return shape


def _not_learning(rng: Rng, n: int, variant: str) -> _Shape:
    val = np.linspace(0, np.log(rng.uniform(0.97, 1.02)), n)
    drift = np.linspace(0, np.log(rng.uniform(0.97, 1.01)), n)
    train = val + np.log(rng.uniform(0.95, 1.05)) + drift
    return _Shape(train, val, baseline=rng.uniform(0.97, 1.03) if rng.random() < 0.5 else None)


def _oscillating(rng: Rng, n: int, variant: str) -> _Shape:
    base = _settled(rng, n, rng.uniform(0.05, 0.6), (0.2, 0.8))
    t = np.arange(n)
    if variant == "swing":
        phase = 2 * np.pi * t / rng.uniform(2, 6) + rng.uniform(0, 6)
        swing = rng.uniform(0.4, 1.0) * np.sin(phase)
        return _Shape(base + 0.5 * swing, base + swing, noise=0.03)
    if variant == "spikes":
        spikes = (rng.random(n) < rng.uniform(0.15, 0.4)) * np.log(rng.uniform(2.5, 10, n))
        return _Shape(base + spikes * 0.5, base + spikes, noise=0.02)
    return _Shape(base, base, noise=rng.uniform(0.3, 0.8))


def _diverged(rng: Rng, n: int, variant: str) -> _Shape:
    val = _settled(rng, n, rng.uniform(0.05, 0.5), (0.2, 0.8))
    train = val + np.log(rng.uniform(0.7, 1.0))
    at = int(rng.uniform(0.2, 0.9) * n)
    if variant == "blowup":
        grow = np.clip(np.arange(n) - at, 0, None) / max(n - at, 1)
        climb = np.log(rng.uniform(3.0, 1e4)) * grow ** rng.uniform(0.5, 2)
        return _Shape(train + climb, val + climb)
    if variant == "truncated":
        return _Shape(train[:at], val[:at], stop="diverged")
    bad = np.inf if variant == "inf" else np.nan
    train, val = train.copy(), val.copy()
    val[at:] = bad
    train[at + int(rng.integers(0, 2)) :] = bad
    return _Shape(train, val, stop="diverged" if rng.random() < 0.5 else "completed")


def _validation_better(rng: Rng, n: int, variant: str) -> _Shape:
    val = _settled(rng, n, rng.uniform(0.05, 0.5), (0.2, 0.6))
    if variant == "keras_log":
        train = val + np.log(rng.uniform(2.3, 4.0))
        return _Shape(train, val, fit=train)
    return _Shape(val + np.log(rng.uniform(1.3, 2.5)), val)


_Generator = Callable[[Rng, int, str], _Shape]
GROUPS: tuple[tuple[Category, Kind | None, _Generator, tuple[str, ...]], ...] = (
    (
        "good_fit",
        None,
        _good_fit,
        ("plain", "flat_spot", "bump", "dropout_on", "keras_log", "late_drift", "creep"),
    ),
    ("underfit", "still_improving", _still_improving, ("power", "exponential")),
    ("underfit", "capacity", _capacity, ("plain", "gap_trap")),
    ("overfit", "turning_point", _turning_point, ("plain", "plain", "two_moons")),
    ("overfit", "memorising", _memorising, ("plain", "accuracy")),
    ("not_learning", None, _not_learning, ("plain",)),
    ("unstable", "oscillating", _oscillating, ("noise", "swing", "spikes")),
    ("unstable", "diverged", _diverged, ("nan", "inf", "truncated", "blowup")),
    ("validation_better", None, _validation_better, ("plain", "keras_log")),
)


def make_curve(
    category: Category,
    kind: Kind | None,
    variant: str,
    rng: Rng,
    *,
    n: int | None = None,
    name: str = "",
) -> LabelledCurve:
    """Generate one labelled curve of the given shape (random length unless ``n``)."""
    generator = next(g for c, k, g, _ in GROUPS if (c, k) == (category, kind))
    if n is None:
        n = 4000 if variant == "two_moons" else _length(rng, 50 if variant == "swing" else 20)
    shape = generator(rng, n, variant)
    scale = 10 ** rng.uniform(-5, 2)
    sigma = rng.uniform(0.005, 0.08 if n > 50 else 0.02) if shape.noise is None else shape.noise
    m = len(shape.val)
    train = scale * np.exp(shape.train + _noise(rng, m, sigma * 0.5))
    val = scale * np.exp(shape.val + _noise(rng, m, sigma))
    fit = None if shape.fit is None else scale * np.exp(shape.fit + _noise(rng, m, sigma * 0.5))
    if shape.fit is not None and shape.fit is shape.train:
        fit = train
    metrics = shape.metrics or (None, None)
    curves = SeedCurves(
        seed=int(rng.integers(0, 2**31)),
        train_loss=train,
        val_loss=val,
        fit_loss=fit,
        train_metric=None if metrics[0] is None else np.clip(metrics[0][:m], 0, 1),
        val_metric=None if metrics[1] is None else np.clip(metrics[1][:m], 0, 1),
        epochs_planned=n,
        stop=shape.stop,  # type: ignore[arg-type]
    )
    baseline = None if shape.baseline is None else shape.baseline * scale
    return LabelledCurve(name, curves, category, kind, baseline, "synthetic", variant)


def generate(seed: int = 0, per_kind: int = 40) -> list[LabelledCurve]:
    """The synthetic corpus: ``per_kind`` curves for every category and kind.

    Variants of a kind take turns, so each appears about ``per_kind / len(variants)`` times.
    """
    out = []
    for g, (category, kind, _, variants) in enumerate(GROUPS):
        for i in range(per_kind):
            variant = variants[i % len(variants)]
            rng = np.random.default_rng([seed, g, i])
            name = f"{category}-{kind or 'none'}-{variant}-{i:03d}"
            out.append(make_curve(category, kind, variant, rng, name=name))
    return out
