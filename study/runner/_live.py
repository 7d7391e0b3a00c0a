"""What a trial does while its seeds train: show progress, report, and ask the pruner."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import optuna

from study.curves import SeedCurves
from study.pruning import OverfitPruner
from study.runner._progress import Progress
from study.storage import PruneInfo


class LiveCheck:
    """The progress callback of one trial's seeds (runs in the trial's watcher thread).

    Every ``check_every`` epochs of the slowest seed it reports the mean validation loss as
    the trial's intermediate value (a handful of storage writes per trial, never one per
    epoch) and asks the study's pruner whether to stop.

    Args:
        trial: The running trial.
        progress: The progress display.
        check_every: Epochs between two checks; ``None`` never checks (no pruning).
        n_seeds: Seeds in the trial: checks wait until every seed has published curves.
        epochs_planned: The trial's planned epochs.
    """

    def __init__(
        self,
        trial: optuna.Trial,
        progress: Progress,
        check_every: int | None,
        n_seeds: int,
        epochs_planned: int,
    ) -> None:
        self._trial, self._progress, self._check_every = trial, progress, check_every
        self._n_seeds, self._planned = n_seeds, epochs_planned
        self._last_step = 0
        self.pruned: PruneInfo | None = None

    def __call__(self, curves: list[SeedCurves]) -> bool:
        """Look at the curves so far; return ``True`` to stop every seed."""
        self._progress.update_epochs([c.epochs_trained for c in curves])
        if self._check_every is None or len(curves) < self._n_seeds:
            return False
        step = min(c.epochs_trained for c in curves)
        if step - self._last_step < self._check_every:
            return False
        self.report_final(_mean_val(curves, step), step)
        pruner = self._trial.study.pruner
        if isinstance(pruner, OverfitPruner):
            pruner.observe(self._trial.number, curves)
        if not self._trial.should_prune():
            return False
        reason, by = _explain(pruner, self._trial.number)
        self.pruned = PruneInfo(
            epoch=max(c.epochs_trained for c in curves),
            epochs_planned=self._planned, reason=reason, by=by,
        )
        return True

    def report_final(self, value: float, step: int) -> None:
        """Report ``value`` at ``step`` unless that step was reported already."""
        if step > self._last_step and np.isfinite(value):
            self._trial.report(value, step=step)
            self._last_step = step


def _mean_val(curves: Sequence[SeedCurves], step: int) -> float:
    values = np.array([c.val_loss[step - 1] for c in curves if c.epochs_trained >= step])
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else float("nan")


def _explain(pruner: optuna.pruners.BasePruner, number: int) -> tuple[str, str]:
    if isinstance(pruner, OverfitPruner):
        decision = pruner.decision(number)
        if decision is not None:
            return decision.reason, decision.by
    name = type(pruner).__name__
    return f"pruned by {name}: intermediate value not promising", name
