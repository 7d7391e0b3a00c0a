"""What a study stores beside Optuna's own fields, under which attribute names.

Everything is a JSON-able user attribute, so the storage opens with Optuna's CLI and
optuna-dashboard without `study` installed. Curves are one compact attribute per trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from study.curves import SeedCurves
from study.diagnosis._records import TrialDiagnosis
from study.storage._records import PruneInfo, StudyRecord, TrialRecord

FORMAT = 1
"""Version of the stored layout."""


def write_study_attrs(study: optuna.Study, attrs: dict[str, Any]) -> None:
    """Store the study's description (space, task, seeds); written once at creation."""
    for key, value in {"format": FORMAT, **attrs}.items():
        study.set_user_attr(key, value)


def write_trial_result(
    trial: optuna.Trial,
    curves: Sequence[SeedCurves],
    diagnosis: TrialDiagnosis | None,
    pruned: PruneInfo | None = None,
) -> None:
    """Store a trial's curves, per-seed summaries, diagnosis and prune details."""
    trial.set_user_attr("seeds", [c.summary() for c in curves])
    trial.set_user_attr("curves", [c.to_dict() for c in curves])
    if diagnosis is not None:
        trial.set_user_attr("diagnosis", diagnosis.to_dict())
    if pruned is not None:
        trial.set_user_attr("pruned", pruned.to_dict())


def retried_numbers(trials: Sequence[FrozenTrial]) -> set[int]:
    """Numbers of the trials that another trial re-runs (they were interrupted)."""
    return {
        int(t.user_attrs["retry_of"])
        for t in trials
        if t.user_attrs.get("retry_of") is not None
    }


def was_interrupted(frozen: FrozenTrial, retried: set[int]) -> bool:
    """Whether a trial stopped because its process did: marked so, or re-run by another.

    A worker whose heartbeat went stale cannot mark its own trial any more; the re-run is what
    shows it was interrupted.
    """
    return bool(frozen.user_attrs.get("interrupted", False)) or frozen.number in retried


def trial_record(frozen: FrozenTrial, retried: set[int] | None = None) -> TrialRecord:
    """Decode one stored trial; ``retried`` holds the numbers of re-run trials."""
    attrs = frozen.user_attrs
    diagnosis = attrs.get("diagnosis")
    pruned = attrs.get("pruned")
    return TrialRecord(
        number=frozen.number,
        state=frozen.state.name,
        params=dict(attrs.get("params") or frozen.params),
        value=frozen.value if frozen.values else None,
        seeds=tuple(SeedCurves.from_dict(c) for c in attrs.get("curves", [])),
        diagnosis=TrialDiagnosis.from_dict(diagnosis) if diagnosis else None,
        pruned=PruneInfo.from_dict(pruned) if pruned else None,
        error=attrs.get("error"),
        interrupted=was_interrupted(frozen, retried or set()),
        retry_of=attrs.get("retry_of"),
        datetime_start=frozen.datetime_start,
        datetime_complete=frozen.datetime_complete,
        distributions=dict(frozen.distributions),
    )


def study_record(study: optuna.Study, storage_shown: str) -> StudyRecord:
    """Decode a whole stored study."""
    attrs = study.user_attrs
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    return StudyRecord(
        name=study.study_name,
        storage=storage_shown,
        family=str(attrs.get("family", "?")),
        task=str(attrs.get("task_label", "?")),
        task_description=str(attrs.get("task_description", "")),
        objective=str(attrs.get("objective", "value")),
        direction=study.direction.name.lower(),
        searched=dict(attrs.get("searched", {})),
        fixed=dict(attrs.get("fixed", {})),
        n_seeds=int(attrs.get("seeds", 0)),
        baseline_loss=attrs.get("baseline_loss"),
        space_text=str(attrs.get("space_text", "")),
        trials=tuple(trial_record(t, retried) for t in trials),
    )
