"""A trial's verdict beside the rest of its study: a good fit that others beat is no keeper.

The curves of one trial can show a good fit (validation levelled off, no rise) for a
configuration whose objective is well behind the study's best, or for a trial the pruner
stopped before its planned end; its advice must then not be "keep this configuration".
:func:`against_study_best` rewrites such a verdict's advice to say so and to name what the
better trials did differently. It is a pure function of the trials' parameters, objective
values and verdicts; the readers of a stored study call it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from study.diagnosis._records import NOT_KEPT, TrialDiagnosis

__all__ = ["TrialOutcome", "against_study_best"]

_MAX_NAMED = 4


@dataclasses.dataclass(frozen=True)
class TrialOutcome:
    """What the comparison reads of one finished trial.

    Attributes:
        number: The trial's number.
        value: Its objective value.
        params: Its parameters, by name.
        stopped_at: The epoch at which the pruner stopped it, or ``None`` when it ran to its
            end; a stopped trial's value is its objective at the stop.
    """

    number: int
    value: float
    params: Mapping[str, Any]
    stopped_at: int | None = None


def against_study_best(
    diagnosis: TrialDiagnosis,
    trial: TrialOutcome,
    others: Sequence[TrialOutcome],
    *,
    direction: Literal["minimize", "maximize"] = "minimize",
    worse_fraction: float = 0.1,
) -> TrialDiagnosis:
    """Return ``diagnosis`` with its advice judged against the other trials' objectives.

    A good fit whose objective is worse than the best of ``others`` by more than
    ``worse_fraction`` of the best's magnitude (``0.165`` against a best of ``0.104``) gets
    advice that says so, names the best trial, and lists the parameters in which the better
    trials differ from this one. A good fit the pruner stopped (``trial.stopped_at``) is never
    one to keep as it ran: its advice says where it was stopped, and how far behind the best
    it was there. Any other verdict, or a finished good fit within that margin of the best, is
    returned unchanged.

    Args:
        diagnosis: The trial's verdict over its seeds.
        trial: The trial's number, objective and parameters.
        others: The study's other finished trials; non-finite values are ignored.
        direction: Whether the study minimises or maximises its objective.
        worse_fraction: How far behind the best, relative to the best's magnitude, counts as
            materially worse.

    Returns:
        The diagnosis, with the verdict's advice and evidence details replaced when the
        trial is a good fit materially behind the study's best or stopped by the pruner.
    """
    rivals = [o for o in others if o.number != trial.number and math.isfinite(o.value)]
    if diagnosis.category != "good_fit" or not math.isfinite(trial.value):
        return diagnosis
    sign = 1.0 if direction == "minimize" else -1.0
    best = min(rivals, key=lambda o: sign * o.value) if rivals else None
    margin = 0.0 if best is None else worse_fraction * abs(best.value)
    better = [o for o in rivals if sign * (trial.value - o.value) > margin]
    if best is None or not better:
        if trial.stopped_at is None:
            return diagnosis
        advice = (
            f"{_stopped(trial)} (value {_fmt(trial.value)}): run it to its end before keeping it"
        )
    else:
        lead = (
            "a good fit, but not a configuration to keep: its value"
            if trial.stopped_at is None
            else f"{_stopped(trial)}: not a configuration to keep, its value there"
        )
        advice = (
            f"{lead} {_fmt(trial.value)} is behind the study's best {_fmt(best.value)} "
            f"(trial #{best.number}); {_differences(trial, better, best)}"
        )
    verdict = diagnosis.verdict
    details = dict(verdict.evidence.details)
    if best is not None and better:
        details.update(
            study_best_trial=best.number, study_best_value=best.value, better_trials=len(better)
        )
    details[NOT_KEPT] = "behind the study's best" if better else "stopped by the pruner"
    evidence = dataclasses.replace(verdict.evidence, details=details)
    verdict = dataclasses.replace(verdict, advice=advice, evidence=evidence)
    return dataclasses.replace(diagnosis, verdict=verdict)


def _stopped(trial: TrialOutcome) -> str:
    return f"a good fit up to epoch {trial.stopped_at}, where the pruner stopped it"


def _differences(trial: TrialOutcome, better: Sequence[TrialOutcome], best: TrialOutcome) -> str:
    """What the better trials did differently, most shared first."""
    shared, by_best = [], []
    for name in sorted(set(trial.params) | set(best.params)):
        mine = trial.params.get(name)
        values = {_fmt(o.params.get(name)) for o in better}
        if values == {_fmt(best.params.get(name))} and _fmt(mine) not in values:
            shared.append(f"{name} {_fmt(best.params.get(name))} (here {_fmt(mine)})")
        elif _fmt(best.params.get(name)) != _fmt(mine):
            by_best.append(f"{name} {_fmt(best.params.get(name))} (here {_fmt(mine)})")
    if not shared and not by_best:
        return (
            "the better trials share its parameters: rerun with more seeds to tell the "
            "difference from chance"
        )
    parts = []
    if shared:
        who = f"all {len(better)} better trials use" if len(better) > 1 else "the better one uses"
        parts.append(f"{who} " + ", ".join(shared[:_MAX_NAMED]))
    if by_best and len(shared) < _MAX_NAMED:
        named = by_best[: _MAX_NAMED - len(shared)]
        parts.append(f"trial #{best.number} uses " + ", ".join(named))
    return "; ".join(parts) + ": try those settings"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "unset" if value is None else str(value)
