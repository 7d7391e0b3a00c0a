"""Benchmark: how well a trial's seeds use the cores, and what the harness costs around training.

1. Seed layouts, wall time of K seeds of one trial (medians of repeats, workers warm):
   all K fused in one worker; K fused seeds split over all cores (what ``study`` does); one
   seed per job over all cores. Parallel efficiency = (time on 1 worker) / (cores x time on
   all cores), for the same work.
2. Harness overhead: a whole ``python -m study run`` of a small study (one worker per trial,
   so training time adds up simply) against the pure training time its seeds recorded. The
   process start (Python, TensorFlow, storage) is shown apart: it is paid once per run, not
   per trial.

Run: ``.venv/bin/python benchmarks/parallel_overhead.py [--seeds 8] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import joblib
import optuna
import pandas as pd

from study.parallel import SeedJob, run_seeds, train_job
from study.params import Family, TrialParams
from study.storage import open_storage, study_record
from study.tasks import TaskData, load_task

CORES = os.cpu_count() or 1
PROBLEMS: dict[str, tuple[Family, str, TrialParams]] = {
    "moons MLP(500)": ("mlp", "moons", TrialParams(units=500, epochs=1500)),
    "sequence LSTM(10)": ("lstm", "sequence", TrialParams(units=10, epochs=1500, batch_size=5)),
}
STUDY = """
family = "mlp"
task = "moons"
seeds = 4

[params]
units = { low = 8, high = 256, log = true }
epochs = { low = 500, high = 2000, step = 250 }
dropout = { low = 0.0, high = 0.3 }
"""


def median_time(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``call`` over ``repeats`` runs, after one warm-up run."""
    call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _fused_one_worker(family: Family, params: TrialParams, data: TaskData, ids: list[int]) -> None:
    run_seeds(family, params, data, ids, n_jobs=1)


def _fused_all_cores(family: Family, params: TrialParams, data: TaskData, ids: list[int]) -> None:
    run_seeds(family, params, data, ids, n_jobs=CORES)


def _one_seed_per_job(family: Family, params: TrialParams, data: TaskData, ids: list[int]) -> None:
    jobs = [SeedJob(family, params, data, (s,), 50) for s in ids]
    joblib.Parallel(n_jobs=CORES)(
        joblib.delayed(train_job)(job, None, i) for i, job in enumerate(jobs)
    )


def layouts(seeds: int, repeats: int) -> pd.DataFrame:
    """Wall time of one trial's seeds in each layout, per problem."""
    rows = []
    for name, (family, task, params) in PROBLEMS.items():
        data = load_task(task).for_family(family)
        one, split, single = (
            median_time(partial(call, family, params, data, list(range(seeds))), repeats)
            for call in (_fused_one_worker, _fused_all_cores, _one_seed_per_job)
        )
        rows.append(
            {
                "problem": name,
                "seeds": seeds,
                "epochs": params.epochs,
                "fused, 1 worker (s)": round(one, 3),
                f"fused groups, {CORES} workers (s)": round(split, 3),
                f"one seed per job, {CORES} workers (s)": round(single, 3),
                "efficiency of fused groups": round(one / (CORES * split), 2),
                "fused groups vs one seed per job": round(single / split, 2),
            }
        )
    return pd.DataFrame(rows)


def harness(trials: int) -> pd.DataFrame:
    """A whole run of a small study against its seeds' own training time."""
    with tempfile.TemporaryDirectory() as folder:
        space = Path(folder) / "space.toml"
        space.write_text(STUDY)
        url = f"sqlite:///{folder}/b.db"
        command = [
            sys.executable,
            "-m",
            "study",
            "run",
            "--space",
            str(space),
            "--study",
            "b",
            "--trials",
            str(trials),
            "--jobs",
            "1",
            "--storage",
            url,
            "--no-report",
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - started
        record = study_record(optuna.load_study(study_name="b", storage=open_storage(url)), url)
    trials_time = sum(t.duration_seconds or 0.0 for t in record.trials)
    training = sum(s.seconds for t in record.trials for s in t.seeds)
    startup = wall - trials_time
    rows = {
        "whole run, wall (s)": wall,
        "process start and study set-up (s)": startup,
        "trials, wall (s)": trials_time,
        "seeds' training time (s)": training,
        "harness overhead per trial (% of training)": 100 * (trials_time - training) / training,
        "whole run overhead (% of training)": 100 * (wall - training) / training,
    }
    return pd.DataFrame({"value": {k: round(v, 2) for k, v in rows.items()}})


def main() -> None:
    """Print both tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trials", type=int, default=12)
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    print(f"seed layouts on {CORES} cores (median of {args.repeats}):")
    print(layouts(args.seeds, args.repeats).to_string(index=False))
    print()
    print(f"harness overhead, {args.trials} trials x 4 seeds, one worker:")
    print(harness(args.trials).to_string())


if __name__ == "__main__":
    main()
