"""An Optuna pruner that stops trials whose seeds' live curves have become overfit."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Sequence

import optuna
from optuna.trial import FrozenTrial

from study.curves import SeedCurves
from study.diagnosis import DiagnosisConfig, Diagnosis, diagnose_seeds
from study.pruning._settings import PrunerSettings

_KEEP_TRIALS = 16  # Live curves are kept for the few trials that can be running in a process.


@dataclasses.dataclass(frozen=True)
class PruneDecision:
    """Why a trial was pruned.

    Attributes:
        epoch: The slowest seed's epoch when the decision was taken.
        reason: One line naming the evidence.
        by: ``overfit`` or the wrapped pruner's class name.
    """

    epoch: int
    reason: str
    by: str = "overfit"


def decide_overfit(
    curves: Sequence[SeedCurves],
    settings: PrunerSettings,
    config: DiagnosisConfig | None = None,
) -> PruneDecision | None:
    """Decide from the curves so far whether the trial has become overfit.

    Guard clauses first (warm-up), then one decision: enough seeds show a turning point whose
    rise has lasted at least ``patience`` epochs.
    """
    usable = [c for c in curves if c.epochs_trained > 0]
    if not usable:
        return None
    epoch = min(c.epochs_trained for c in usable)
    planned = max(c.epochs_planned for c in usable)
    if epoch < max(settings.warmup_epochs, settings.warmup_fraction * planned):
        return None
    verdict = diagnose_seeds(usable, config=config)
    risen = [
        (seed, d)
        for seed, d in zip(verdict.seed_ids, verdict.seeds)
        if _sustained_rise(d) >= settings.patience
    ]
    if len(risen) < settings.min_agreement * len(usable):
        return None
    return PruneDecision(epoch=epoch, reason=_reason(risen, len(usable), epoch))


def _sustained_rise(diagnosis: Diagnosis) -> float:
    if diagnosis.category != "overfit" or diagnosis.kind != "turning_point":
        return 0.0
    return float(diagnosis.evidence.details.get("rise_sustained_epochs", 0) or 0)


def _reason(risen: list[tuple[int, Diagnosis]], n_seeds: int, epoch: int) -> str:
    rises = sorted(d.evidence.val_rise or 1.0 for _, d in risen)
    bests = sorted(d.evidence.best_epoch or 0 for _, d in risen)
    mid = len(risen) // 2
    return (
        f"overfit in {len(risen)} of {n_seeds} seeds at epoch {epoch}: validation loss "
        f"rose {rises[mid]:.2g}x from its minimum near epoch {bests[mid]} and stayed up"
    )


class OverfitPruner(optuna.pruners.BasePruner):
    """Prune a trial once its seeds' curves show a sustained overfit, or when a wrapped pruner says so.

    The trial feeds the live curves of all its seeds with :meth:`observe` (at a bounded
    interval, while the seeds train); :meth:`prune` then applies the diagnosis to the curves so
    far, with a warm-up, a patience window and a minimum agreement across seeds.

    Args:
        wrapped: An Optuna pruner consulted first; the trial is pruned when either decides.
        settings: Warm-up, patience and agreement.
        config: Diagnosis thresholds.
    """

    def __init__(
        self,
        wrapped: optuna.pruners.BasePruner | None = None,
        *,
        settings: PrunerSettings | None = None,
        config: DiagnosisConfig | None = None,
    ) -> None:
        self._wrapped = wrapped
        self._settings = settings or PrunerSettings()
        self._config = config
        self._lock = threading.Lock()
        self._live: OrderedDict[int, list[SeedCurves]] = OrderedDict()
        self._decisions: OrderedDict[int, PruneDecision] = OrderedDict()

    @property
    def wraps_another(self) -> bool:
        """Whether an Optuna pruner is wrapped (it compares intermediate values per step)."""
        return self._wrapped is not None

    def observe(self, number: int, curves: Sequence[SeedCurves]) -> None:
        """Give the pruner trial ``number``'s curves so far (all its seeds)."""
        with self._lock:
            self._live[number] = list(curves)
            self._live.move_to_end(number)
            while len(self._live) > _KEEP_TRIALS:
                self._live.popitem(last=False)

    def decision(self, number: int) -> PruneDecision | None:
        """Why trial ``number`` was pruned, or ``None``."""
        with self._lock:
            return self._decisions.get(number)

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        """Judge whether ``trial`` should be pruned (Optuna's pruner interface)."""
        if self._wrapped is not None and self._wrapped.prune(study, trial):
            step = trial.last_step or 0
            name = type(self._wrapped).__name__
            self._remember(trial.number, PruneDecision(
                epoch=step, by=name,
                reason=f"{name}: validation loss at epoch {step} not promising against other trials",
            ))
            return True
        with self._lock:
            curves = self._live.get(trial.number)
        if not curves:
            return False
        decision = decide_overfit(curves, self._settings, self._config)
        if decision is None:
            return False
        self._remember(trial.number, decision)
        return True

    def _remember(self, number: int, decision: PruneDecision) -> None:
        with self._lock:
            self._decisions[number] = decision
            while len(self._decisions) > _KEEP_TRIALS:
                self._decisions.popitem(last=False)
