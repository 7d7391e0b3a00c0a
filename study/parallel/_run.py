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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
import numpy as np

from study.curves import SeedCurves
from study.parallel._lockstep import DirectMonitor, LockstepCoordinator, LockstepMonitor
from study.params import Family, TrialParams
from study.tasks import TaskData

ProgressCallback = Callable[[list[SeedCurves]], bool]
"""Called with the seeds' curves so far; returning ``True`` stops all seeds (pruning)."""
Worker = Callable[["SeedJob", "Path | None", int], list[SeedCurves]]
"""What a worker runs: ``train_job`` or a module-level function with its signature."""

if TYPE_CHECKING:
    from study.engine import TrainingMonitor

_configured = False


@dataclasses.dataclass(frozen=True)
class SeedJob:
    """One worker's share of a trial: some of its seeds, trained together.

    Attributes:
        family: Model family.
        params: The trial's parameters.
        data: The task's data, laid out for the family.
        seeds: The seeds this worker trains (as one seed-batched model).
        chunk_epochs: Epochs run between two looks at the curves.
    """

    family: Family
    params: TrialParams
    data: TaskData
    seeds: tuple[int, ...]
    chunk_epochs: int


def train_job(job: SeedJob, channel: Path | None, group: int) -> list[SeedCurves]:
    """Train one worker's seeds; never raises: failures come back as seeds with an error.

    With a ``channel`` the worker publishes each chunk and waits for the trial's verdict
    (see :mod:`study.parallel._lockstep`).
    """
    return _train(job, None if channel is None else LockstepMonitor(channel, group))


def _train(job: SeedJob, monitor: TrainingMonitor | None) -> list[SeedCurves]:
    global _configured
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        from study.engine import configure_threads, train_seeds

        if not _configured:
            configure_threads(1)  # One thread per worker: workers must not fight over cores.
            _configured = True
        return train_seeds(
            job.family, job.params, job.data, job.seeds,
            chunk_epochs=job.chunk_epochs, monitor=monitor,
        )
    except Exception as e:  # A failing seed group must not end the trial for the others.
        return failed(job.seeds, f"{type(e).__name__}: {e}", job.params.epochs)


def failed(seeds: Sequence[int], message: str, epochs_planned: int) -> list[SeedCurves]:
    """Records for seeds that produced no curve."""
    empty = np.zeros(0)
    return [
        SeedCurves(seed=s, train_loss=empty, val_loss=empty, epochs_planned=epochs_planned,
                   stop="error", error=message)
        for s in seeds
    ]


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
) -> list[SeedCurves]:
    """Train ``seeds`` over ``n_jobs`` workers and return their curves in seed order.

    Seeds are split into at most ``n_jobs`` groups; each group trains as one seed-batched model
    in one worker. With ``on_progress``, after every ``chunk_epochs`` epochs it sees every
    seed's curves so far, all at the same epoch; when it returns ``True`` every worker stops
    before its next chunk. Decisions depend on the curves only, so they are reproducible.
    """
    data = data.for_family(family)
    groups = [tuple(int(s) for s in g) for g in np.array_split(list(seeds), n_jobs) if len(g)]
    jobs = [SeedJob(family, params, data, g, chunk_epochs) for g in groups]
    if len(jobs) == 1:
        monitor = None if on_progress is None else DirectMonitor(on_progress)
        results = [_train(jobs[0], monitor)]
    elif on_progress is None:
        results = _dispatch(jobs, None, backend, lambda group: None)
    else:
        with tempfile.TemporaryDirectory(prefix="study-seeds-") as folder:
            coordinator = LockstepCoordinator(Path(folder), len(jobs), on_progress)
            coordinator.start()
            try:
                results = _dispatch(jobs, Path(folder), backend, coordinator.group_finished)
            finally:
                coordinator.close()
    by_seed = {c.seed: c for group in results for c in group}
    return [by_seed[int(s)] for s in seeds]


def _dispatch(
    jobs: list[SeedJob], channel: Path | None, backend: str, finished: Callable[[int], None]
) -> list[list[SeedCurves]]:
    done: dict[int, list[SeedCurves]] = {}
    tasks = (joblib.delayed(_indexed)(job, channel, i) for i, job in enumerate(jobs))
    try:
        parallel = joblib.Parallel(
            n_jobs=len(jobs), backend=backend, return_as="generator_unordered"
        )
        for index, curves in parallel(tasks):
            done[index] = curves
            finished(index)
    except Exception as e:  # A worker process died (killed, out of memory): record, go on.
        first = str(e).splitlines()[0] if str(e) else ""
        message = f"seed worker died: {type(e).__name__}: {first}".strip()
        for i, job in enumerate(jobs):
            done.setdefault(i, failed(job.seeds, message, job.params.epochs))
            finished(i)
    return [done[i] for i in range(len(jobs))]


def _indexed(job: SeedJob, channel: Path | None, index: int) -> tuple[int, list[SeedCurves]]:
    return index, train_job(job, channel, index)
