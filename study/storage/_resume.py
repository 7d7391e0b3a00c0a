"""Resuming a study: re-run interrupted trials, never repeat finished ones.

A trial is interrupted when its process stopped before the trial ended: Ctrl-C, a crash, a
``kill -9``, a lost machine. It is failed, and its parameters are queued again, once, by
Optuna's :class:`~optuna.storages.RetryHeartbeatStaleTrialCallback`: the re-run carries
Optuna's ``failed_trial``/``retry_history`` system attributes and our readable ``retry_of``. How
a dead process is noticed depends on the storage:

* SQLite serves one run (see :func:`~study.storage._sqlite.lock_sqlite`), so every
  ``RUNNING`` trial found when a run starts is interrupted.
* A server database (PostgreSQL): a trial whose heartbeat went stale is failed by Optuna's
  :func:`~optuna.storages.fail_stale_trials`, which calls the retry callback; any worker
  notices it.
* A storage without heartbeats (the journal file, one machine): a ``RUNNING`` trial tagged
  with a process of this machine that no longer exists is interrupted. Trials of storages with
  heartbeats are left to them, since workers on different machines (or containers) may share
  a host name while their process ids mean nothing to each other.

Everything goes through Optuna's public API: a trial of a dead process is failed with
``Study.tell(number, state=FAIL)``, which cannot add attributes to it, so such a trial is known
as interrupted by its re-run (see :func:`study.storage.runs.was_interrupted`).
"""

from __future__ import annotations

import copy
import datetime
import os
import socket
import warnings
from pathlib import Path
from typing import Any, TypeGuard

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import FrozenTrial, TrialState

from study.storage import _keys as keys
from study.storage._decode import retried_numbers

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
WORKER_ATTR = keys.WORKER
"""User attribute of a running trial naming its process (see :func:`worker_tag`)."""
UNTAGGED_SECONDS = 120.0
"""A ``RUNNING`` trial older than this that never named its process was abandoned while it
started (the process died between creating the trial and running it)."""
REQUEUE_GRACE_SECONDS = 60.0
"""How long other runs leave an interrupted trial of another machine's process to that
process, which queues its re-run as it stops (see :func:`recover`)."""


