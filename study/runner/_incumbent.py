"""The incumbent: the best complete trial so far, whose seeds a running trial is compared with.

The will-not-win rule (:func:`study.pruning.decide_will_not_win`) compares a running trial's
seeds with the incumbent's same seeds at every check. Finding the incumbent reads only the
trials' values (Optuna's cached storages keep finished trials in memory); its curves are
decoded again only when another trial has completed since the last check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from study.curves import SeedCurves
from study.storage import trial_curves


class Incumbent:
    """The best complete trial's curves, kept up to date as trials complete."""

    def __init__(self) -> None:
        self._complete = -1
        self._curves: tuple[SeedCurves, ...] = ()

    def __call__(self, study: optuna.Study) -> tuple[SeedCurves, ...]:
        """Every seed's curves of the study's best complete trial; empty when there is none."""
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(complete) != self._complete:
            self._complete = len(complete)
            best = best_trial(complete, study.direction)
            self._curves = () if best is None else trial_curves(best)
        return self._curves


def best_trial(trials: Sequence[FrozenTrial], direction: StudyDirection) -> FrozenTrial | None:
    """The trial with the best finite value (the lower number on a tie), or ``None``."""
    finite = [t for t in trials if t.value is not None and math.isfinite(t.value)]
    if not finite:
        return None
    sign = -1.0 if direction == StudyDirection.MAXIMIZE else 1.0
    return min(finite, key=lambda t: (sign * float(t.value or 0.0), t.number))
