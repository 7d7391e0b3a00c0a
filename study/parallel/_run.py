"""Train a trial's seeds in parallel with joblib, watching their curves as they grow."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import joblib
import numpy as np

from study.curves import SeedCurves
from study.params import Family, TrialParams
from study.parallel._channel import FileMonitor, read_progress, request_stop
from study.tasks import TaskData

ProgressCallback = Callable[[list[SeedCurves]], bool]
"""Called with the seeds' curves so far; returning ``True`` stops all seeds (pruning)."""
POLL_SECONDS = 0.25
"""How often the trial looks at its seeds' live curves."""

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
    """Train one worker's seeds; never raises: failures come back as seeds with an error."""
    global _configured
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        from study.engine import configure_threads, train_seeds

        if not _configured:
            configure_threads(1)  # One thread per worker: workers must not fight over cores.
            _configured = True
        monitor = None if channel is None else FileMonitor(channel, group)
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
    in one worker. While they train, ``on_progress`` sees the curves so far every
    ``POLL_SECONDS``; when it returns ``True`` every worker stops after its current chunk.
    """
    data = data.for_family(family)
    groups = [tuple(int(s) for s in g) for g in np.array_split(list(seeds), n_jobs) if len(g)]
    jobs = [SeedJob(family, params, data, g, chunk_epochs) for g in groups]
    with tempfile.TemporaryDirectory(prefix="study-seeds-") as folder:
        channel = Path(folder)
        watcher = _Watcher(channel, len(jobs), on_progress) if on_progress else None
        if watcher is not None:
            watcher.start()
        try:
            results = _dispatch(jobs, channel if watcher else None, n_jobs, backend)
        finally:
            if watcher is not None:
                watcher.finish()
    by_seed = {c.seed: c for group in results for c in group}
    return [by_seed[int(s)] for s in seeds]


def _dispatch(
    jobs: list[SeedJob], channel: Path | None, n_jobs: int, backend: str
) -> list[list[SeedCurves]]:
    if n_jobs == 1 or len(jobs) == 1:
        return [train_job(job, channel, i) for i, job in enumerate(jobs)]
    done: dict[int, list[SeedCurves]] = {}
    tasks = (joblib.delayed(_indexed)(job, channel, i) for i, job in enumerate(jobs))
    try:
        parallel = joblib.Parallel(n_jobs=len(jobs), backend=backend, return_as="generator_unordered")
        for index, curves in parallel(tasks):
            done[index] = curves
    except Exception as e:  # A worker process died (killed, out of memory): record, go on.
        message = f"seed worker died: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        for i, job in enumerate(jobs):
            done.setdefault(i, failed(job.seeds, message.strip(), job.params.epochs))
    return [done[i] for i in range(len(jobs))]


def _indexed(job: SeedJob, channel: Path | None, index: int) -> tuple[int, list[SeedCurves]]:
    return index, train_job(job, channel, index)


class _Watcher(threading.Thread):
    """Reads the live curves at a bounded interval and relays the stop decision."""

    def __init__(self, channel: Path, groups: int, callback: ProgressCallback) -> None:
        super().__init__(name="study-seed-watcher", daemon=True)
        self._channel, self._groups, self._callback = channel, groups, callback
        self._done = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            curves = read_progress(self._channel, self._groups)
            if not curves:
                continue
            try:
                stop = self._callback(curves)
            except BaseException as e:  # Surface it in the trial's thread, not here.
                self.error, stop = e, True
            if stop:
                request_stop(self._channel)
                return

    def finish(self) -> None:
        """Stop watching and re-raise a callback error in the caller's thread."""
        self._done.set()
        self.join()
        if self.error is not None:
            raise self.error
