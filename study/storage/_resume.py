"""Resuming a study: re-run interrupted trials, never repeat finished ones."""

from __future__ import annotations

import optuna
from optuna.trial import FrozenTrial, TrialState

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def retry_trial(study: optuna.Study, trial: FrozenTrial) -> None:
    """Queue a re-run of an interrupted trial with the same parameters.

    Used as the storage's stale-heartbeat callback and after a Ctrl-C or a crash. The re-run
    records ``retry_of`` so the interrupted trial is not counted as finished.
    """
    if _has_retry(study, trial.number):
        return
    study.enqueue_trial(
        trial.params,
        user_attrs={"retry_of": trial.number, "params": trial.user_attrs.get("params", {})},
    )


def fail_interrupted(study: optuna.Study, trial: FrozenTrial) -> None:
    """Fail a ``RUNNING`` trial whose process is gone, marked interrupted, and queue its re-run."""
    storage = study._storage
    try:
        storage.set_trial_user_attr(trial._trial_id, "interrupted", True)
        storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
    except optuna.exceptions.UpdateFinishedTrialError:
        return  # Another process finished or failed it meanwhile.
    retry_trial(study, trial)


def recover(study: optuna.Study, *, single_process: bool) -> list[int]:
    """Fail and re-queue trials that a dead process left behind.

    Args:
        study: The study being resumed.
        single_process: The storage serves one process (SQLite): every ``RUNNING`` trial was
            left by a process that is gone. Otherwise only trials whose heartbeat is stale.

    Returns:
        The numbers of the trials that will be re-run.
    """
    requeued = []
    if single_process:
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            fail_interrupted(study, trial)
            requeued.append(trial.number)
    else:
        optuna.storages.fail_stale_trials(study)
    retried = _retried(study)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.FAIL,)):
        if trial.user_attrs.get("interrupted") and trial.number not in retried:
            retry_trial(study, trial)
            requeued.append(trial.number)
    return sorted(requeued)


def count_finished(study: optuna.Study) -> int:
    """Trials that count toward the target: complete, pruned, or failed for a real cause.

    A trial that was interrupted, or whose worker died (and so is re-run), does not count.
    """
    retried = _retried(study)
    return sum(
        1
        for t in study.get_trials(deepcopy=False, states=FINISHED)
        if not (
            t.state == TrialState.FAIL
            and (t.user_attrs.get("interrupted") or t.number in retried)
        )
    )


def _retried(study: optuna.Study) -> set[int]:
    return {
        int(t.user_attrs["retry_of"])
        for t in study.get_trials(deepcopy=False)
        if t.user_attrs.get("retry_of") is not None
    }


def _has_retry(study: optuna.Study, number: int) -> bool:
    return number in _retried(study)
