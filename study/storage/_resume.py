"""Resuming a study: re-run interrupted trials, never repeat finished ones.

A trial is interrupted when its process stopped before the trial ended: Ctrl-C, a crash, a
``kill -9``, a lost machine. It is failed with the user attribute ``interrupted`` and its
parameters are queued again with ``retry_of`` set to its number, once. How a dead process is
noticed depends on the storage:

* SQLite serves one process, so every ``RUNNING`` trial found when a run starts is interrupted.
* A server database (PostgreSQL): a trial whose heartbeat went stale (see
  :mod:`study.storage._open`) is interrupted; any worker notices it.
* A storage without heartbeats (the journal file, one machine): a ``RUNNING`` trial tagged
  with a process of this machine that no longer exists is interrupted. Server databases
  rely on heartbeats only, since workers on different machines (or containers) may share a
  host name while their process ids mean nothing to each other.
"""

from __future__ import annotations

import datetime
import os
import socket
import warnings
from pathlib import Path
from typing import Any

import optuna
from optuna.storages._heartbeat import is_heartbeat_enabled
from optuna.trial import FrozenTrial, TrialState

from study.storage._attrs import retried_numbers

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
WORKER_ATTR = "worker"
"""User attribute of a running trial naming its process: ``{"host", "pid", "started"}``."""
UNTAGGED_SECONDS = 120.0
"""A ``RUNNING`` trial older than this that never named its process was abandoned while it
started (the process died between creating the trial and running it)."""


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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        if not is_heartbeat_enabled(study._storage):
            requeued.extend(fail_dead_workers(study))
    retried = _retried(study)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.FAIL,)):
        if trial.user_attrs.get("interrupted") and trial.number not in retried:
            retry_trial(study, trial)
            requeued.append(trial.number)
    return sorted(requeued)


def worker_tag() -> dict[str, Any]:
    """The value of :data:`WORKER_ATTR` for a trial run by this process."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": _process_started(pid)}


def fail_dead_workers(study: optuna.Study) -> list[int]:
    """Interrupt ``RUNNING`` trials whose process is gone; return their numbers.

    A trial counts as orphaned when its :data:`WORKER_ATTR` names a process of this machine
    that no longer runs (or a new process that reused its id), or when it never named a
    process and started more than :data:`UNTAGGED_SECONDS` ago. Trials of live processes
    and of other machines are left to their heartbeats.
    """
    now = datetime.datetime.now()
    host = socket.gethostname()
    orphaned = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        tag = trial.user_attrs.get(WORKER_ATTR)
        if isinstance(tag, dict):
            dead = tag.get("host") == host and not _alive(tag.get("pid"), tag.get("started"))
        else:
            started = trial.datetime_start
            dead = started is not None and (now - started).total_seconds() > UNTAGGED_SECONDS
        if dead:
            fail_interrupted(study, trial)
            orphaned.append(trial.number)
    return orphaned


def _alive(pid: Any, started: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # It exists but belongs to another user.
    return started is None or _process_started(pid) in (None, started)


def _process_started(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), else ``None``.

    Tells a process apart from a later one that was given the same id.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[19]) if len(fields) > 19 else None


def count_finished(study: optuna.Study) -> int:
    """Trials that count toward the target: complete, pruned, or failed for a real cause.

    A trial that was interrupted, or whose worker died (and so is re-run), does not count.
    """
    return count_states(study)[0]


def count_states(study: optuna.Study) -> tuple[int, int]:
    """The finished trials (as :func:`count_finished` counts them) and the running ones.

    One read of the study serves both counts: a large study's trials carry their curves.
    """
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    finished = sum(
        1
        for t in trials
        if t.state in FINISHED
        and not (
            t.state == TrialState.FAIL
            and (t.user_attrs.get("interrupted") or t.number in retried)
        )
    )
    return finished, sum(t.state == TrialState.RUNNING for t in trials)


def _retried(study: optuna.Study) -> set[int]:
    return retried_numbers(study.get_trials(deepcopy=False))


def _has_retry(study: optuna.Study, number: int) -> bool:
    return number in _retried(study)
