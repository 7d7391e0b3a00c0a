"""The overfit rule: a pure function of a trial's curves so far and its settings.

:func:`decide_overfit` is the rule, and :class:`PruneDecision` the record of any rule's
decision. The live policy (:func:`~study.pruning.decide_pruning`) applies it after the wrapped
Optuna pruner and before the will-not-win rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import optuna

from study.curves import SeedCurves
from study.diagnosis import Diagnosis, DiagnosisConfig, diagnose_curve
from study.pruning._settings import PrunerSettings

_STALL_TOLERANCE = 0.01
_TINY_FRACTION = 1e-9  # The patience, not a share of the curve, sets how long a rise must last.


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
    if not settings.past_warmup(epoch, planned):
        return None
    config = _pruning_config(config or DiagnosisConfig(), settings)
    candidates = [c for c in usable if _stalled(c, settings.patience)]
    if len(candidates) < settings.min_agreement * len(usable):
        return None  # Cheap guard: most checks end here without a full diagnosis.
    diagnosed = [(c.seed, diagnose_curve(c, config=config)) for c in candidates]
    risen = [(seed, d) for seed, d in diagnosed if _overfit_now(d, settings.patience)]
    if len(risen) < settings.min_agreement * len(usable):
        return None
    return PruneDecision(epoch=epoch, reason=_reason(risen, len(usable), epoch))


def _pruning_config(config: DiagnosisConfig, settings: PrunerSettings) -> DiagnosisConfig:
    """The diagnosis thresholds for live curves: the pruner's rise, held for its patience.

    A turning point is then a smoothed validation loss at least ``settings.rise_ratio`` above
    its minimum (plus the diagnosis's noise margin) for ``settings.patience`` epochs, however
    long the curve is so far.
    """
    return dataclasses.replace(
        config,
        rise_ratio=settings.rise_ratio,
        min_sustain_epochs=settings.patience,
        sustain_fraction=_TINY_FRACTION,
    )


def _stalled(curves: SeedCurves, patience: int) -> bool:
    """Whether the validation loss has not improved (by 1 %) over the last ``patience`` epochs.

    Both overfit shapes the pruner acts on imply it: a turning point (a sustained rise) and
    memorising (validation stalled while training goes on falling). It is a cheap guard; the
    diagnosis then says which shape, if any, the curve has.
    """
    val = curves.val_loss[np.isfinite(curves.val_loss)]
    if len(val) <= patience:
        return False
    return bool(val[-patience:].min() >= (1.0 - _STALL_TOLERANCE) * val[:-patience].min())


def _overfit_now(diagnosis: Diagnosis, patience: int) -> bool:
    """Whether a (stalled) curve is overfit: a rise held for the patience, or memorising."""
    if diagnosis.category != "overfit":
        return False
    if diagnosis.kind != "turning_point":
        return True
    return float(diagnosis.evidence.details.get("rise_sustained_epochs", 0) or 0) >= patience


def _reason(risen: list[tuple[int, Diagnosis]], n_seeds: int, epoch: int) -> str:
    rises = sorted(d.evidence.val_rise or 1.0 for _, d in risen)
    bests = sorted(d.evidence.best_epoch or 0 for _, d in risen)
    mid = len(risen) // 2
    kinds = sorted({d.kind or "overfit" for _, d in risen})
    what = (
        f"validation loss rose {rises[mid]:.3g}x from its minimum near epoch {bests[mid]} "
        "and stayed up"
        if kinds == ["turning_point"]
        else f"training kept falling while validation stalled after epoch {bests[mid]}"
    )
    kind_text = ", ".join(kinds)
    return f"overfit ({kind_text}) in {len(risen)} of {n_seeds} seeds at epoch {epoch}: {what}"


def live_config(
    settings: PrunerSettings, config: DiagnosisConfig | None = None
) -> DiagnosisConfig:
    """The diagnosis thresholds the pruner applies to live curves.

    A trial it pruned is diagnosed with them too, so its stored verdict states the same
    evidence as the prune.
    """
    return _pruning_config(config or DiagnosisConfig(), settings)


def wrapped_decision(
    pruner: optuna.pruners.BasePruner, epoch: int, reported: str = "val_loss"
) -> PruneDecision:
    """The decision record of an Optuna pruner that said "prune" at ``epoch``.

    Args:
        pruner: The Optuna pruner that decided.
        epoch: The epoch of the check.
        reported: What the trial reported as its intermediate values, e.g. its objective.
    """
    name = type(pruner).__name__
    reason = f"{name}: {reported} at epoch {epoch} not promising against other trials"
    return PruneDecision(epoch=epoch, reason=reason, by=name)
