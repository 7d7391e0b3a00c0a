"""Failed seeds as records: the one place an exception becomes a seed's result.

Like scikit-learn's ``_fit_and_score``, a seed worker never lets an error end the trial: it
returns its seeds as records that carry the error (one line, shown) and its traceback
(stored). The trial then warns once with the count by cause, and fails only when every seed
failed.
"""

from __future__ import annotations

import collections
import traceback
from collections.abc import Sequence

import numpy as np

from study.curves import SeedCurves

_MAX_LINE = 300  # Characters of an error's first line kept for display.


def describe_error(error: BaseException) -> str:
    """One line naming an error: its type and the first line of its message."""
    lines = str(error).strip().splitlines()
    first = lines[0][:_MAX_LINE] if lines else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def failed_seeds(
    seeds: Sequence[int], error: BaseException, epochs_planned: int, *, context: str = ""
) -> list[SeedCurves]:
    """Records of ``seeds`` that produced no curve because of ``error``.

    Args:
        seeds: The seeds of the failed worker.
        error: What went wrong.
        epochs_planned: The trial's planned epochs.
        context: Words put before the error (e.g. ``seed worker died``).
    """
    message = describe_error(error)
    if context:
        message = f"{context}: {message}"
    trace = "".join(traceback.format_exception(error))
    empty = np.zeros(0)
    return [
        SeedCurves(
            seed=s,
            train_loss=empty,
            val_loss=empty,
            epochs_planned=epochs_planned,
            stop="error",
            error=message,
            traceback=trace,
        )
        for s in seeds
    ]


def describe_failures(errors: Sequence[str | None]) -> str | None:
    """The failed seeds among ``errors`` (one entry per seed) counted by cause, or ``None``.

    E.g. ``"2 of 5 seeds failed: MemoryError: out of memory (2)"``.
    """
    failed = [e for e in errors if e]
    if not failed:
        return None
    counts = collections.Counter(failed)
    causes = "; ".join(f"{cause} ({n})" for cause, n in sorted(counts.items()))
    return f"{len(failed)} of {len(errors)} seeds failed: {causes}"
