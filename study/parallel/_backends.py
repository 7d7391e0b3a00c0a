"""Where seed workers run: joblib's local backends, or a Dask cluster for the whole run.

``loky`` (processes) and ``threading`` need nothing beyond joblib. ``dask`` runs every trial's
seeds on a ``dask.distributed`` cluster (see :mod:`study.parallel._dask`): on the scheduler at
``--scheduler ADDRESS``, or on a ``LocalCluster`` started for the run and closed after it.
Seeds that wait for a worker while the cluster has none fail after
:data:`~study.parallel._dask.NO_WORKER_SECONDS` (unless the scheduler has a bound of its own).

Dask moves the seeds' jobs and results between machines as pickles, so connect only to a
scheduler you trust (as with any Dask cluster, whoever reaches it can run code on it).
Live curves and pruning mid-trial reach only workers that share this machine's filesystem;
see :mod:`study.parallel._lockstep`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, Literal

from study.errors import InputError
from study.parallel._dask import NO_WORKER_SECONDS, bound_the_wait_for_workers

Backend = Literal["loky", "threading", "dask"]
BACKENDS: tuple[Backend, ...] = ("loky", "threading", "dask")
CONNECT_SECONDS = 20
"""How long to wait for a Dask scheduler before giving up."""


def check_backend(backend: str, scheduler: str | None) -> None:
    """Check that ``backend`` exists and that ``scheduler`` is only given with ``dask``.

    Raises:
        InputError: An unknown backend, or a scheduler address for a local backend.
    """
    if backend not in BACKENDS:
        raise InputError(
            f"`--backend` must be one of {', '.join(BACKENDS)}, but got --backend={backend}."
        )
    if scheduler is not None and backend != "dask":
        raise InputError(
            f"`--scheduler` needs --backend dask, but got --backend {backend} --scheduler "
            f"{scheduler}; drop --scheduler or use --backend dask."
        )
    if scheduler is not None and not scheduler.strip():
        raise InputError(
            "`--scheduler` must be a Dask scheduler address, e.g. "
            "tcp://10.0.0.5:8786, but got an empty value."
        )


@contextlib.contextmanager
def seed_cluster(
    backend: str,
    scheduler: str | None,
    n_workers: int,
    *,
    no_worker_seconds: float = NO_WORKER_SECONDS,
) -> Iterator[str | None]:
    """Keep the cluster of a ``dask`` run open; yield a description of it (``None`` otherwise).

    Inside the block, its client is the current one: seeds go to the cluster.

    Args:
        backend: The run's joblib backend; only ``dask`` needs a cluster.
        scheduler: The address of a running scheduler; ``None`` starts a ``LocalCluster`` of
            ``n_workers`` single-threaded worker processes.
        n_workers: Workers of a local cluster.
        no_worker_seconds: How long seeds wait while the cluster has no worker before they
            fail; a scheduler with a ``no-workers-timeout`` of its own keeps it.

    Raises:
        InputError: Dask is not installed, or the scheduler cannot be reached.
    """
    check_backend(backend, scheduler)
    if backend != "dask":
        yield None
        return
    try:
        import distributed
    except ImportError:
        raise InputError(
            "`--backend dask` needs dask.distributed; install it with "
            "`pip install 'dask[distributed]'` (or the `dask` extra of study)."
        ) from None
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(_local_cluster(distributed, n_workers))
            address, shown = cluster, f"local Dask cluster of {n_workers} worker(s)"
        else:
            address, shown = scheduler, f"Dask scheduler {scheduler}"
        client = stack.enter_context(_client(distributed, address, shown))
        stack.enter_context(client.as_current())
        client.run_on_scheduler(bound_the_wait_for_workers, seconds=no_worker_seconds)
        yield shown


def worker_deaths() -> tuple[type[BaseException], ...]:
    """The exceptions by which a joblib pool says that a worker process died."""
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.process_executor import TerminatedWorkerError

    kinds: tuple[type[BaseException], ...] = (TerminatedWorkerError, BrokenProcessPool)
    try:
        from distributed import KilledWorker
    except ImportError:
        return kinds
    return (*kinds, KilledWorker)


def _local_cluster(distributed: Any, n_workers: int) -> Any:
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )


def _client(distributed: Any, address: Any, shown: str) -> Any:
    try:
        return distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=True)
    except (OSError, TimeoutError, ValueError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(
            f"cannot reach {shown}: {reason}; check --scheduler and that the scheduler runs "
            "(or leave --scheduler out to start a local cluster)."
        ) from None
