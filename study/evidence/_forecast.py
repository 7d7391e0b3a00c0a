"""Where a seed's curve is heading: an ensemble of parametric learning-curve families.

A seed's curve so far (the log of a quantity where lower is better: a validation loss, or an
error rate ``1 - accuracy``) is
averaged into at most :data:`MAX_POINTS` bins, then fitted by three decreasing families
by least squares (closed form in the level and scale, profiled over a grid of rates):

* ``pow3``: ``c + a * x**(-alpha)`` (power law, the most common shape of a loss curve);
* ``exp3``: ``c + a * exp(-b * x)`` (fast saturation);
* ``ilog2``: ``c + a / log(x + 1)`` (slow, steady improvement).

Each family is weighted by its Akaike weight (residual sum of squares, penalised by its
parameters). The forecast is the weighted value at the planned last epoch, the lowest value
the families reach (they never rise), so it is an optimistic forecast for a curve that has
turned up. Its uncertainty is measured, not assumed: the spread of the families' forecasts,
the residual noise around the fit, a back-test (the ensemble fitted on the first half of the
curve so far, asked for its value now; its error grown with the log of how far ahead the
forecast reaches compared with how far the back-test reached), half the improvement still
forecast (:data:`DROP_SHARE`), a floor (:data:`SD_FLOOR`), and, for a curve whose drop is
still speeding up, its current slope carried to the epoch forecast (:func:`_momentum`: the
families only slow down, so they cannot say how far such a curve falls). Without the last
three, real curves that plateau and then drop again (small networks, SGD, recurrent models
leaving their first plateau) fell far below their forecast.
``benchmarks/forecast_calibration.py`` measures how often a real curve's final value falls
below the forecast's one-sided 95 % bound.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

MAX_POINTS = 40
"""Most (averaged) points a curve is fitted on: enough for its shape, cheap to fit."""
MIN_EPOCHS = 6
"""Fewest epochs a forecast is made from."""


@dataclasses.dataclass(frozen=True)
class Forecast:
    """A seed's forecast value at a later epoch, in the units of the series given.

    Attributes:
        value: The ensemble's value at ``epoch``.
        sd: Its standard deviation (see the module's docstring).
        epoch: The epoch forecast (1-based).
    """

    value: float
    sd: float
    epoch: int


DROP_SHARE = 0.5
"""Share of the improvement still forecast that counts as uncertain."""
SD_FLOOR = 0.05
"""Least standard deviation of a forecast, in log units: 5 % of the quantity."""

_RATES = {
    "pow3": np.geomspace(0.02, 4.0, 48),
    "exp3": np.geomspace(1e-4, 3.0, 64),
    "ilog2": np.array([1.0]),
}
"""Grid of each family's rate (``alpha``, ``b``; ``ilog2`` has none) that the fit profiles."""
_PARAMETERS = np.array([3, 3, 2])
_ENDS = np.cumsum([len(r) for r in _RATES.values()])
_FAMILY_ROWS = [
    (int(end - len(r)), int(end)) for end, r in zip(_ENDS, _RATES.values(), strict=True)
]
"""Each family's rows in :func:`_basis`: ``(start, stop)``."""


def _basis(x: FloatArray) -> FloatArray:
    """Every family's shape at every rate, shape ``(rows, len(x))``, families stacked."""
    return np.vstack(
        [
            np.power(x[None, :], -_RATES["pow3"][:, None]),
            np.exp(-_RATES["exp3"][:, None] * x[None, :]),
            1.0 / np.log(x[None, :] + 1.0),
        ]
    )


def forecast(series: FloatArray, epoch: int) -> Forecast | None:
    """Forecast a curve (lower is better) at ``epoch``, or ``None`` when it cannot.

    Args:
        series: The seed's values so far, shape ``(epochs_trained,)``; entry ``i`` is after
            epoch ``i + 1``.
        epoch: The epoch to forecast, after the last one recorded.

    Returns:
        ``None`` when the series has a non-finite value or fewer than :data:`MIN_EPOCHS`.
    """
    y = np.asarray(series, dtype=np.float64)
    if len(y) < MIN_EPOCHS or not np.all(np.isfinite(y)):
        return None
    x, smooth = _binned(y)
    value, spread, noise = _ensemble(x, smooth, float(epoch))
    half = len(y) // 2
    backtest = 0.0
    if half >= MIN_EPOCHS:
        hx, hy = _binned(y[:half])
        past = _ensemble(hx, hy, float(len(y)))[0]
        reach = math.log(max(epoch, len(y) + 1) / len(y)) / math.log(len(y) / half)
        backtest = abs(past - float(smooth[-1])) * reach
    drop = DROP_SHARE * max(float(smooth[-1]) - value, 0.0)
    momentum = _momentum(x, smooth, float(epoch))
    sd = math.sqrt(spread**2 + noise**2 + backtest**2 + drop**2 + momentum**2 + SD_FLOOR**2)
    return Forecast(value=value, sd=sd, epoch=epoch)


def _momentum(x: FloatArray, y: FloatArray, at: float) -> float:
    """How far a curve whose drop is speeding up would fall by ``at`` at its current pace.

    The binned curve's least-squares slope over its last third is compared with the slope
    over its middle third: steeper now (falling faster) means the curve is leaving a
    plateau, which no family of the ensemble (they only slow down) can follow. Such a
    curve's current slope carried on to ``at`` is returned; any other curve gives 0.
    """
    third = len(x) // 3
    last = np.polyfit(x[-third:], y[-third:], 1)[0]
    middle = np.polyfit(x[third:-third], y[third:-third], 1)[0]
    if not last < min(middle, 0.0):
        return 0.0
    return float(-last * max(at - x[-1], 0.0))


def _binned(y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Bin means of ``y`` at their mean epoch: at most :data:`MAX_POINTS` points."""
    n_bins = min(MAX_POINTS, len(y))
    starts = (np.arange(n_bins) * len(y)) // n_bins
    sizes = np.diff(np.append(starts, len(y)))
    epochs = np.arange(1, len(y) + 1, dtype=np.float64)
    return (
        np.add.reduceat(epochs, starts) / sizes,
        np.add.reduceat(y, starts) / sizes,
    )


def _ensemble(x: FloatArray, y: FloatArray, at: float) -> tuple[float, float, float]:
    """Akaike-weighted forecast at ``at``: value, family spread and residual noise."""
    values, rss = _fit(x, y, at)
    n = len(x)
    aic = n * np.log(np.maximum(rss / n, 1e-300)) + 2 * _PARAMETERS
    weights = np.exp(-(aic - aic.min()) / 2)
    weights /= weights.sum()
    value = float(weights @ values)
    spread = math.sqrt(float(weights @ (values - value) ** 2))
    noise = math.sqrt(float(weights @ (rss / n)))
    return value, spread, noise


def _fit(x: FloatArray, y: FloatArray, at: float) -> tuple[FloatArray, FloatArray]:
    """Least-squares fit of each decreasing family: its value at ``at`` and residual sum.

    For a fixed rate a family is linear in ``c`` and ``a``, solved in closed form; the rate
    is the best on a fixed grid (a profile fit: deterministic, no start values, and far
    faster than an iterative fit). ``a`` is held at 0 or above, so no fitted curve rises.
    """
    g = _basis(x)
    g_mean = g.mean(axis=1)
    g_centred = g - g_mean[:, None]
    var = np.einsum("ij,ij->i", g_centred, g_centred)
    a = np.maximum((g_centred @ (y - y.mean())) / np.maximum(var, 1e-300), 0.0)
    c = y.mean() - a * g_mean
    residual = y[None, :] - c[:, None] - a[:, None] * g
    rss = np.einsum("ij,ij->i", residual, residual)
    ahead = c + a * _basis(np.array([at]))[:, 0]
    best = [start + int(np.argmin(rss[start:stop])) for start, stop in _FAMILY_ROWS]
    return ahead[best], rss[best]
