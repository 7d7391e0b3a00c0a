"""What the study's other trials reached: the reference for "too little capacity".

A curve that levels off near the trivial predictor's loss is too small a model only if other
configurations of the same task did materially better; the diagnosis takes that figure as
``reached_loss`` (see :func:`study.diagnosis.diagnose_curve`). Within a run it is the lowest
validation loss (of the mean curve over seeds) among the study's finished trials so far, so
the first trials of a new study are judged without it.
"""

from __future__ import annotations

import math

import optuna
from optuna.trial import TrialState

from study.diagnosis import lowest_val_loss as curves_lowest
from study.storage import trial_curves

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class ReachedLoss:
    """The lowest validation loss the study's finished trials reached, kept up to date.

    Each finished trial's curves are decoded once, however often the figure is asked for.
    """

    def __init__(self) -> None:
        self._lowest: dict[int, float] = {}

    def __call__(self, study: optuna.Study, *, exclude: int | None = None) -> float | None:
        """The figure over the study's finished trials, leaving out trial ``exclude``."""
        for frozen in study.get_trials(deepcopy=False, states=_FINISHED):
            if frozen.number not in self._lowest:
                self._lowest[frozen.number] = lowest_val_loss(frozen)
        values = [v for n, v in self._lowest.items() if n != exclude and math.isfinite(v)]
        return min(values) if values else None


def lowest_val_loss(frozen: optuna.trial.FrozenTrial) -> float:
    """The minimum of a stored trial's mean validation curve (``nan`` when it has none)."""
    return curves_lowest(trial_curves(frozen))
