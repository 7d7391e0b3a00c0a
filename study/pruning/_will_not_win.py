"""The "will not win" pruning policy: stop a trial that is very unlikely to beat the incumbent.

:func:`decide_will_not_win` is a pure function of the running trial's curves so far, the
incumbent's full curves (the best complete trial so far), the objective and the settings.
Seed k of every trial shares its initialisation stream and batch order, so the trial's seeds
are compared with the incumbent's same seeds (paired):

1. each running seed's curve is forecast to its planned last epoch by
   :func:`study.evidence.forecast` (an ensemble of learning-curve families, with a measured
   uncertainty); for ``best_val_loss`` the forecast is capped by the lowest value seen;
2. the paired differences between the forecasts and the incumbent's objective values on the
   same seeds, on a log scale (ratios of losses, or of error rates ``1 - accuracy``), give
   the probability that the trial's mean beats the incumbent's: a t distribution over the
   seeds, widened by the forecasts' uncertainty (shared by the seeds, so not divided by
   their number) and by hindsight: how far the incumbent's same seed ended below what the
   forecaster, cut at the same epoch, foresaw for it (a task whose curves drop again after a
   plateau shows it there first);
3. the trial is stopped when that probability is below ``threshold`` *and* it is worse than
   the incumbent was at the same epoch on the same seeds (a trial ahead at matched epochs is
   never stopped on a forecast alone).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from study.curves import SeedCurves
from study.evidence import Forecast, forecast, seed_values
from study.objectives import Objective
from study.pruning._overfit import PruneDecision
from study.pruning._settings import WillNotWinSettings

_TINY = 1e-12  # Losses and error rates are clipped here before their log.
_MATCHED_WINDOW = 5  # Epochs averaged at a matched epoch: one epoch's noise is not a lead.


@dataclasses.dataclass(frozen=True)
class TrialForecast:
    """Where a running trial's seeds are heading: what does not depend on the incumbent.

    Attributes:
        epoch: The slowest seed's epoch; every series is cut there.
        planned: The planned epochs.
        seeds: The seeds with finite curves so far.
        series: Each seed's series so far on a log scale (see the module's docstring),
            shape ``(epoch,)``.
        forecasts: Each seed's forecast objective at ``planned`` on that scale, or ``None``
            when it could not be made (too few epochs).
    """

    epoch: int
    planned: int
    seeds: tuple[int, ...]
    series: tuple[np.ndarray, ...]
    forecasts: tuple[Forecast | None, ...]


@dataclasses.dataclass(frozen=True)
class WinEvidence:
    """How a running trial compares with the incumbent on their shared seeds.

    Attributes:
        epoch: The slowest seed's epoch.
        planned: The planned epochs.
        n_seeds: Seeds shared with the incumbent, both finite.
        behind: Mean log ratio of the trial's value to the incumbent's at the same epoch,
            same seeds (> 0: behind).
        probability: Probability that the trial ends better than the incumbent, or ``None``
            when no shared seed could be forecast.
    """

    epoch: int
    planned: int
    n_seeds: int
    behind: float
    probability: float | None


def forecast_trial(curves: Sequence[SeedCurves], objective: Objective) -> TrialForecast | None:
    """Forecast each seed of a running trial to its planned end (``None``: nothing trained).

    A seed whose series so far has a non-finite value (diverged, or no metric) is left out.
    """
    usable = [c for c in curves if c.epochs_trained > 0]
    if not usable:
        return None
    epoch = min(c.epochs_trained for c in usable)
    planned = max(c.epochs_planned for c in usable)
    kept = [(c.seed, _log_series(c, objective)[:epoch]) for c in usable]
    kept = [(seed, s) for seed, s in kept if np.all(np.isfinite(s))]
    forecasts = []
    for _, series in kept:
        ahead = forecast(series, max(planned, epoch + 1))
        if ahead is not None and objective == "best_val_loss":
            ahead = dataclasses.replace(ahead, value=min(ahead.value, float(series.min())))
        forecasts.append(ahead)
    return TrialForecast(
        epoch=epoch,
        planned=planned,
        seeds=tuple(seed for seed, _ in kept),
        series=tuple(s for _, s in kept),
        forecasts=tuple(forecasts),
    )


def win_evidence(
    trial: TrialForecast, incumbent: Sequence[SeedCurves], objective: Objective
) -> WinEvidence:
    """Compare a running trial's forecast with the incumbent's full curves, seed by seed."""
    theirs = {c.seed: c for c in incumbent}
    gaps, differences, sds = [], [], []
    for seed, series, ahead in zip(trial.seeds, trial.series, trial.forecasts, strict=True):
        other = theirs.get(seed)
        if other is None:
            continue
        their_series = _log_series(other, objective)
        value = _log_value(seed_values(objective, [other])[0], objective)
        if not (len(their_series) and math.isfinite(value)):
            continue
        gaps.append(_matched_gap(series, their_series, objective))
        if ahead is not None:
            differences.append(ahead.value - value)
            sds.append(math.hypot(ahead.sd, _hindsight(their_series, trial.epoch, objective)))
    return WinEvidence(
        epoch=trial.epoch,
        planned=trial.planned,
        n_seeds=len(gaps),
        behind=float(np.mean(gaps)) if gaps else math.nan,
        probability=_probability(differences, sds),
    )


def judge_will_not_win(
    evidence: WinEvidence, settings: WillNotWinSettings
) -> PruneDecision | None:
    """The decision on a trial's :class:`WinEvidence`: guards first, then the threshold."""
    if not settings.past_warmup(evidence.epoch, evidence.planned):
        return None
    if evidence.n_seeds < settings.min_seeds or not evidence.behind > 0:
        return None
    if evidence.probability is None or evidence.probability >= settings.threshold:
        return None
    return PruneDecision(
        epoch=evidence.epoch, reason=_reason(evidence, settings), by="will_not_win"
    )


