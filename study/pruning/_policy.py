"""The live pruning policy: when a running trial is stopped, decided in one place.

:class:`PruningPolicy` is the record of what may stop a trial (the ``[pruner]`` settings, the
diagnosis thresholds, the wrapped Optuna pruner, the will-not-win settings);
:func:`decide_pruning` is the one pure function that applies it to a trial's curves so far.
The runner's live check, :class:`~study.keras.OverfitPruningCallback` and
:class:`~study.pruning.OverfitPruner` are adapters: each gathers the curves, the step and the
wrapped pruner's opinion where it runs, calls :func:`decide_pruning` and acts on the
:class:`~study.pruning.PruneDecision` it returns. None of them checks ``enabled``, the warm-up
or the check interval itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import optuna

from study.curves import SeedCurves
from study.diagnosis import DiagnosisConfig
from study.objectives import Objective
from study.pruning._overfit import PruneDecision, decide_overfit, wrapped_decision
from study.pruning._settings import PrunerSettings, WillNotWinSettings
from study.pruning._will_not_win import decide_will_not_win

WrappedSays = bool | Callable[[], bool]
"""Whether the wrapped pruner says prune, or a callable that asks it (only when needed)."""

IncumbentCurves = Sequence[SeedCurves] | Callable[[], Sequence[SeedCurves]]
"""The best complete trial's curves, or a callable that finds them (only when needed)."""


@dataclasses.dataclass(frozen=True)
class PruningPolicy:
    """What may stop a running trial, and when it is looked at.

    Attributes:
        settings: The ``[pruner]`` settings: ``enabled``, the overfit rule's warm-up,
            patience and agreement, and ``check_every``.
        config: Diagnosis thresholds the overfit rule starts from.
        wrapped: The Optuna pruner combined with the overfit rule, or ``None``.
        will_not_win: The will-not-win rule's settings, or ``None`` when it is off.
    """

    settings: PrunerSettings = dataclasses.field(default_factory=PrunerSettings)
    config: DiagnosisConfig = dataclasses.field(default_factory=DiagnosisConfig)
    wrapped: optuna.pruners.BasePruner | None = None
    will_not_win: WillNotWinSettings | None = None

    @classmethod
    def of(
        cls,
        settings: PrunerSettings,
        config: DiagnosisConfig | None = None,
        wrapped: optuna.pruners.BasePruner | None = None,
    ) -> PruningPolicy:
        """The policy of ``settings``, its will-not-win rule included when it is on.

        Args:
            settings: The ``[pruner]`` settings.
            config: Diagnosis thresholds (the defaults when ``None``).
            wrapped: The Optuna pruner consulted first, or ``None``.
        """
        return cls(
            settings=settings,
            config=config or DiagnosisConfig(),
            wrapped=wrapped,
            will_not_win=settings.will_not_win_settings(),
        )

    def check_interval(self, planned: int | None) -> int | None:
        """Epochs between two decisions on a trial planned for ``planned`` epochs.

        ``None`` when pruning is off (nothing to decide); see
        :meth:`~study.pruning.PrunerSettings.check_interval`.
        """
        return self.settings.check_interval(planned) if self.settings.enabled else None

    def checks_at(self, step: int, planned: int | None) -> bool:
        """Whether ``step`` (epochs trained) of ``planned`` falls on a check.

        Checks fall every :meth:`~study.pruning.PrunerSettings.check_interval` epochs. A
        trial reports its intermediate value at its checks whether pruning is on or not;
        :func:`decide_pruning` decides only there, and only when it is on.
        """
        return step >= 1 and step % self.settings.check_interval(planned) == 0


def decide_pruning(
    policy: PruningPolicy,
    curves: Sequence[SeedCurves],
    step: int,
    *,
    wrapped_says: WrappedSays = False,
    incumbent: IncumbentCurves = (),
    objective: Objective = "final_val_loss",
    reported: str | None = None,
) -> PruneDecision | None:
    """Decide whether a running trial is stopped now, and why.

    Guard clauses first: nothing is decided when pruning is off (``enabled = false``) or ``step``
    is not a check (:meth:`PruningPolicy.checks_at`, for the seeds' planned epochs). Then the
    rules, in order, the first that fires deciding: the wrapped Optuna pruner, the overfit rule
    (:func:`~study.pruning.decide_overfit`, after its warm-up), and, when the policy has it and
    there is an incumbent, the will-not-win rule (:func:`~study.pruning.decide_will_not_win`,
    after its own warm-up).

    Args:
        policy: What may stop the trial.
        curves: Every seed's curves so far.
        step: The trial's step: the epochs trained, as reported to Optuna.
        wrapped_says: Whether the wrapped pruner says prune (e.g. ``trial.should_prune``,
            called only when the wrapped pruner's turn comes).
        incumbent: The best complete trial's curves, or a callable finding them (called only
            when the will-not-win rule's turn comes); empty: no incumbent yet.
        objective: The study's objective, which the will-not-win rule forecasts.
        reported: What the trial reported as its intermediate values (the objective when
            ``None``), named in a wrapped pruner's reason.

    Returns:
        The decision record, or ``None`` to go on training.
    """
    planned = max((c.epochs_planned for c in curves), default=0)
    if not policy.settings.enabled or not policy.checks_at(step, planned):
        return None
    if policy.wrapped is not None and _ask(wrapped_says):
        return wrapped_decision(policy.wrapped, step, reported or objective)
    overfit = decide_overfit(curves, policy.settings, policy.config)
    if overfit is not None or policy.will_not_win is None:
        return overfit
    theirs = incumbent() if callable(incumbent) else incumbent
    if not theirs:
        return None
    return decide_will_not_win(curves, theirs, policy.will_not_win, objective=objective)


def _ask(says: WrappedSays) -> bool:
    return bool(says() if callable(says) else says)
