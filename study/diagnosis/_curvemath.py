"""Small pure helpers on one series of per-epoch values: logs, smoothing, slopes, runs.

The diagnosis measures curves with these; each takes and returns plain numpy values, shape
``(epochs,)`` unless stated.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from study.curves import FloatArray

_MAD_TO_SIGMA = 1.4826


def log_losses(values: FloatArray) -> FloatArray:
    """Natural log, zero losses floored far below the median (an explosion must not lift it)."""
    floor = max(float(np.median(np.abs(values))) * 1e-12, 1e-300)
    return np.log(np.maximum(values, floor))


def despike(values: FloatArray, epochs: int) -> FloatArray:
    """Running median over ``epochs`` epochs: single-epoch spikes vanish instead of spreading."""
    size = min(epochs, len(values))
    return np.asarray(ndimage.median_filter(values, size=size, mode="nearest"), dtype=np.float64)


def smooth(values: FloatArray, window: int) -> FloatArray:
    """Moving mean over ``window`` epochs."""
    # "reflect" at the ends: the last value is a mean of the last window/2 epochs, not one
    # epoch repeated, so the final level is as steady as the rest of the curve.
    return np.asarray(ndimage.uniform_filter1d(values, size=window, mode="reflect"))


def start_level(values: FloatArray) -> float:
    """The level a curve starts at: its first value, unless that is a low outlier."""
    return max(float(values[0]), float(np.median(values[: min(5, len(values))])))


def robust_sigma(resid: FloatArray) -> float:
    """Standard deviation estimated from the median absolute deviation (0 for < 3 values)."""
    if len(resid) < 3:
        return 0.0
    return float(_MAD_TO_SIGMA * np.median(np.abs(resid - np.median(resid))))


def count_runs(mask: npt.NDArray[np.bool_]) -> int:
    """Number of runs of consecutive ``True``."""
    if not len(mask):
        return 0
    return int(mask[0]) + int(np.count_nonzero(mask[1:] & ~mask[:-1]))


def epochs_above(values: FloatArray, level: float) -> int:
    """Most recent consecutive epochs whose value is above ``level``."""
    below = np.flatnonzero(values <= level)
    return len(values) - 1 - int(below[-1]) if len(below) else len(values)


def regress(s_train: FloatArray, start: float) -> float:
    """Share of the fall from ``start`` to the minimum that the last value has undone."""
    low = float(np.min(s_train))
    learnt = start - low
    if learnt <= 1e-9:
        return 0.0
    return float((s_train[-1] - low) / learnt)


def slope(x: FloatArray, y: FloatArray) -> float:
    """Least-squares slope of ``y`` against ``x`` (0 for fewer than two points)."""
    if len(x) < 2:
        return 0.0
    xc = x - x.mean()
    denom = float(np.dot(xc, xc))
    return float(np.dot(xc, y - y.mean()) / denom) if denom > 0 else 0.0


def slope_with_error(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Least-squares slope and its standard error, corrected for autocorrelated residuals."""
    k = len(x)
    fitted = slope(x, y)
    if k < 4:
        return fitted, math.inf
    xc = x - x.mean()
    resid = (y - y.mean()) - fitted * xc
    ss = float(np.dot(resid, resid))
    rho = float(np.dot(resid[1:], resid[:-1]) / ss) if ss > 0 else 0.0
    rho = min(max(rho, 0.0), 0.95)
    inflation = math.sqrt((1 + rho) / (1 - rho))
    se = math.sqrt(ss / (k - 2) / float(np.dot(xc, xc))) * inflation
    return fitted, se


def deceleration(s_val: FloatArray) -> float:
    """Log fall over the last doubling of the epochs over the fall over the one before."""
    n = len(s_val)
    if n < 8:
        return 1.0  # too short to see two doublings
    quarter, half, last = float(s_val[n // 4 - 1]), float(s_val[n // 2 - 1]), float(s_val[-1])
    before, recent = quarter - half, half - last
    if before <= 0 or recent <= 0:
        return 1.0  # not falling over both doublings: no levelling-off to measure
    return min(recent / before, 1.0)


def per_100(log_slope: float) -> float:
    """Relative change per 100 epochs of a log-scale slope per epoch."""
    return math.expm1(max(min(log_slope * 100.0, 50.0), -50.0))
