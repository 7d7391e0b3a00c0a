"""Reading a study: the only decoder of what :mod:`study.storage._attrs` wrote.

Reads both layouts: format 2 (curves and the full diagnosis in system attributes) and the
previous format 1 (everything in user attributes).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial

from study.curves import SeedCurves
from study.diagnosis import TrialDiagnosis
from study.evidence import Direction, TrialEvidence, recommend, seed_values, trial_evidence
from study.objectives import OBJECTIVES, Objective
from study.storage import _keys as keys
from study.storage._final_score import read_final_score
from study.storage._records import PruneInfo, StudyRecord, TrialRecord


def retried_numbers(trials: Iterable[FrozenTrial]) -> set[int]:
    """Numbers of the trials that another trial re-runs (they were interrupted)."""
    numbers: set[int] = set()
    for trial in trials:
        numbers.update(int(n) for n in trial.system_attrs.get(keys.RETRY_HISTORY, ()))
        if trial.user_attrs.get(keys.RETRY_OF) is not None:
            numbers.add(int(trial.user_attrs[keys.RETRY_OF]))
    return numbers


def retry_of(frozen: FrozenTrial) -> int | None:
    """The number of the interrupted trial that ``frozen`` re-runs, or ``None``."""
    number = frozen.user_attrs.get(keys.RETRY_OF)
    if number is None:
        history = frozen.system_attrs.get(keys.RETRY_HISTORY) or [None]
        number = history[-1]
    return None if number is None else int(number)


def was_interrupted(frozen: FrozenTrial, retried: set[int]) -> bool:
    """Whether a trial stopped because its process did: marked so, or re-run by another.

    A worker whose heartbeat went stale cannot mark its own trial any more; the re-run is what
    shows it was interrupted.
    """
    return bool(frozen.user_attrs.get(keys.INTERRUPTED, False)) or frozen.number in retried


def trial_curves(frozen: FrozenTrial) -> tuple[SeedCurves, ...]:
    """Decode a stored trial's learning curves, one per seed, in seed order."""
    encoded = frozen.system_attrs.get(keys.CURVES)
    if encoded is None:
        encoded = frozen.user_attrs.get(keys.LEGACY_CURVES, [])
    return tuple(SeedCurves.from_dict(c) for c in encoded)


def trial_diagnosis(frozen: FrozenTrial) -> TrialDiagnosis | None:
    """Decode a stored trial's diagnosis, or ``None`` when it has none."""
    full = frozen.system_attrs.get(keys.FULL_DIAGNOSIS)
    if full is None:
        legacy = frozen.user_attrs.get(keys.DIAGNOSIS)
        full = legacy if isinstance(legacy, dict) and "verdict" in legacy else None
    return TrialDiagnosis.from_dict(full) if full else None


def trial_record(
    frozen: FrozenTrial, retried: set[int] | None = None, *, objective: str | None = None
) -> TrialRecord:
    """Decode one stored trial.

    Args:
        frozen: The stored trial.
        retried: The numbers of re-run trials.
        objective: The study's objective; with one `study` computes (e.g.
            ``final_val_loss``) the record carries its seeds' evidence (each seed's value,
            their mean and interval); otherwise its ``evidence`` is ``None``.
    """
    attrs = frozen.user_attrs
    pruned = attrs.get(keys.PRUNED)
    seeds = trial_curves(frozen)
    return TrialRecord(
        number=frozen.number,
        state=frozen.state.name,
        params=dict(attrs.get(keys.PARAMS) or frozen.params),
        value=frozen.value if frozen.values else None,
        seeds=seeds,
        diagnosis=trial_diagnosis(frozen),
        pruned=PruneInfo.from_dict(pruned) if pruned else None,
        error=frozen.system_attrs.get(keys.FULL_ERROR) or attrs.get(keys.ERROR),
        interrupted=was_interrupted(frozen, retried or set()),
        retry_of=retry_of(frozen),
        datetime_start=frozen.datetime_start,
        datetime_complete=frozen.datetime_complete,
        distributions=dict(frozen.distributions),
        evidence=_evidence(frozen.number, seeds, objective),
    )


def stored_evidence(frozen: FrozenTrial, objective: str | None) -> TrialEvidence | None:
    """What a stored trial's seeds say about ``objective`` (see :func:`trial_record`)."""
    return _evidence(frozen.number, trial_curves(frozen), objective)


def stored_recommended(study: optuna.Study) -> int | None:
    """The trial :attr:`StudyRecord.recommendation` names, read from the seeds' curves alone.

    What :func:`study_record` would recommend, without decoding every trial's diagnosis:
    ``None`` for a study of the user's own Optuna objective or without a finite seed.
    """
    if keys.STUDY_FAMILY not in study.user_attrs:
        return None
    objective = study.user_attrs.get(keys.STUDY_OBJECTIVE)
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    evidence = [
        e
        for t in complete
        if (e := stored_evidence(t, objective if isinstance(objective, str) else None)) is not None
    ]
    return recommend(evidence, study_direction(study)).recommended


