"""A run's trials when a stop or a storage failure cuts them short: marked, then re-queued once.

A trial that did not run to its end must not count as finished: it is marked interrupted
(:func:`~study.storage.runs.mark_interrupted`) and its parameters are queued again when the run
stops, so the next run trains it from the start.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Callable

import optuna

from study.runner._objective import Objective
from study.storage import keys
from study.storage.runs import (
    finished_elsewhere,
    is_storage_error,
    mark_interrupted,
    retry_trial,
    tag_worker,
)


def guard(objective: Objective, taken: list[int]) -> Callable[[optuna.Trial], float]:
    """The objective, with the trial tagged with this process and marked when interrupted.

    The tag lets other runs on this machine tell at once when this process is gone; the mark
    (set on Ctrl-C anywhere in the trial, or when the storage fails under it) keeps a trial
    that did not run to its end from counting as finished, so it is re-run. A trial that
    another run finished meanwhile (see :func:`~study.storage.runs.finished_elsewhere`) is added to
    ``taken``: Optuna then fails to store its end, and the run goes on to the next trial.
    """

    def guarded(trial: optuna.Trial) -> float:
        try:
            tag_worker(trial)
            value = objective(trial)
        except KeyboardInterrupt:
            _mark(trial)
            raise
        except Exception as e:
            if is_storage_error(e):
                _mark(trial)
            if finished_elsewhere(trial):
                taken.append(trial.number)
            raise
        if finished_elsewhere(trial):
            taken.append(trial.number)
        return value

    return guarded


def taken_over(number: int) -> str:
    """The line a run prints when another run took its trial over while it was paused."""
    return (
        f"trial {number} was failed by another run while this process was paused (its "
        "heartbeat stopped past $STUDY_GRACE_SECONDS); that run queued its re-run; going on."
    )


def _mark(trial: optuna.Trial) -> None:
    # The storage may be what failed: then the trial stays RUNNING and is recovered later.
    with contextlib.suppress(Exception):
        mark_interrupted(trial)


def requeue_interrupted(study: optuna.Study, asked_since: datetime.datetime) -> None:
    """Queue the re-run of the trials this stop interrupted.

    Those marked interrupted, and the trial this process had just asked (started from
    ``asked_since`` on) when the stop came before the mark could be set (Optuna then fails it
    plainly): it has no result, no error and names no other process.
    """
    with contextlib.suppress(Exception):  # Best effort: a resume re-queues them as well.
        for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.FAIL,)):
            if trial.user_attrs.get(keys.INTERRUPTED) or _cut_short_here(trial, asked_since):
                retry_trial(study, trial)


def _cut_short_here(trial: optuna.trial.FrozenTrial, asked_since: datetime.datetime) -> bool:
    tag = trial.user_attrs.get(keys.WORKER)
    mine = tag is None or (isinstance(tag, dict) and tag.get("pid") == os.getpid())
    started = trial.datetime_start
    return (
        started is not None
        and started >= asked_since
        and mine
        and keys.ERROR not in trial.user_attrs
        and keys.DIAGNOSIS not in trial.user_attrs
    )
