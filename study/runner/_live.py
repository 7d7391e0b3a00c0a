"""What a trial does while its seeds train: show progress, report, and ask the pruner."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import optuna

from study.curves import SeedCurves
from study.pruning import OverfitPruner
from study.runner._progress import Progress
from study.storage import PruneInfo

MAX_REPORTS = 5
"""Intermediate values stored per trial when no wrapped pruner needs one per check."""


class LiveCheck:
    """The progress callback of one trial's seeds, called after every chunk of epochs.

    Each call is a pruning check: the study's pruner sees every seed's curves at the same
    epoch. The mean validation loss is reported as the trial's intermediate value at fixed
    epochs: every check when a wrapped Optuna pruner compares trials step by step, otherwise
    at most ``MAX_REPORTS`` times per trial, so storage writes stay few.

    Args:
        trial: The running trial.
        progress: The progress display.
        check_every: Epochs between two checks; ``None`` never checks (no pruning).
        epochs_planned: The trial's planned epochs.
    """

    def __init__(
        self,
        trial: optuna.Trial,
        progress: Progress,
        check_every: int | None,
        epochs_planned: int,
    ) -> None:
        self._trial, self._progress, self._check_every = trial, progress, check_every
        self._planned = epochs_planned
        self._report_every = _report_every(trial.study.pruner, check_every, epochs_planned)
        self._last_step = 0
        self.pruned: PruneInfo | None = None

    def __call__(self, curves: list[SeedCurves]) -> bool:
        """Look at the curves so far; return ``True`` to stop every seed."""
        self._progress.update_epochs([c.epochs_trained for c in curves])
        if self._check_every is None or not curves:
            return False
        step = max(c.epochs_trained for c in curves)
        if step - self._last_step >= self._report_every:
            self.report(_mean_val(curves, step), step)
        pruner = self._trial.study.pruner
        if isinstance(pruner, OverfitPruner):
            if not (pruner.wraps_another or pruner.may_prune(curves)):
                return False  # Nothing to decide yet: spare the storage a round trip.
            pruner.observe(self._trial.number, curves)
        if not self._trial.should_prune():
            return False
        reason, by = _explain(pruner, self._trial.number)
        self.pruned = PruneInfo(epoch=step, epochs_planned=self._planned, reason=reason, by=by)
        return True

    def report(self, value: float, step: int) -> None:
        """Report ``value`` at ``step`` unless that step was reported already."""
        if step > self._last_step and np.isfinite(value):
            self._trial.report(value, step=step)
            self._last_step = step


def _report_every(pruner: optuna.pruners.BasePruner, check_every: int | None, planned: int) -> int:
    if check_every is None:
        return planned
    wrapped = isinstance(pruner, OverfitPruner) and pruner.wraps_another
    if wrapped or not isinstance(pruner, OverfitPruner):
        return check_every
    return max(check_every, -(-planned // MAX_REPORTS))


def _mean_val(curves: Sequence[SeedCurves], step: int) -> float:
    values = np.array([c.val_loss[-1] for c in curves if c.epochs_trained == step])
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else float("nan")


def _explain(pruner: optuna.pruners.BasePruner, number: int) -> tuple[str, str]:
    if isinstance(pruner, OverfitPruner):
        decision = pruner.decision(number)
        if decision is not None:
            return decision.reason, decision.by
    name = type(pruner).__name__
    return f"pruned by {name}: intermediate value not promising", name
