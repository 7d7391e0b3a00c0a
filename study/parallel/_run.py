"""Train a trial's seeds in parallel with joblib, watching their curves as they grow.

A worker that raises comes back as its seeds with an error. A worker process that dies
(killed, out of memory) takes the pool down with it; the groups that had not finished are then
run again one by one in fresh workers, so only the group whose worker dies again is recorded
as failed (``seed worker died: ...``) and the trial goes on with the other seeds.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
import numpy as np

from study.curves import SeedCurves
from study.parallel._backends import worker_deaths
from study.parallel._dask import no_worker_errors, run_on_cluster
from study.parallel._failures import failed_seeds
from study.parallel._lockstep import (
    DirectMonitor,
    LockstepCoordinator,
    LockstepMonitor,
    heartbeat,
)
from study.parallel._memory import TrialSizes, available_memory, check_memory, estimate_memory
from study.parallel._worker import leave_signals_to, prepare_worker, tie_to_parent
from study.params import Family, TrialParams

ProgressCallback = Callable[[list[SeedCurves]], bool]
"""Called with the seeds' curves so far; returning ``True`` stops all seeds (pruning)."""
Worker = Callable[["SeedJob", "Path | None", int], list[SeedCurves]]
"""What a worker runs: ``train_job`` or a module-level function with its signature."""

if TYPE_CHECKING:
    from study.builders import CustomModel
    from study.engine import TrainingMonitor
    from study.tasks import TaskData  # the tasks load pandas and scikit-learn


@dataclasses.dataclass(frozen=True)
class SeedJob:
    """One worker's share of a trial: some of its seeds, trained together.

    Attributes:
        family: Model family.
        params: The trial's parameters.
        data: The task's data, laid out for the family.
        seeds: The seeds this worker trains (as one seed-batched model).
        chunk_epochs: Epochs run between two looks at the curves.
        debug: Let an error propagate instead of recording it against the seeds.
        model: The user's own model (a builder's) to train instead of ``family``'s.
    """

    family: Family
    params: TrialParams
    data: TaskData
    seeds: tuple[int, ...]
    chunk_epochs: int
    debug: bool = False
    model: CustomModel | None = None


def train_job(job: SeedJob, channel: Path | None, group: int) -> list[SeedCurves]:
    """Train one worker's seeds; never raises: failures come back as seeds with an error.

    With a ``channel`` the worker publishes each chunk and waits for the trial's verdict,
    showing meanwhile that it is alive (see :mod:`study.parallel._lockstep`). The channel is
    a folder of the trial's machine: a worker that does not see it (a Dask worker on another
    machine) trains unwatched, and its curves arrive when it finishes; live checks need
    workers that share the filesystem.
    """
    if channel is not None and not channel.is_dir():
        channel = None  # A worker on another machine (Dask): it trains unwatched.
    if channel is None:
        return _train(job, None)
    with heartbeat(channel, group):
        return _train(job, LockstepMonitor(channel, group))


def _train(job: SeedJob, monitor: TrainingMonitor | None) -> list[SeedCurves]:
    try:
        prepare_worker()
        from study.engine import train_custom, train_seeds  # TensorFlow: loaded in workers only.

        if job.model is not None:  # The user's own model (see study.builders).
            curves = train_custom(
                job.model, job.data, job.seeds, chunk_epochs=job.chunk_epochs, monitor=monitor
            )
        else:
            curves = train_seeds(
                job.family,
                job.params,
                job.data,
                job.seeds,
                chunk_epochs=job.chunk_epochs,
                monitor=monitor,
            )
        return curves
    except Exception as e:  # A failing seed group must not end the trial for the others.
        if job.debug:
            raise
        return failed_seeds(job.seeds, e, job.params.epochs)


def run_seeds(
    family: Family,
    params: TrialParams,
    data: TaskData,
    seeds: Sequence[int],
    *,
    n_jobs: int = 1,
    backend: str = "loky",
    chunk_epochs: int = 50,
    on_progress: ProgressCallback | None = None,
    worker: Worker = train_job,
    debug: bool = False,
    model: CustomModel | None = None,
) -> list[SeedCurves]:
    """Train ``seeds`` over ``n_jobs`` workers and return their curves in seed order.

    Seeds are split into at most ``n_jobs`` groups; each group trains as one seed-batched model
    in one worker. With ``on_progress``, after every ``chunk_epochs`` epochs it sees every
    seed's curves so far, all at the same epoch; when it returns ``True`` every worker stops
    before its next chunk. Decisions depend on the curves only, so they are reproducible.

    One group trains in this process, except with the ``dask`` backend (inside
    :func:`~study.parallel.seed_cluster`), which sends every group to the cluster.

    Args:
        family: Model family.
        params: The trial's parameters.
        data: The task's data.
        seeds: The seeds to train.
        n_jobs: Workers, i.e. seed groups.
        backend: joblib backend: ``loky``, ``threading`` or ``dask``.
        chunk_epochs: Epochs between two looks at the curves.
        on_progress: Sees every seed's curves after each chunk; ``True`` stops them all.
        worker: The module-level function each worker runs (default :func:`train_job`),
            e.g. one that injects faults in tests. Any other function always runs in worker
            processes, never in this one.
        debug: Re-raise the first error of a seed instead of recording it (``run --debug``).
        model: The user's own model to train instead of ``family``'s (see
            :mod:`study.builders`).
    """
    data = data.for_family(family)
    groups = [tuple(int(s) for s in g) for g in np.array_split(list(seeds), n_jobs) if len(g)]
    jobs = [SeedJob(family, params, data, g, chunk_epochs, debug, model=model) for g in groups]
    in_process = len(jobs) == 1 and backend != "dask" and worker is train_job
    workers = 0 if in_process or backend != "loky" else len(jobs)
    # A user's own model has sizes of its own; a Dask cluster's memory is its workers'.
    skip = model is not None or backend == "dask"
    refused = None if skip else _refusal(family, params, data, len(seeds), workers)
    if refused is not None:  # Refused before any training: it could not fit in memory.
        if debug:
            raise MemoryError(refused)
        return failed_seeds([int(s) for s in seeds], MemoryError(refused), params.epochs)
    if in_process:
        monitor = None if on_progress is None else DirectMonitor(on_progress)
        results = [_train(jobs[0], monitor)]
    elif on_progress is None:
        results = _dispatch(jobs, None, backend, worker, lambda group: None)
    else:
        with tempfile.TemporaryDirectory(prefix="study-seeds-") as folder:
            coordinator = LockstepCoordinator(Path(folder), len(jobs), on_progress)
            coordinator.start()
            try:
                results = _dispatch(
                    jobs, Path(folder), backend, worker, coordinator.group_finished
                )
            finally:
                coordinator.close()
    by_seed = {c.seed: c for group in results for c in group}
    return [by_seed[int(s)] for s in seeds]


