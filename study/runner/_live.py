"""What a trial does while its seeds train: show progress, report, and decide on pruning."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import optuna

from study.curves import SeedCurves
from study.diagnosis import DiagnosisConfig
from study.pruning import PruneDecision, PrunerSettings, decide_overfit, wrapped_decision
from study.runner._progress import Progress
from study.storage import PruneInfo

MAX_REPORTS = 5
"""Intermediate values stored per trial when no wrapped pruner needs one per check."""


@dataclasses.dataclass(frozen=True)
class LivePolicy:
    """How a trial's live curves are judged.

    Attributes:
        settings: The overfit pruner's settings.
        config: Diagnosis thresholds the overfit policy starts from.
        wrapped: The Optuna pruner combined with it (the study's pruner), or ``None``.
    """

    settings: PrunerSettings
    config: DiagnosisConfig
    wrapped: optuna.pruners.BasePruner | None = None


class LiveCheck:
    """The progress callback of one trial's seeds, called after every chunk of epochs.

    Each call is a pruning check at the same epoch of every seed: the wrapped Optuna pruner
    (through ``trial.should_prune``) first, then :func:`~study.pruning.decide_overfit` on the
    curves so far. The mean validation loss is reported as the trial's intermediate value at
    fixed epochs: every check when a wrapped pruner compares trials step by step, otherwise at
    most ``MAX_REPORTS`` times per trial, so storage writes stay few.

    Args:
        trial: The running trial.
        progress: The progress display.
        policy: The pruning policy; ``None`` never checks (no pruning).
        epochs_planned: The trial's planned epochs.
        stop_requested: Raises ``KeyboardInterrupt`` once the run has been asked to stop, so
            a signal ends the trial at the next check whichever thread received it.
    """

    def __init__(
        self,
        trial: optuna.Trial,
        progress: Progress,
        policy: LivePolicy | None,
        epochs_planned: int,
        stop_requested: Callable[[], None] = lambda: None,
    ) -> None:
        self._trial, self._progress, self._policy = trial, progress, policy
        self._planned, self._stop_requested = epochs_planned, stop_requested
        self._report_every = _report_every(policy, epochs_planned)
        self._last_step = 0
        self.pruned: PruneInfo | None = None

    def __call__(self, curves: list[SeedCurves]) -> bool:
        """Look at the curves so far; return ``True`` to stop every seed."""
        self._stop_requested()
        self._progress.update_epochs([c.epochs_trained for c in curves])
        if self._policy is None or not curves:
            return False
        step = max(c.epochs_trained for c in curves)
        if step - self._last_step >= self._report_every:
            self.report(_mean_val(curves, step), step)
        decision = self._decide(self._policy, curves, step)
        if decision is None:
            return False
        self.pruned = PruneInfo(epoch=step, epochs_planned=self._planned,
                                reason=decision.reason, by=decision.by)
        return True

    def report(self, value: float, step: int) -> None:
        """Report ``value`` at ``step`` unless that step was reported already."""
        if step > self._last_step and np.isfinite(value):
            self._trial.report(value, step=step)
            self._last_step = step

    def _decide(
        self, policy: LivePolicy, curves: Sequence[SeedCurves], step: int
    ) -> PruneDecision | None:
        if policy.wrapped is not None and self._trial.should_prune():
            return wrapped_decision(policy.wrapped, step)
        return decide_overfit(curves, policy.settings, policy.config)


def _report_every(policy: LivePolicy | None, planned: int) -> int:
    if policy is None:
        return planned
    if policy.wrapped is not None:
        return policy.settings.check_every
    return max(policy.settings.check_every, -(-planned // MAX_REPORTS))


def _mean_val(curves: Sequence[SeedCurves], step: int) -> float:
    values = np.array([c.val_loss[-1] for c in curves if c.epochs_trained == step])
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else float("nan")
