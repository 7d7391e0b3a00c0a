"""Seeds in parallel: a trial's seeds trained over joblib workers, watched live."""

from __future__ import annotations

from study.parallel._backends import check_backend, seed_cluster
from study.parallel._failures import describe_error, describe_failures, failed_seeds
from study.parallel._run import ProgressCallback, SeedJob, run_seeds, train_job
from study.parallel._worker import WORKER_GROWTH, warm_up

__all__ = [
    "WORKER_GROWTH",
    "ProgressCallback",
    "SeedJob",
    "check_backend",
    "describe_error",
    "describe_failures",
    "failed_seeds",
    "run_seeds",
    "seed_cluster",
    "train_job",
    "warm_up",
]
