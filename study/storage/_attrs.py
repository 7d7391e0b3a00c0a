"""Writing a study: the only encoder of what a study stores beside Optuna's own fields.

Where each piece goes, and why, is described in :mod:`study.storage._keys`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import optuna

from study.curves import SeedCurves
from study.diagnosis import TrialDiagnosis
from study.storage import _keys as keys
from study.storage._records import PruneInfo


def write_study_attrs(study: optuna.Study, attrs: Mapping[str, Any]) -> None:
    """Store the study's description (space, task, seeds); written once at creation."""
    for key, value in {keys.STUDY_FORMAT: keys.FORMAT, **attrs}.items():
        study.set_user_attr(key, value)


def trial_attrs(
    curves: Sequence[SeedCurves],
    diagnosis: TrialDiagnosis | None,
    pruned: PruneInfo | None = None,
    error: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Encode a trial's result as ``(user_attrs, system_attrs)``.

    The pure form of :func:`write_trial_result`, for building stored trials directly (e.g.
    with ``optuna.trial.create_trial``).
    """
    user: dict[str, Any] = {}
    system: dict[str, Any] = {keys.CURVES: [c.to_dict() for c in curves]}
    if diagnosis is not None:
        full = diagnosis.to_dict()
        user[keys.DIAGNOSIS] = {k: full[k] for k in keys.DIAGNOSIS_SUMMARY}
        system[keys.FULL_DIAGNOSIS] = full
    if pruned is not None:
        user[keys.PRUNED] = pruned.to_dict()
    if error is not None:
        user[keys.ERROR], full_error = _cut(error)
        if full_error is not None:
            system[keys.FULL_ERROR] = full_error
    return user, system


def write_trial_result(
    trial: optuna.Trial,
    curves: Sequence[SeedCurves],
    diagnosis: TrialDiagnosis | None,
    pruned: PruneInfo | None = None,
) -> None:
    """Store a trial's curves, diagnosis and prune details."""
    user, system = trial_attrs(curves, diagnosis, pruned)
    _write(trial, user, system)


def write_params(trial: optuna.Trial, params: Mapping[str, Any]) -> None:
    """Store every model parameter's value (sampled, fixed or default) of a trial."""
    trial.set_user_attr(keys.PARAMS, dict(params))


def write_error(trial: optuna.Trial, message: str) -> None:
    """Store why a trial failed (cut short in the readable attribute, whole beside it)."""
    user, system = trial_attrs((), None, error=message)
    system.pop(keys.CURVES)
    _write(trial, user, system)


def mark_interrupted(trial: optuna.Trial) -> None:
    """Mark a trial that a Ctrl-C or a failing storage stopped: it does not count as finished,
    and a resume re-runs it."""
    trial.set_user_attr(keys.INTERRUPTED, True)


def finished_elsewhere(trial: optuna.Trial) -> bool:
    """Whether the storage holds ``trial`` as finished while this process still runs it.

    Another run fails a trial as stale when its heartbeat stops for longer than the grace
    period (its process was paused, say) and queues its re-run; the paused process, once
    resumed, can no longer store anything of that trial. A storage that cannot be read says
    ``False``: the caller's own error stands.
    """
    try:
        storage = trial.storage
        study_id = storage.get_study_id_from_name(trial.study.study_name)
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        return storage.get_trial(trial_id).state.is_finished()
    except Exception:
        return False


def _write(trial: optuna.Trial, user: Mapping[str, Any], system: Mapping[str, Any]) -> None:
    for key, value in user.items():
        trial.set_user_attr(key, value)
    if not system:
        return
    # `Trial` sets no system attributes any more; its storage does, by the trial's id.
    storage = trial.storage
    study_id = storage.get_study_id_from_name(trial.study.study_name)
    trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
    for key, value in system.items():
        storage.set_trial_system_attr(trial_id, key, value)


def _cut(text: str) -> tuple[str, str | None]:
    """The readable head of ``text``, and the whole text when the head is shorter."""
    if len(text) <= keys.ERROR_SHOWN:
        return text, None
    return text[: keys.ERROR_SHOWN - 1] + "…", text
