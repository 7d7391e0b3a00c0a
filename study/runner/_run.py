"""Run a study until it has the requested number of finished trials, resuming what is stored.

Several runs of the same study may work side by side when the storage allows it (PostgreSQL,
or a journal file on one machine): each takes trials until the study has its target. Before
asking for a trial, a run counts the finished trials and the trials running elsewhere; when
those running would reach the target, it waits for them instead of starting more, and takes
over any whose worker dies. Two runs can still ask in the same instant, so a study may end with
up to ``runs - 1`` trials more than its target; never fewer, and never one trial twice.

SQLite serves one process: a run on SQLite takes every ``RUNNING`` trial it finds at start
for one left behind by a crash, fails it and re-runs its parameters.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TextIO

import optuna

from study.diagnosis import DiagnosisConfig
from study.errors import InputError, TrialError
from study.parallel import warm_up
from study.parallel._backends import check_backend, seed_cluster
from study.pruning import PrunerSettings
from study.runner._objective import Objective, RunSettings
from study.runner._progress import Progress
from study.runner._setup import (
    RunOptions,
    existing_study,
    open_study,
    resolve_space,
    task_data,
)
from study.space import SearchSpace
from study.storage import (
    count_finished,
    count_states,
    error_reason,
    is_sqlite,
    is_storage_error,
    keys,
    mark_interrupted,
    mask_url,
    open_storage,
    recover,
    resolve_url,
    retry_trial,
    tag_worker,
)
from study.tasks import TaskData

WAIT_SECONDS = 1.0
"""How often a run that waits for other workers' trials looks at the study again."""


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What a run did: where the study lives and how far it got."""

    study: str
    storage: str
    finished: int
    target: int


def run(options: RunOptions, *, out: TextIO | None = None) -> RunResult:
    """Validate everything, then create or resume the study and run it to its target.

    Raises:
        InputError: Bad input of any kind, found before anything is stored or trained; or
            the storage became unreachable during the run (what was stored stays, and the
            same command resumes it).
        KeyboardInterrupt: Ctrl-C; the running trial is stored as interrupted and re-run on
            resume.
    """
    out = out or sys.stdout
    # Failed trials are reported once by the progress display, without Optuna's traceback.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    check_backend(options.backend, options.scheduler)
    url = resolve_url(options.storage)
    storage = open_storage(url, stale_callback=retry_trial)
    with _storage_guard(url):
        existing = existing_study(storage, options.study)
        space = resolve_space(options, existing)
        diagnosis = DiagnosisConfig.from_mapping(space.diagnosis)
        pruning = PrunerSettings.from_mapping(space.pruner)
        data = task_data(space)
        jobs = options.jobs or max(1, min(space.seeds, os.cpu_count() or 1))
        with seed_cluster(options.backend, options.scheduler, jobs) as cluster:
            study = open_study(storage, options.study, space, data, existing, pruning,
                                diagnosis, single_process=is_sqlite(url))
            print(f"study '{options.study}' in {mask_url(url)}", file=out)
            if cluster is not None:
                print(f"seeds run on the {cluster}", file=out)
            requeued = recover(study, single_process=is_sqlite(url))
            if requeued:
                print(f"re-running interrupted trial(s) {', '.join(map(str, requeued))}",
                      file=out)
            _optimize(study, space, data, options, diagnosis, pruning, jobs)
        finished = count_finished(study)
    print(f"study '{options.study}': {finished} finished trials, in {mask_url(url)}", file=out)
    return RunResult(options.study, mask_url(url), finished, options.trials)


@contextlib.contextmanager
def _storage_guard(url: str) -> Iterator[None]:
    """Turn a storage failure into one line that says how to resume.

    Errors of the storage in background threads (Optuna's heartbeat) are left to the main
    thread, which meets the same storage soon after, instead of printing a traceback.
    """
    previous = threading.excepthook

    def quiet(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or not is_storage_error(args.exc_value):
            previous(args)

    threading.excepthook = quiet
    try:
        yield
    except InputError:
        raise
    except Exception as e:
        if not is_storage_error(e):
            raise
        raise InputError(
            f"lost the storage {mask_url(url)}: {error_reason(e, url)}; finished trials are "
            "kept: run the same command again to resume once the storage is back."
        ) from None
    finally:
        threading.excepthook = previous


def _optimize(
    study: optuna.Study,
    space: SearchSpace,
    data: TaskData,
    options: RunOptions,
    diagnosis: DiagnosisConfig,
    pruning: PrunerSettings,
    jobs: int,
) -> None:
    finished = count_finished(study)
    progress = Progress(finished, options.trials)
    objective = Objective(
        space, data, RunSettings(n_jobs=jobs, backend=options.backend), diagnosis, progress,
        check_every=pruning.check_every if pruning.enabled else None,
    )
    guarded = _guard(objective)
    if finished < options.trials:
        warm_up(jobs, options.backend)
    try:
        while (done := _next(study, options.trials)) is not None:
            progress.finished(done)
            study.optimize(guarded, n_trials=1, catch=(TrialError,))
    except KeyboardInterrupt:
        _requeue_interrupted(study)
        raise


def _next(study: optuna.Study, target: int) -> int | None:
    """Wait until a trial may start; return the finished count then, or ``None`` when done.

    A trial may start when the finished trials plus those running in other workers fall
    short of ``target``. Meanwhile trials of dead workers are failed and queued again.
    """
    while True:
        done, running = count_states(study)
        if done >= target:
            return None
        if done + running < target:
            return done
        time.sleep(WAIT_SECONDS)
        recover(study, single_process=False)


def _guard(objective: Objective) -> Callable[[optuna.Trial], float]:
    """The objective, with the trial tagged with this process and marked when interrupted.

    The tag lets other runs on this machine tell at once when this process is gone; the mark
    (set on Ctrl-C anywhere in the trial, or when the storage fails under it) keeps a trial
    that did not run to its end from counting as finished, so it is re-run.
    """

    def guarded(trial: optuna.Trial) -> float:
        tag_worker(trial)
        try:
            return objective(trial)
        except KeyboardInterrupt:
            _mark_interrupted(trial)
            raise
        except Exception as e:
            if is_storage_error(e):
                _mark_interrupted(trial)
            raise

    return guarded


def _mark_interrupted(trial: optuna.Trial) -> None:
    # The storage may be what failed: then the trial stays RUNNING and is recovered later.
    with contextlib.suppress(Exception):
        mark_interrupted(trial)


def _requeue_interrupted(study: optuna.Study) -> None:
    with contextlib.suppress(Exception):  # Best effort: a resume re-queues them as well.
        for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.FAIL,)):
            if trial.user_attrs.get(keys.INTERRUPTED):
                retry_trial(study, trial)