def decide_will_not_win(
    curves: Sequence[SeedCurves],
    incumbent: Sequence[SeedCurves],
    settings: WillNotWinSettings,
    *,
    objective: Objective = "final_val_loss",
) -> PruneDecision | None:
    """Decide from the curves so far whether the trial cannot be expected to win.

    Guard clauses first (warm-up, training over, too few shared seeds), then one decision:
    the probability of beating the incumbent is below the threshold and the trial is behind
    the incumbent at the matched epoch. The composition of :func:`forecast_trial`,
    :func:`win_evidence` and :func:`judge_will_not_win`.

    Args:
        curves: The running trial's seeds so far.
        incumbent: The best complete trial's seeds, full length.
        settings: Warm-up, threshold and seeds needed.
        objective: The study's objective; ``final_val_accuracy`` reads ``val_metric``.
    """
    usable = [c for c in curves if c.epochs_trained > 0]
    if not usable:
        return None
    epoch = min(c.epochs_trained for c in usable)
    planned = max(c.epochs_planned for c in usable)
    if not settings.past_warmup(epoch, planned):
        return None  # Cheap guard: no forecast before the warm-up.
    trial = forecast_trial(usable, objective)
    if trial is None:
        return None
    return judge_will_not_win(win_evidence(trial, incumbent, objective), settings)


def _log_series(curves: SeedCurves, objective: Objective) -> np.ndarray:
    """The series the objective reads, as the log of a lower-is-better quantity."""
    if objective == "final_val_accuracy":
        if curves.val_metric is None:
            return np.full(curves.epochs_trained, np.nan)
        return np.log(np.maximum(1.0 - curves.val_metric, _TINY))
    return np.log(np.maximum(curves.val_loss, _TINY))


def _log_value(value: float, objective: Objective) -> float:
    quantity = 1.0 - value if objective == "final_val_accuracy" else value
    return math.log(max(quantity, _TINY)) if math.isfinite(quantity) else math.nan


def _hindsight(theirs: np.ndarray, epoch: int, objective: Objective) -> float:
    """How far the incumbent's same seed fell below its own forecast from ``epoch`` (log).

    The forecaster is asked, on the incumbent's curve cut at the running trial's epoch, where
    that curve would end; the amount by which it really ended lower is how much this task's
    curves improve after ``epoch`` beyond what the families foresee (a second drop after a
    plateau, as two-moons MLPs make), and it widens the trial's forecast by as much. Zero
    when the incumbent ended at or above its forecast, or is too short to cut.
    """
    if epoch >= len(theirs):
        return 0.0
    ahead = forecast(theirs[:epoch], len(theirs))
    if ahead is None:
        return 0.0
    if objective == "best_val_loss":
        foreseen = min(ahead.value, float(theirs[:epoch].min()))
        return max(foreseen - float(theirs.min()), 0.0)
    return max(ahead.value - float(theirs[-1]), 0.0)


def _matched_gap(mine: np.ndarray, theirs: np.ndarray, objective: Objective) -> float:
    """How far a seed is behind the incumbent's same seed at the same epoch (log ratio).

    For ``best_val_loss`` the lowest value so far is compared, otherwise the mean of the last
    few epochs; an incumbent that trained fewer epochs is compared at its end.
    """
    at = min(len(mine), len(theirs))
    if objective == "best_val_loss":
        return float(mine.min() - theirs[:at].min())
    window = slice(max(0, at - _MATCHED_WINDOW), at)
    return float(mine[-_MATCHED_WINDOW:].mean() - theirs[window].mean())


def _probability(differences: list[float], sds: list[float]) -> float | None:
    """P(the trial's mean beats the incumbent's), from the paired forecast differences.

    The seeds' spread of the differences gives a t distribution; the forecasts' own
    uncertainty widens it without being divided by the seeds (their errors go together).
    """
    if not differences:
        return None
    n = len(differences)
    mean = float(np.mean(differences))
    seed_var = float(np.var(differences, ddof=1)) / n if n >= 2 else 0.0
    scale = math.sqrt(seed_var + float(np.mean(np.square(sds))))
    if n < 2:
        return float(stats.norm.cdf(-mean / scale))
    return float(stats.t.cdf(-mean / scale, df=n - 1))


def _reason(evidence: WinEvidence, settings: WillNotWinSettings) -> str:
    return (
        f"will not win: at epoch {evidence.epoch} of {evidence.planned} its "
        f"{evidence.n_seeds} seeds are {math.expm1(evidence.behind):.0%} behind the "
        f"incumbent's same seeds at that epoch, and the chance of ending ahead is "
        f"{evidence.probability:.2g} < {settings.threshold:g}"
    )
