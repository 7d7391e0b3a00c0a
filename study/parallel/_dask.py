"""Seed groups on a Dask cluster, sent with the cluster's own client.

joblib's ``dask`` backend is not used for this: it runs every job in the calling process when
the cluster has a single worker thread, and it waits forever for a job that the scheduler
failed (a worker lost for good, :class:`distributed.KilledWorker`). The client's futures raise
such a failure at once, and the scheduler's ``no-workers-timeout`` bounds the wait when no
worker is left: a lost worker's seeds run again on another worker, or, with none left for
:data:`NO_WORKER_SECONDS`, they fail with the cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

NO_WORKER_SECONDS = 60.0
"""How long seeds wait for a Dask worker when the cluster has none before they fail."""


def no_worker_errors() -> tuple[type[BaseException], ...]:
    """The errors by which the scheduler says that no worker is left to run a job."""
    try:
        from distributed.scheduler import NoWorkerError
    except ImportError:
        return ()
    return (NoWorkerError,)


def bound_the_wait_for_workers(dask_scheduler: Any, seconds: float) -> float:
    """On the scheduler: fail jobs that waited ``seconds`` without a worker, unless it has a
    bound of its own; return the bound in force.

    Run through ``Client.run_on_scheduler``; the scheduler checks the bound four times a second.
    """
    if dask_scheduler.no_workers_timeout is None:
        dask_scheduler.no_workers_timeout = seconds
    return float(dask_scheduler.no_workers_timeout)


def run_on_cluster(
    function: Callable[..., tuple[int, Any]],
    calls: Iterable[tuple[Any, ...]],
    on_result: Callable[[int, Any], None],
) -> None:
    """Run ``function(*args)`` for each of ``calls`` on the current Dask client's cluster.

    Each call returns ``(index, result)``; ``on_result`` sees them as they finish. The first
    failure raises here and cancels the calls still running.
    """
    import distributed

    dask: Any = distributed  # Partly untyped: taken as it comes.
    client = dask.get_client()
    futures = [client.submit(function, *args, pure=False) for args in calls]
    try:
        for future in dask.as_completed(futures):
            index, result = future.result()
            on_result(index, result)
    finally:
        client.cancel(futures)  # Those not done: a failure ends the group, not the cluster.
