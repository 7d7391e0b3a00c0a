"""The live pruning policy as an Optuna pruner, for objectives written against Optuna."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import optuna
from optuna.trial import FrozenTrial

from study.curves import SeedCurves
from study.diagnosis import DiagnosisConfig
from study.pruning._policy import PruningPolicy, decide_pruning
from study.pruning._settings import PrunerSettings

CurvesOf = Callable[[optuna.Study, FrozenTrial], Sequence[SeedCurves]]
"""Where the adapter finds a trial's curves so far (every seed's)."""


class OverfitPruner(optuna.pruners.BasePruner):
    """:func:`~study.pruning.decide_pruning` as an Optuna pruner, optionally wrapping another.

    For objectives written against Optuna directly: at the trial's last reported step the
    policy decides, as it does for the runner and the Keras callback (the same ``enabled``,
    check interval, wrapped pruner first, then the overfit rule with its warm-up). The
    pruner holds no state and no policy of its own; ``curves_of`` tells it where a trial's
    live curves are (e.g. a dict the objective fills). The will-not-win rule needs the
    incumbent's curves, which this pruner does not have: it is not applied here.

    Args:
        curves_of: Returns the curves so far of a running trial.
        wrapped: An Optuna pruner consulted first; the trial is pruned when either decides.
        settings: ``enabled``, check interval, warm-up, patience and agreement.
        config: Diagnosis thresholds.
    """

    def __init__(
        self,
        curves_of: CurvesOf,
        wrapped: optuna.pruners.BasePruner | None = None,
        *,
        settings: PrunerSettings | None = None,
        config: DiagnosisConfig | None = None,
    ) -> None:
        self._curves_of = curves_of
        self._policy = PruningPolicy(
            settings=settings or PrunerSettings(),
            config=config or DiagnosisConfig(),
            wrapped=wrapped,
        )

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        """Judge whether ``trial`` should be pruned (Optuna's pruner interface)."""
        wrapped = self._policy.wrapped
        decision = decide_pruning(
            self._policy,
            self._curves_of(study, trial),
            trial.last_step or 0,
            wrapped_says=lambda: wrapped is not None and wrapped.prune(study, trial),
        )
        return decision is not None