def requeue(study: optuna.Study, trial: FrozenTrial) -> None:
    """Queue a re-run of interrupted ``trial`` with the same parameters (no duplicate check).

    The stale-heartbeat callback of the storages :func:`study.storage.open_storage` opens for
    writing: Optuna calls it once per stale trial, from the process that failed it.
    """
    rerun = copy.deepcopy(trial)
    # What described the interrupted run (its process, its partial results) is not the
    # re-run's; Optuna's own system attributes (retry history, fixed parameters) carry over.
    rerun.user_attrs = {
        keys.PARAMS: trial.user_attrs.get(keys.PARAMS, {}),
        keys.RETRY_OF: trial.number,
    }
    rerun.system_attrs = {
        k: v for k, v in rerun.system_attrs.items() if not k.startswith("study:")
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        RetryHeartbeatStaleTrialCallback()(study, rerun)


def retry_trial(study: optuna.Study, trial: FrozenTrial) -> None:
    """Queue a re-run of an interrupted trial unless one is queued already."""
    if trial.number not in retried_numbers(study.get_trials(deepcopy=False)):
        requeue(study, trial)


def fail_interrupted(study: optuna.Study, trial: FrozenTrial) -> None:
    """Fail a ``RUNNING`` trial whose process is gone and queue its re-run."""
    try:
        study.tell(trial.number, state=TrialState.FAIL)
    except (ValueError, RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
        return  # Another process finished or failed it meanwhile.
    requeue(study, trial)


def recover(study: optuna.Study, *, single_process: bool) -> list[int]:
    """Fail and re-queue trials that a dead process left behind.

    Args:
        study: The study being resumed.
        single_process: The storage serves one run (SQLite, locked by this one): every
            ``RUNNING`` trial was left by a process that is gone. Otherwise only trials whose
            heartbeat is stale or whose process (on this machine) is gone.

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
        requeued.extend(fail_dead_workers(study))
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    now = datetime.datetime.now()
    for trial in trials:
        interrupted = trial.user_attrs.get(keys.INTERRUPTED)
        if (
            trial.state == TrialState.FAIL
            and interrupted
            and trial.number not in retried
            and (single_process or _owner_gone(trial, now))
        ):
            requeue(study, trial)
            requeued.append(trial.number)
    return sorted(set(requeued))


def _owner_gone(trial: FrozenTrial, now: datetime.datetime) -> bool:
    """Whether an interrupted trial's re-run is left to other runs.

    Its own process queues the re-run as it stops, milliseconds after the trial ends; a
    second run doing the same at that moment would queue it twice. So another run steps in
    only when that process is known gone (this machine, no heartbeat), or when the re-run is
    still missing :data:`REQUEUE_GRACE_SECONDS` after the trial ended.
    """
    tag = trial.user_attrs.get(WORKER_ATTR)
    if _watched_here(tag):
        return not _alive(tag.get("pid"), tag.get("started"))
    ended = trial.datetime_complete
    return ended is None or (now - ended).total_seconds() > REQUEUE_GRACE_SECONDS


def worker_tag(*, heartbeat: bool = False) -> dict[str, Any]:
    """The value of :data:`WORKER_ATTR` for a trial run by this process.

    Args:
        heartbeat: The trial's storage sends heartbeats: other runs leave the trial to them.
    """
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "started": _process_started(pid),
        "heartbeat": heartbeat,
    }


def tag_worker(trial: optuna.Trial) -> None:
    """Name this process on ``trial``, so other runs on this machine notice when it is gone."""
    storage = trial.storage
    heartbeat = isinstance(storage, RDBStorage) and storage.get_heartbeat_interval() is not None
    trial.set_user_attr(WORKER_ATTR, worker_tag(heartbeat=heartbeat))


def fail_dead_workers(study: optuna.Study) -> list[int]:
    """Interrupt ``RUNNING`` trials whose process is gone; return their numbers.

    A trial counts as orphaned when its :data:`WORKER_ATTR` names a process of this machine
    that no longer runs (or a new process that reused its id), or when it never named a
    process and started more than :data:`UNTAGGED_SECONDS` ago. Trials of live processes,
    of other machines and of storages with heartbeats are left alone.
    """
    now = datetime.datetime.now()
    orphaned = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        tag = trial.user_attrs.get(WORKER_ATTR)
        if isinstance(tag, dict):
            dead = _watched_here(tag) and not _alive(tag.get("pid"), tag.get("started"))
        else:
            started = trial.datetime_start
            dead = started is not None and (now - started).total_seconds() > UNTAGGED_SECONDS
        if dead:
            fail_interrupted(study, trial)
            orphaned.append(trial.number)
    return orphaned


def _watched_here(tag: Any) -> TypeGuard[dict[str, Any]]:
    """Whether a worker tag names a process of this machine that no heartbeat watches.

    Only such a process can be checked for life from here (its id means nothing elsewhere).
    """
    return (
        isinstance(tag, dict)
        and not tag.get("heartbeat")
        and tag.get("host") == socket.gethostname()
    )


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

    Reads states and the short user attributes only: no curve is ever decoded.
    """
    trials = study.get_trials(deepcopy=False)
    retried = retried_numbers(trials)
    finished = sum(
        1
        for t in trials
        if t.state in FINISHED
        and not (
            t.state == TrialState.FAIL
            and (t.user_attrs.get(keys.INTERRUPTED) or t.number in retried)
        )
    )
    return finished, sum(t.state == TrialState.RUNNING for t in trials)


def state_counts(study: optuna.Study) -> dict[str, int]:
    """Number of trials in each Optuna state (by name), without decoding any curve."""
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return counts
