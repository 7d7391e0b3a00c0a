"""Seeds on a Dask cluster: a real ``dask.distributed`` cluster runs every trial's seeds."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import optuna
import pytest

import study.parallel._lockstep as lockstep
from study.curves import SeedCurves
from study.parallel import SeedJob, run_seeds, train_job
from study.parallel._backends import seed_cluster
from study.params import TrialParams
from study.runner import RunOptions, run
from study.storage import open_storage, study_record
from study.tasks import load_task
from tests.services import ROOT

pytestmark = pytest.mark.e2e

distributed = pytest.importorskip("distributed")

PARAMS = TrialParams(units=4, epochs=30, learning_rate=0.01, batch_size=5)


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    """Two single-threaded workers in this process (no process start-up cost)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local:
        yield local


def test_seeds_on_the_cluster_equal_seeds_trained_here(cluster: object) -> None:
    data = load_task("sequence")
    here = run_seeds("lstm", PARAMS, data, [0, 1], n_jobs=1)
    with seed_cluster("dask", cluster.scheduler_address, 2):  # type: ignore[attr-defined]
        there = run_seeds(
            "lstm",
            PARAMS,
            data,
            [0, 1],
            n_jobs=2,
            backend="dask",
            on_progress=lambda curves: False,
        )
    for a, b in zip(here, there, strict=True):
        np.testing.assert_allclose(a.val_loss, b.val_loss, rtol=1e-5)


def test_a_study_runs_its_seeds_on_a_scheduler(cluster: object, tiny_space: Path) -> None:
    url = "sqlite:///d.db"
    out = io.StringIO()
    run(
        RunOptions(
            study="d",
            trials=2,
            space=tiny_space,
            storage=url,
            jobs=2,
            backend="dask",
            scheduler=cluster.scheduler_address,
        ),  # type: ignore[attr-defined]
        out=out,
    )
    assert "Dask scheduler" in out.getvalue()
    record = study_record(optuna.load_study(study_name="d", storage=open_storage(url)), url)
    assert [t.state for t in record.trials] == ["COMPLETE", "COMPLETE"]
    assert all(s.epochs_trained == t.params["epochs"] for t in record.trials for s in t.seeds)


def test_without_a_scheduler_a_local_cluster_is_started(tiny_space: Path) -> None:
    out = io.StringIO()
    run(
        RunOptions(
            study="l", trials=1, space=tiny_space, storage="sqlite:///l.db", jobs=1, backend="dask"
        ),
        out=out,
    )
    assert "local Dask cluster of 1 worker(s)" in out.getvalue()


def test_a_worker_that_cannot_see_the_channel_trains_unwatched(tmp_path: Path) -> None:
    job = SeedJob("lstm", PARAMS, load_task("sequence"), (0,), 10)
    [curves] = train_job(job, tmp_path / "on-another-machine", 0)
    assert curves.stop == "completed" and curves.epochs_trained == 30


def late_on_seed_one(job: SeedJob, channel: Path | None, group: int) -> list[SeedCurves]:
    """A worker whose job for seed 1 starts late: its first worker was lost, Dask ran it again."""
    if 1 in job.seeds:
        time.sleep(6.0)
    return train_job(job, channel, group)


def test_a_lost_workers_seeds_do_not_hold_up_the_others(
    cluster: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lockstep, "LOST_SECONDS", 2.0)
    seen: list[list[int]] = []

    def watch(curves: list[SeedCurves]) -> bool:
        seen.append([c.seed for c in curves])
        return False

    with seed_cluster("dask", cluster.scheduler_address, 2):  # type: ignore[attr-defined]
        curves = run_seeds(
            "lstm",
            PARAMS,
            load_task("sequence"),
            [0, 1],
            n_jobs=2,
            backend="dask",
            chunk_epochs=10,
            on_progress=watch,
            worker=late_on_seed_one,
        )
    assert seen and all(seeds == [0] for seeds in seen)  # Decided without the lost worker.
    assert [c.epochs_trained for c in curves] == [30, 30]  # Its seeds came back all the same.


def record_thread(job: SeedJob, channel: Path | None, group: int) -> list[SeedCurves]:
    """A worker that says whether it ran in the calling thread instead of a cluster's worker."""
    error = "in the caller" if threading.current_thread() is threading.main_thread() else None
    return [
        SeedCurves(
            seed=s, train_loss=np.ones(1), val_loss=np.ones(1), epochs_planned=1, error=error
        )
        for s in job.seeds
    ]


def test_a_one_thread_cluster_trains_the_seeds_not_the_caller() -> None:
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as one,
        seed_cluster("dask", one.scheduler_address, 1),
    ):
        curves = run_seeds(
            "lstm",
            PARAMS,
            load_task("sequence"),
            [0, 1],
            n_jobs=2,
            backend="dask",
            worker=record_thread,
        )
    assert [c.error for c in curves] == [None, None]


def sleep_long(job: SeedJob, channel: Path | None, group: int) -> list[SeedCurves]:
    """A worker whose job outlasts the test: its worker process is killed under it."""
    time.sleep(600)
    return []


def _worker_process(address: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--no-nanny"]
    argv += ["--nthreads", "1", "--no-dashboard"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_seeds_whose_workers_are_all_lost_fail_with_the_cause_in_bounded_time() -> None:
    with distributed.LocalCluster(n_workers=0, dashboard_address=None) as bare:
        workers = [_worker_process(bare.scheduler_address) for _ in range(2)]
        try:
            with distributed.Client(bare) as client:
                client.wait_for_workers(2, timeout=120)
            with seed_cluster("dask", bare.scheduler_address, 2, no_worker_seconds=2.0):
                killer = threading.Timer(3.0, lambda: [w.kill() for w in workers])
                killer.start()
                started = time.monotonic()
                curves = run_seeds(
                    "lstm",
                    PARAMS,
                    load_task("sequence"),
                    [0, 1],
                    n_jobs=2,
                    backend="dask",
                    worker=sleep_long,
                )
                waited = time.monotonic() - started
        finally:
            for w in workers:
                w.kill()
                w.wait()
    assert waited < 30  # Killed at 3 s, failed 2 s after: far from the job's 600 s.
    assert all(c.stop == "error" for c in curves)
    assert all(
        c.error and c.error.startswith("no Dask worker left: NoWorkerError") for c in curves
    )
