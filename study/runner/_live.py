"""What a trial does while its seeds train: show progress, report, and decide on pruning."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import optuna

from study.curves import SeedCurves
from study.diagnosis import DiagnosisConfig
from study.pruning import (
    PruneDecision,
    PrunerSettings,
    WillNotWinSettings,
    decide_overfit,
    decide_will_not_win,
    wrapped_decision,
)
from study.runner._incumbent import Incumbent
from study.runner._progress import Progress
from study.runner._value import objective_value
from study.space import Objective
from study.storage import PruneInfo


@dataclasses.dataclass(frozen=True)
class LivePolicy:
    """How a trial's live curves are judged.

    Attributes:
        settings: The overfit pruner's settings.
        config: Diagnosis thresholds the overfit policy starts from.
        wrapped: The Optuna pruner combined with it (the study's pruner), or ``None``.
        will_not_win: The will-not-win rule's settings, or ``None`` when it is off.
    """

    settings: PrunerSettings
    config: DiagnosisConfig
    wrapped: optuna.pruners.BasePruner | None = None
    will_not_win: WillNotWinSettings | None = None


class LiveCheck:
    """The progress callback of one trial's seeds, called after every chunk of epochs.

    Each call reports the trial's objective on the curves so far (:func:`objective_value`:
    the value the trial would store if it stopped now, in the objective's own metric and
    direction) as its intermediate value at the seeds' epoch, so Optuna's pruners compare
    like with like, optuna-dashboard draws a live learning curve, and a pruned trial's value
    (Optuna's last intermediate value) is its objective at the stop. Then, with a policy, it
    is a pruning check: the wrapped Optuna pruner (through ``trial.should_prune``) first, then
    :func:`~study.pruning.decide_overfit` on the curves so far, then, when the policy has it,
    :func:`~study.pruning.decide_will_not_win` against the study's best complete trial so far.
    One ``trial.report`` per call.

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
        policy: LivePolicy | None,
        epochs_planned: int,
        objective: Objective = "final_val_loss",
        stop_requested: Callable[[], None] = lambda: None,
        incumbent: Incumbent | None = None,
    ) -> None:
        self._trial, self._progress, self._policy = trial, progress, policy
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
        if self._policy is None:
            return False
        decision = self._decide(self._policy, curves, step)
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

    def _decide(
        self, policy: LivePolicy, curves: Sequence[SeedCurves], step: int
    ) -> PruneDecision | None:
        if policy.wrapped is not None and self._trial.should_prune():
            return wrapped_decision(policy.wrapped, step, self._objective)
        overfit = decide_overfit(curves, policy.settings, policy.config)
        if overfit is not None or policy.will_not_win is None:
            return overfit
        incumbent = self._incumbent(self._trial.study)
        if not incumbent:
            return None
        return decide_will_not_win(
            curves, incumbent, policy.will_not_win, objective=self._objective
        )
