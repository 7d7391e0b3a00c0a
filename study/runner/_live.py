"""What a trial does while its seeds train: show progress, report, and decide on pruning."""

from __future__ import annotations

import math
from collections.abc import Callable

import optuna

from study.curves import SeedCurves
from study.pruning import PrunerSettings, PruningPolicy, decide_pruning
from study.runner._incumbent import Incumbent
from study.runner._progress import Progress
from study.runner._value import objective_value
from study.space import Objective
from study.storage import PruneInfo

_OFF = PruningPolicy(settings=PrunerSettings(enabled=False))


class LiveCheck:
    """The progress callback of one trial's seeds, called after every chunk of epochs.

    Each call reports the trial's objective on the curves so far (:func:`objective_value`:
    the value the trial would store if it stopped now, in the objective's own metric and
    direction) as its intermediate value at the seeds' epoch, so Optuna's pruners compare
    like with like, optuna-dashboard draws a live learning curve, and a pruned trial's value
    (Optuna's last intermediate value) is its objective at the stop. Then it hands the curves
    to :func:`~study.pruning.decide_pruning`, with the study's pruner (``trial.should_prune``)
    as the wrapped pruner's opinion and the study's best complete trial as the incumbent: the
    policy alone decides whether and why the trial stops. One ``trial.report`` per call.

    Args:
        trial: The running trial.
        progress: The progress display.
        policy: The pruning policy; ``None`` never prunes.
        epochs_planned: The trial's planned epochs.
        objective: The study's objective, e.g. ``final_val_loss``.
        stop_requested: Raises ``KeyboardInterrupt`` once the run has been asked to stop, so
            a signal ends the trial at the next check whichever thread received it.
        incumbent: Finds the best complete trial's curves for the will-not-win rule.
    """

    def __init__(
        self,
        trial: optuna.Trial,
        progress: Progress,
        policy: PruningPolicy | None,
        epochs_planned: int,
        objective: Objective = "final_val_loss",
        stop_requested: Callable[[], None] = lambda: None,
        incumbent: Incumbent | None = None,
    ) -> None:
        self._trial, self._progress = trial, progress
        self._policy = policy or _OFF
        self._planned, self._objective = epochs_planned, objective
        self._stop_requested = stop_requested
        self._incumbent = incumbent or Incumbent()
        self._last_step = 0
        self.pruned: PruneInfo | None = None

    def __call__(self, curves: list[SeedCurves]) -> bool:
        """Look at the curves so far; return ``True`` to stop every seed."""
        self._stop_requested()
        self._progress.update_epochs([c.epochs_trained for c in curves])
        step = max((c.epochs_trained for c in curves), default=0)
        if step == 0:
            return False
        self.report(objective_value(self._objective, curves), step)
        decision = decide_pruning(
            self._policy,
            curves,
            step,
            wrapped_says=self._trial.should_prune,
            incumbent=lambda: self._incumbent(self._trial.study),
            objective=self._objective,
        )
        if decision is None:
            return False
        self.pruned = PruneInfo(
            epoch=step, epochs_planned=self._planned, reason=decision.reason, by=decision.by
        )
        return True

    def report(self, value: float, step: int) -> None:
        """Report ``value`` at ``step`` unless that step was reported already.

        Infinite values (every seed diverged) are reported: they are the objective's worst.
        """
        if step > self._last_step and not math.isnan(value):
            self._trial.report(value, step=step)
            self._last_step = step
