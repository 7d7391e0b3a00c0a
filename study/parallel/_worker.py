"""Getting a seed worker's process ready to train: TensorFlow loaded once, quietly, one thread."""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

_ready = False
_tied = False

PARENT_POLL_SECONDS = 1.0
"""How often a seed worker checks that the run that started it is still alive."""
_PR_SET_PDEATHSIG = 1  # From <linux/prctl.h>.

WORKER_GROWTH = 4 << 30
"""Bytes a joblib ``loky`` worker may grow by before the pool retires it (4 GiB).

loky retires a worker whose memory grew more than 300 MB after its first task, taking that
for a leak. A training worker grows by design: a trial's data, TensorFlow's allocations and
up to ``study.engine`` 's kept trainers stay for the next trial. On a 100k-row series
(LSTM(128), lookback 30, 3 seeds on 2 workers) the pool retired a worker mid-study, printed
a "memory leak" warning, and the trial that got the fresh worker imported TensorFlow and
traced again."""


def prepare_worker() -> None:
    """Load TensorFlow in this process once, with one thread, without its start-up chatter.

    TensorFlow writes notes about CPU features and missing GPU drivers straight to the
    process's standard error before its logging can be configured; they say nothing about a
    study, so standard error is muted while it loads and initialises its devices.
    """
    global _ready
    if _ready:
        return
    _allow_growth()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _muted_stderr():
        import tensorflow as tf

        from study.engine import configure_threads

        configure_threads(1)  # One thread per worker: workers must not fight over cores.
        tf.constant(0.0)  # Initialise the devices now, while standard error is muted.
        # Every trial builds its own graph by design; TensorFlow's warning about frequent
        # tracing is about a different use.
        tf.get_logger().setLevel(logging.ERROR)
    _ready = True


def _allow_growth() -> None:
    """Raise loky's per-worker growth limit in this process to :data:`WORKER_GROWTH`.

    loky has no setting for it: its worker loop reads the module's ``_MAX_MEMORY_LEAK_SIZE``
    after every task, so setting it here, in the worker, takes effect; elsewhere it is unused.
    """
    with contextlib.suppress(ImportError):
        from joblib.externals.loky import process_executor

        limit = getattr(process_executor, "_MAX_MEMORY_LEAK_SIZE", None)
        if isinstance(limit, int) and limit < WORKER_GROWTH:
            process_executor._MAX_MEMORY_LEAK_SIZE = WORKER_GROWTH


def leave_signals_to(parent: int) -> None:
    """In a worker process of ``parent``, ignore SIGINT and SIGTERM.

    A terminal's Ctrl-C reaches the whole process group: the workers leave the decision to
    stop to the run (``parent``), which stops them with their pool once it has stored the
    running trial as interrupted. Called in the trial's own process (one worker, or the
    ``threading`` backend), it does nothing.
    """
    if os.getpid() == parent or threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    _leave_crash_reports_to_the_run()


def _leave_crash_reports_to_the_run() -> None:
    """Turn off the fault handler loky enables in its workers.

    A worker that dies (a builder calling ``os.abort()``) is recorded against its seeds in one
    line by the run; the handler's dump of the worker's threads and extension modules on
    standard error would only bury that line.
    """
    faulthandler.disable()


def tie_to_parent(parent: int, *, from_main_thread: bool) -> None:
    """In a worker process started by ``parent``, end this process when ``parent`` dies.

    However the run dies (``kill -9`` included), its seed workers must not train on for
    nobody: on Linux the kernel kills this process with the parent (``PR_SET_PDEATHSIG``);
    on every platform a daemon thread checks every :data:`PARENT_POLL_SECONDS` that the parent
    is still there and ends this process when it is not. Called in the run's own process (one
    worker, the ``threading`` backend), or in a process that ``parent`` did not start itself
    (a Dask worker, whose parent is its nanny), it does nothing.

    Args:
        parent: The process id of the run.
        from_main_thread: Whether the run dispatches from its main thread. Linux ties a
            process to the *thread* that started it, so the kernel's watch is asked for only
            then; a pool started from another thread (a library user's) could outlive it.
    """
    global _tied
    if _tied or os.getpid() == parent or os.getppid() != parent:
        return
    _tied = True
    if from_main_thread:
        _die_with_parent()
    if os.getppid() != parent:  # The parent died before the kernel was told to watch it.
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="study-parent-watch", daemon=True
    ).start()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent ends; elsewhere, do nothing.

    The kernel's "parent" is the thread that started this process. joblib's pool starts its
    workers from the thread that dispatches (here the run's main thread) or, to replace a
    worker, from the pool's manager thread, which lives as long as the pool.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch_parent(parent: int) -> None:
    while _parent_alive(parent):
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)  # Nobody is left to receive this worker's results.


def _parent_alive(parent: int) -> bool:
    """Whether ``parent`` still runs: on POSIX an orphan is adopted, so its parent id changes."""
    if os.name == "posix":
        return os.getppid() == parent
    try:
        import psutil
    except ImportError:
        return True  # No portable way to tell; the pool's own checks remain.
    return bool(psutil.pid_exists(parent))


def _ready_worker(parent: int, from_main_thread: bool) -> None:
    tie_to_parent(parent, from_main_thread=from_main_thread)
    leave_signals_to(parent)
    prepare_worker()


def warm_up(n_jobs: int, backend: str = "loky") -> None:
    """Get the seed workers ready before the first trial, so trials time only training.

    With one worker that is this process; with several, each process of the joblib pool
    (which is reused across trials) loads TensorFlow once now.
    """
    if backend == "dask":
        return  # The cluster's workers load TensorFlow with their first task.
    if n_jobs == 1:
        prepare_worker()
        return
    import joblib

    parent, main = os.getpid(), threading.current_thread() is threading.main_thread()
    joblib.Parallel(n_jobs=n_jobs, backend=backend)(
        joblib.delayed(_ready_worker)(parent, main) for _ in range(n_jobs)
    )


@contextlib.contextmanager
def _muted_stderr() -> Iterator[None]:
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # No real stream: nothing to mute.
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(devnull)
        os.close(saved)
