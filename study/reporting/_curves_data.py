"""Prepared data of learning-curve panels, and which trials the page shows them for.

The line drawn through a trial's seeds is the same mean the diagnosis reads
(:func:`study.diagnosis.mean_curve`): the geometric mean of the losses over the seeds, cut to
the seeds' common length. A geometric mean keeps one seed at a higher level from dominating
(losses spread over decades across seeds), and cutting to the common length keeps the mean
from jumping where a seed stopped; so the best-validation marker sits on the drawn minimum.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import numpy.typing as npt

from study.curves import FloatArray, SeedCurves, stack
from study.diagnosis import mean_curve
from study.reporting._data import agreement_of, best_trial, category_of
from study.reporting._palette import CATEGORY_ORDER
from study.storage import StudyRecord, TrialRecord

MAX_POINTS = 1000
"""At most this many epochs are drawn per line."""
LOG_SPAN = 10**1.5
"""A loss whose largest / smallest value exceeds this is drawn on a log scale."""


@dataclasses.dataclass(frozen=True)
class CurvePanel:
    """One trial's learning curves, ready to draw.

    Every array is subsampled to the same ``n_points`` epochs.

    Attributes:
        number: The trial's number.
        title: E.g. ``"#12 (best) overfit 4/5"``.
        category: The trial's fit category.
        epochs: 1-based epoch of each point, shape ``(n_points,)``.
        train: Training loss per seed, shape ``(n_seeds, n_points)`` (NaN after a seed stopped).
        val: Validation loss per seed, same shape.
        mean_train: The diagnosis' mean training loss over seeds (see the module docstring),
            shape ``(n_points,)``, NaN past the seeds' common length.
        mean_val: The mean validation loss likewise.
        best_epoch: Epoch of the lowest mean validation loss (on the drawn line), or ``None``.
        prune_epoch: Epoch at which the trial was pruned, or ``None``.
        planned_epochs: The epochs the trial had planned (more than trained when pruned).
    """

    number: int
    title: str
    category: str
    epochs: npt.NDArray[np.int64]
    train: FloatArray
    val: FloatArray
    mean_train: FloatArray
    mean_val: FloatArray
    best_epoch: int | None
    prune_epoch: int | None
    planned_epochs: int = 0

    def spread(self, series: str) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Mean (as drawn), minimum and maximum over seeds of ``train`` or ``val``.

        Each has shape ``(n_points,)``.
        """
        values = getattr(self, series)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # epochs where every seed stopped
            low, high = np.nanmin(values, 0), np.nanmax(values, 0)
        return getattr(self, f"mean_{series}"), low, high


def curve_panel(
    trial: TrialRecord, *, role: str = "", max_points: int = MAX_POINTS
) -> CurvePanel | None:
    """The panel of ``trial``'s curves, or ``None`` when it has no trained epoch."""
    train, val = _finite(stack(trial.seeds, "train_loss")), _finite(stack(trial.seeds, "val_loss"))
    if train.shape[1] == 0 or np.isnan(val).all():
        return None
    index = subsample(train.shape[1], max_points)
    mean_train, mean_val = _mean(trial.seeds, train.shape[1])
    return CurvePanel(
        number=trial.number,
        title=_title(trial, role),
        category=category_of(trial),
        epochs=index + 1,
        train=train[:, index],
        val=val[:, index],
        mean_train=mean_train[index],
        mean_val=mean_val[index],
        best_epoch=None if np.isnan(mean_val).all() else int(np.nanargmin(mean_val)) + 1,
        prune_epoch=trial.pruned.epoch if trial.pruned else None,
        planned_epochs=max([s.epochs_planned for s in trial.seeds] + [train.shape[1]]),
    )


def log_scale(panels: list[CurvePanel]) -> bool:
    """The one y-scale rule of every learning-curve panel: log when every drawn loss is
    positive (so shapes compare across panels at any level), else linear for all."""
    for p in panels:
        values = np.concatenate([p.train.ravel(), p.val.ravel()])
        finite = values[np.isfinite(values)]
        if finite.size and finite.min() <= 0:
            return False
    return bool(panels)


def subsample(n: int, limit: int) -> npt.NDArray[np.int64]:
    """At most ``limit`` evenly spread indices of ``range(n)``, first and last included."""
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))


def needs_log(values: FloatArray) -> bool:
    """Whether positive ``values`` span more than :data:`LOG_SPAN` (never with values ≤ 0)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or finite.min() <= 0:
        return False
    return bool(finite.max() / finite.min() > LOG_SPAN)


def _finite(values: FloatArray) -> FloatArray:
    return np.where(np.isfinite(values), values, np.nan)


def _mean(seeds: tuple[SeedCurves, ...], n_epochs: int) -> tuple[FloatArray, FloatArray]:
    """The diagnosis' mean train and validation curves, NaN-padded to ``n_epochs``."""
    out = np.full((2, n_epochs), np.nan)
    mean = mean_curve(seeds)
    if mean is not None:
        out[0, : mean.epochs_trained] = mean.train_loss
        out[1, : mean.epochs_trained] = mean.val_loss
    return out[0], out[1]


def _title(trial: TrialRecord, role: str) -> str:
    parts = [f"#{trial.number}"]
    if role:
        parts.append(f"({role})")
    parts.append(category_of(trial))
    if trial.diagnosis is not None:
        parts.append(agreement_of(trial))
    if trial.value is not None and math.isfinite(trial.value):
        parts.append(f"· {trial.value:.4g}")
    return " ".join(parts)


def representative_trials(record: StudyRecord, max_curves: int) -> list[tuple[TrialRecord, str]]:
    """The trials whose curves the page shows, each with its role.

    The best trial first (when the seeds recommend another, the recommended trial, then the
    best mean), then the most typical trials of each category (highest seed agreement, then
    confidence) in turn, one per category per round, up to ``max_curves``.
    """
    leading = _leading(record)
    chosen = [(t, role) for t, role in leading if t.seeds]
    queues = {c: _typical(record, c, [t for t, _ in leading]) for c in CATEGORY_ORDER}
    while len(chosen) < max_curves and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < max_curves:
                chosen.append((queue.pop(0), "typical"))
    return chosen[:max_curves]


def _leading(record: StudyRecord) -> list[tuple[TrialRecord, str]]:
    """The best trial, or the recommended trial and the best mean when they differ."""
    best = best_trial(record)
    if best is None:
        return []
    recommended = record.recommendation.recommended
    if recommended is None or recommended == best.number:
        return [(best, "best")]
    chosen = next(t for t in record.trials if t.number == recommended)
    return [(chosen, "recommended"), (best, "best mean")]


def _typical(record: StudyRecord, category: str, shown: list[TrialRecord]) -> list[TrialRecord]:
    trials = [
        t
        for t in record.trials
        if t.diagnosis is not None
        and t.category == category
        and t.seeds
        and all(t is not s for s in shown)
    ]
    return sorted(
        trials,
        key=lambda t: (
            (-t.diagnosis.agreement, -t.diagnosis.verdict.confidence, t.number)
            if t.diagnosis
            else (0.0, 0.0, t.number)
        ),
    )
