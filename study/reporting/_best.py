"""The best trial of each fit category, and what pruned trials that beat the best complete
trial would have given if stopped early."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from study.diagnosis import mean_curve
from study.reporting._palette import CATEGORY_ORDER
from study.storage import StudyRecord, TrialRecord


@dataclasses.dataclass(frozen=True)
class EarlyStop:
    """A trial's objective had it stopped at its best epoch.

    Attributes:
        number: The trial.
        epoch: The epoch of the best mean validation curve (the diagnosis' mean of the seeds).
        value: The objective at that epoch (the mean over seeds, as the objective is).
        planned: The epochs the trial had planned.
    """

    number: int
    epoch: int
    value: float
    planned: int


@dataclasses.dataclass(frozen=True)
class PrunedBeatBest:
    """Pruned trials whose value at the stop beats the best complete trial.

    Attributes:
        pruned: Those trials, best first.
        best_complete: The best complete trial.
        early: The best early-stopped alternative over all trials, or ``None``.
    """

    pruned: tuple[TrialRecord, ...]
    best_complete: TrialRecord
    early: EarlyStop | None


def better(record: StudyRecord, a: float, b: float) -> bool:
    """Whether objective value ``a`` beats ``b`` in the study's direction."""
    return a > b if record.direction == "maximize" else a < b


def finite_value(trial: TrialRecord) -> float | None:
    """The trial's stored value when finite (a pruned trial's is its value at the stop)."""
    v = trial.value
    return v if v is not None and math.isfinite(v) else None


def best_by_category(record: StudyRecord) -> list[TrialRecord]:
    """The best trial (complete or pruned, by stored value) of each fit category, in order."""
    best: dict[str, TrialRecord] = {}
    for t in record.trials:
        value = finite_value(t)
        if t.category is None or value is None:
            continue
        old = best.get(t.category)
        if old is None or better(record, value, finite_value(old) or 0.0):
            best[t.category] = t
    return [best[c] for c in CATEGORY_ORDER if c in best]


def pruned_beat_best(record: StudyRecord, best: TrialRecord | None) -> PrunedBeatBest | None:
    """The pruned trials whose value at the stop beats ``best`` (the best complete trial)."""
    best_value = None if best is None else finite_value(best)
    if best is None or best_value is None:
        return None
    beat = [
        t
        for t in record.trials
        if t.state == "PRUNED"
        and (v := finite_value(t)) is not None
        and better(record, v, best_value)
    ]
    if not beat:
        return None
    sign = -1.0 if record.direction == "maximize" else 1.0
    beat.sort(key=lambda t: sign * (finite_value(t) or 0.0))
    return PrunedBeatBest(tuple(beat), best, best_early_stop(record))


def best_early_stop(record: StudyRecord) -> EarlyStop | None:
    """The trial whose objective at its best epoch is the best of the study."""
    found = [e for t in record.trials if (e := early_stop(t, record.objective)) is not None]
    if not found:
        return None
    sign = -1.0 if record.direction == "maximize" else 1.0
    return min(found, key=lambda e: (sign * e.value, e.number))


def early_stop(trial: TrialRecord, objective: str) -> EarlyStop | None:
    """The trial's objective at the best epoch of its mean validation curve, or ``None``."""
    mean = mean_curve(trial.seeds)
    if mean is None or mean.epochs_trained == 0:
        return None
    accuracy = objective == "final_val_accuracy"
    series = "val_metric" if accuracy else "val_loss"
    curve = getattr(mean, series)
    if curve is None:
        return None
    index = int(np.argmax(curve) if accuracy else np.argmin(curve))
    values = [
        float(getattr(s, series)[index])
        for s in trial.seeds
        if getattr(s, series) is not None and s.epochs_trained > index
    ]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return None
    planned = max([s.epochs_planned for s in trial.seeds] + [mean.epochs_trained])
    return EarlyStop(trial.number, index + 1, float(np.mean(values)), planned)
