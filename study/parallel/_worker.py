"""Getting a seed worker's process ready to train: TensorFlow loaded once, quietly, one thread."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator

_ready = False


def prepare_worker() -> None:
    """Load TensorFlow in this process once, with one thread, without its start-up chatter.

    TensorFlow writes notes about CPU features and missing GPU drivers straight to the
    process's standard error before its logging can be configured; they say nothing about a
    study, so standard error is muted while it loads and initialises its devices.
    """
    global _ready
    if _ready:
        return
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


def _ready_worker(parent: int) -> None:
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

    parent = os.getpid()
    joblib.Parallel(n_jobs=n_jobs, backend=backend)(
        joblib.delayed(_ready_worker)(parent) for _ in range(n_jobs)
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