def _refusal(
    family: Family, params: TrialParams, data: TaskData, n_seeds: int, workers: int
) -> str | None:
    """Why this trial cannot fit in this machine's memory, or ``None`` when it may."""
    x, y = data.x_train, data.y_train
    sizes = TrialSizes(
        samples=len(x) + len(data.x_val),
        timesteps=x.shape[1] if x.ndim == 3 else 1,
        features=x.shape[-1],
        outputs=max(data.n_classes, y.shape[1] if y.ndim == 2 else 1),
        units=params.units,
        layers=params.layers,
        recurrent=family == "lstm",
        cell=params.cell,
        bidirectional=params.bidirectional,
        batch_size=params.batch_size,
        optimizer=params.optimizer,
        seeds=n_seeds,
        workers=workers,
    )
    return check_memory(estimate_memory(sizes), available_memory())


def _dispatch(
    jobs: list[SeedJob],
    channel: Path | None,
    backend: str,
    worker: Worker,
    finished: Callable[[int], None],
) -> list[list[SeedCurves]]:
    done: dict[int, list[SeedCurves]] = {}
    try:
        _run_pool(jobs, range(len(jobs)), channel, backend, worker, done, finished)
    except no_worker_errors() as e:  # The cluster lost every worker: nothing can run them.
        for i in range(len(jobs)):
            if i not in done:
                finished(i)
                done[i] = failed_seeds(
                    jobs[i].seeds, e, jobs[i].params.epochs, context="no Dask worker left"
                )
    except worker_deaths():  # A worker process died and took the pool (and results) with it.
        lost = [i for i in range(len(jobs)) if i not in done]
        for i in lost:
            finished(i)  # Live checks go on with the other groups.
        for i in lost:
            _rerun_alone(jobs, i, backend, worker, done)
    return [done[i] for i in range(len(jobs))]


def _rerun_alone(
    jobs: list[SeedJob],
    index: int,
    backend: str,
    worker: Worker,
    done: dict[int, list[SeedCurves]],
) -> None:
    """Run a group whose pool broke once more, alone and unwatched; record it if it dies."""
    try:
        _run_pool(jobs, [index], None, backend, worker, done, lambda group: None)
    except worker_deaths() as e:  # Its worker dies every time: that group is the cause.
        if jobs[index].debug:
            raise
        job = jobs[index]
        done[index] = failed_seeds(job.seeds, e, job.params.epochs, context="seed worker died")


def _run_pool(
    jobs: Sequence[SeedJob],
    indices: Sequence[int],
    channel: Path | None,
    backend: str,
    worker: Worker,
    done: dict[int, list[SeedCurves]],
    finished: Callable[[int], None],
) -> None:
    """Run ``jobs[indices]`` in worker processes, filling ``done`` as they return."""
    parent, main = os.getpid(), threading.current_thread() is threading.main_thread()

    def keep(index: int, curves: list[SeedCurves]) -> None:
        done[index] = curves
        finished(index)

    if backend == "dask":
        calls = ((worker, jobs[i], channel, i, parent, main) for i in indices)
        run_on_cluster(_indexed, calls, keep)
        return
    tasks = (joblib.delayed(_indexed)(worker, jobs[i], channel, i, parent, main) for i in indices)
    # At least two workers, so that even a single job runs in a worker, not in this process.
    parallel = joblib.Parallel(
        n_jobs=max(2, len(indices)), backend=backend, return_as="generator_unordered"
    )
    for index, curves in parallel(tasks):
        keep(index, curves)


def _indexed(
    worker: Worker,
    job: SeedJob,
    channel: Path | None,
    index: int,
    parent: int,
    from_main_thread: bool,
) -> tuple[int, list[SeedCurves]]:
    tie_to_parent(parent, from_main_thread=from_main_thread)
    leave_signals_to(parent)
    try:
        return index, worker(job, channel, index)
    except Exception as e:  # A worker reports failures as records, whatever its function.
        if job.debug:
            raise
        return index, failed_seeds(job.seeds, e, job.params.epochs)
