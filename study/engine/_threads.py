"""Thread settings of the TensorFlow runtime."""

from __future__ import annotations

import warnings

import tensorflow as tf


def configure_threads(n: int = 1) -> None:
    """Make TensorFlow run each op on ``n`` threads, and independent ops ``n`` at a time.

    Call it in a worker process before any TensorFlow op runs. Calling it again with the same
    ``n`` does nothing; once TensorFlow has started, a different ``n`` cannot take effect and
    only warns.

    Raises:
        ValueError: ``n`` is smaller than 1.
    """
    if n < 1:
        raise ValueError(f"`n` must be an integer >= 1, but got n={n!r}.")
    threading = tf.config.threading
    current = (
        threading.get_intra_op_parallelism_threads(),
        threading.get_inter_op_parallelism_threads(),
    )
    if current == (n, n):
        return
    try:
        threading.set_intra_op_parallelism_threads(n)
        threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        warnings.warn(
            f"TensorFlow already started with {current[0]} intra-op and {current[1]} inter-op "
            f"threads; configure_threads({n}) must run before the first TensorFlow op.",
            RuntimeWarning,
            stacklevel=2,
        )
