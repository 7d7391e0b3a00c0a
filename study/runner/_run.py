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
import datetime
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

import optuna

from study.errors import InputError, TrialError
from study.parallel import check_backend, seed_cluster, warm_up
from study.pruning import PruningPolicy
from study.runner._evaluate import final_score
from study.runner._interrupted import guard, requeue_interrupted, taken_over
from study.runner._logging import optuna_logging
from study.runner._objective import Objective, RunSettings
from study.runner._progress import Progress
from study.runner._setup import (
    RunOptions,
    RunPlan,
    existing_study,
    given_space,
    open_study,
    plan_run,
    resolve_space,
)
from study.runner._signals import StopRequest, stop_on_signals
from study.storage import check_storage, keys, mask_url, open_storage, resolve_url
from study.storage.runs import (
    count_finished,
    count_states,
    error_reason,
    is_journal,
    is_sqlite,
    is_storage_error,
    recover,
    retry_trial,
)
from study.wording import plural

TrialCallback = Callable[[optuna.Study, optuna.trial.FrozenTrial], None]
"""What ``run`` calls after each trial this process finishes (as Optuna's ``optimize`` does)."""

WAIT_SECONDS = 1.0
"""How often a run that waits for other workers' trials looks at the study again."""


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What a run did: where the study lives and how far it got."""

    study: str
    storage: str
    finished: int
    target: int


def run(
    options: RunOptions,
    *,
    out: TextIO | None = None,
    callbacks: Sequence[TrialCallback] = (),
) -> RunResult:
    """Validate everything, then create or resume the study and run it to its target.

    The search space, its settings, the task's data and the flags are all checked before the
    storage is opened for writing: bad input leaves the storage as it was (no new file).

    Args:
        options: What to run, where and how.
        out: Where the run's lines go (standard output by default).
        callbacks: Called after each trial this process finishes, with the study and the
            frozen trial (Optuna's ``optimize`` callbacks), e.g. to rewrite a live report.

    Raises:
        InputError: Bad input of any kind, found before anything is stored or trained; or
            the storage became unreachable during the run (what was stored stays, and the
            same command resumes it).
        KeyboardInterrupt: Ctrl-C or SIGTERM; the running trial is stored as interrupted
            and re-run on resume. A second signal exits the process at once (code 130).
    """
    out = out or sys.stdout
    with stop_on_signals() as stop, optuna_logging():
        check_backend(options.backend, options.scheduler)
        url = resolve_url(options.storage)
        given = given_space(options)
        plan = None if given is None else plan_run(given, options)
        check_storage(url)  # The URL's form, without creating or changing anything.
        existing = _read_existing(url, options.study, needed=given is None)
        space = resolve_space(options, existing, given)
        # A resumed space read again from the same file plans the same run: keep that plan
        # (its data loaded, a builder checked) instead of making it twice.
        if plan is None or plan.space.fingerprint() != space.fingerprint():
            plan = plan_run(space, options)
        storage = open_storage(url, stale_callback=retry_trial)
        with _storage_guard(url):
            finished = _run_plan(plan, storage, url, existing, options, out, stop, callbacks)
    print(
        f"study '{options.study}': {plural(finished, 'finished trial')}, in {mask_url(url)}",
        file=out,
    )
    return RunResult(options.study, mask_url(url), finished, options.trials)


def _read_existing(url: str, name: str, *, needed: bool) -> optuna.Study | None:
    """The stored study ``name``, read without creating anything; ``None`` when absent.

    With ``needed`` (no ``--space`` given) a missing storage is the user's error.
    """
    try:
        reader = open_storage(url, must_exist=True)
    except InputError:
        if not needed:
            return None  # A new storage; an unreachable one fails when opened for writing.
        if is_sqlite(url) or is_journal(url):  # No such file: no such study.
            raise InputError(
                f"study '{name}' does not exist yet; give --space FILE to create it."
            ) from None
        raise
    study = existing_study(reader, name)
    if study is not None and keys.STUDY_FINGERPRINT not in study.user_attrs:
        return None  # Its creation was cut short (a signal) before its definition was stored.
    return study


def _run_plan(
    plan: RunPlan,
    storage: optuna.storages.BaseStorage,
    url: str,
    existing: optuna.Study | None,
    options: RunOptions,
    out: TextIO,
    stop: StopRequest,
    callbacks: Sequence[TrialCallback],
) -> int:
    with seed_cluster(options.backend, options.scheduler, plan.jobs) as cluster:
        study = open_study(
            storage,
            options.study,
            plan.space,
            plan.data,
            existing,
            plan.pruning,
            single_process=is_sqlite(url),
        )
        print(f"study '{options.study}' in {mask_url(url)}", file=out)
        if cluster is not None:
            print(f"seeds run on the {cluster}", file=out)
        if plan.jobs_note is not None:
            print(plan.jobs_note, file=out)
        requeued = recover(study, single_process=is_sqlite(url))
        if requeued:
            print(f"re-running interrupted trial(s) {', '.join(map(str, requeued))}", file=out)
        _optimize(study, plan, options, stop, out, callbacks)
        final_score(study, plan, options, out)
    return count_finished(study)


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
    plan: RunPlan,
    options: RunOptions,
    stop: StopRequest,
    out: TextIO,
    callbacks: Sequence[TrialCallback],
) -> None:
    finished = count_finished(study)
    progress = Progress(finished, options.trials)
    policy = PruningPolicy.of(plan.pruning, plan.diagnosis, plan.pruning.wrapped())
    settings = RunSettings(
        n_jobs=plan.jobs,
        backend=options.backend,
        debug=options.debug,
        keep_models=options.keep_models,
        artifacts=options.artifacts,
    )
    objective = Objective(
        plan.space,
        plan.data,
        settings,
        plan.diagnosis,
        progress,
        policy,
        stop_requested=stop,
        source=plan.source,
    )
    taken: list[int] = []  # Trials another run finished while this process ran them.
    guarded = guard(objective, taken)
    asked_since = datetime.datetime.now()
    try:
        if finished < options.trials:
            warm_up(plan.jobs, options.backend)
        while (done := _next(study, options.trials, stop)) is not None:
            progress.finished(done)
            asked_since = datetime.datetime.now()
            taken.clear()
            try:
                study.optimize(guarded, n_trials=1, catch=(TrialError,), callbacks=callbacks)
            except Exception:
                if not taken:
                    raise
                print(taken_over(taken[0]), file=out)
    except KeyboardInterrupt:
        requeue_interrupted(study, asked_since)
        raise


def _next(study: optuna.Study, target: int, stop: StopRequest) -> int | None:
    """Wait until a trial may start; return the finished count then, or ``None`` when done.

    A trial may start when the finished trials plus those running in other workers fall
    short of ``target``. Meanwhile trials of dead workers are failed and queued again.
    """
    while True:
        stop()
        done, running = count_states(study)
        if done >= target:
            return None
        if done + running < target:
            return done
        time.sleep(WAIT_SECONDS)
        recover(study, single_process=False)