def study_direction(study: optuna.Study) -> Direction:
    """The study's direction, as :mod:`study.evidence` names it."""
    return "maximize" if study.direction == optuna.study.StudyDirection.MAXIMIZE else "minimize"


def _evidence(
    number: int, seeds: tuple[SeedCurves, ...], objective: str | None
) -> TrialEvidence | None:
    """What a trial's trained seeds say about ``objective``, or ``None``.

    A seed that trained but whose value is not finite counts as diverged; one that never
    trained (it failed) is left out, as the trial's value leaves it out.
    """
    trained = [c for c in seeds if c.epochs_trained > 0]
    if objective not in OBJECTIVES or not trained:
        return None
    known = cast(Objective, objective)  # One of OBJECTIVES' names, checked above.
    return trial_evidence(seed_values(known, trained), number=number)


OWN_FAMILY = "own model"
"""The family of a study that ``python -m study run`` did not make (see :func:`study_record`)."""
OWN_TASK = "own data"
"""Its task."""


def study_record(study: optuna.Study, storage_shown: str) -> StudyRecord:
    """Decode a whole stored study.

    A study made by the user's own Optuna objective (e.g. with
    :class:`study.keras.OverfitPruningCallback`) has no search-space file, family or task:
    it is described from its trials instead (``own_objective`` is set): the family and task
    read :data:`OWN_FAMILY` and :data:`OWN_TASK`, the objective is Optuna's metric name (or
    ``value``), the seeds per trial are the most any trial stored, and the searched
    parameters are the ranges Optuna stored with the trials.
    """
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    description = study_description(study.user_attrs)
    objective = description["objective"] if keys.STUDY_FAMILY in study.user_attrs else None
    records = tuple(trial_record(t, retried, objective=objective) for t in trials)
    if keys.STUDY_FAMILY not in study.user_attrs:
        description = _own_description(description, records, study.metric_names)
    return StudyRecord(
        name=study.study_name,
        storage=storage_shown,
        trials=records,
        direction=study.direction.name.lower(),
        **description,
        test_score=read_final_score(study),
    )


def _own_description(
    description: dict[str, Any], trials: tuple[TrialRecord, ...], metrics: list[str] | None
) -> dict[str, Any]:
    searched: dict[str, BaseDistribution] = {}
    for trial in sorted(trials, key=lambda t: t.number):
        searched.update(trial.distributions)
    return {
        **description,
        "family": OWN_FAMILY,
        "task": OWN_TASK,
        "task_description": "a study of your own Optuna objective, not made by `study run`",
        "objective": metrics[0] if metrics else "value",
        "searched": {name: describe_distribution(d) for name, d in searched.items()},
        "n_seeds": max((len(t.seeds) for t in trials), default=0),
        "own_objective": True,
    }


def describe_distribution(distribution: BaseDistribution) -> str:
    """A stored range in words, e.g. ``"2..256 log"``, ``"10..400 step 10"`` or ``"a | b"``."""
    if isinstance(distribution, CategoricalDistribution):
        return " | ".join(str(c) for c in distribution.choices)
    if not isinstance(distribution, IntDistribution | FloatDistribution):
        return repr(distribution)
    text = f"{_num(distribution.low)}..{_num(distribution.high)}"
    if distribution.log:
        text += " log"
    step = distribution.step
    if step is not None and not (isinstance(distribution, IntDistribution) and step == 1):
        text += f" step {_num(step)}"
    return text


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def study_description(attrs: dict[str, Any]) -> dict[str, Any]:
    """The :class:`StudyRecord` fields that describe the study, from its user attributes."""
    return {
        "family": str(attrs.get(keys.STUDY_FAMILY, "?")),
        "task": str(attrs.get(keys.STUDY_TASK_LABEL, "?")),
        "task_description": str(attrs.get(keys.STUDY_TASK_DESCRIPTION, "")),
        "objective": str(attrs.get(keys.STUDY_OBJECTIVE, "value")),
        "searched": dict(attrs.get(keys.STUDY_SEARCHED, {})),
        "fixed": dict(attrs.get(keys.STUDY_FIXED, {})),
        "n_seeds": int(attrs.get(keys.STUDY_SEEDS, 0)),
        "baseline_loss": attrs.get(keys.STUDY_BASELINE_LOSS),
        "space_text": str(attrs.get(keys.STUDY_SPACE_TEXT, "")),
        "space_path": str(attrs.get(keys.STUDY_SPACE_PATH, "")),
        "data_path": _data_path(attrs),
    }


def _data_path(attrs: dict[str, Any]) -> str:
    """The CSV task's data file, relative paths resolved against the search-space file's folder."""
    space, task = attrs.get(keys.STUDY_SPACE_PATH), attrs.get(keys.STUDY_TASK)
    csv = task.get("csv") if isinstance(task, dict) else None
    if not isinstance(space, str) or not space or not isinstance(csv, str) or not csv:
        return ""
    return str(Path(space).parent / csv)
