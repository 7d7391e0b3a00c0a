"""Benchmark: how long the diagnosis of one curve takes, against reading that curve's file.

``study diagnose`` reads a Keras ``CSVLogger`` file and diagnoses it; the pruner diagnoses a
prefix of every trial at each check. The table prints milliseconds per curve for an overfit
curve of each length, next to the time ``pandas.read_csv`` takes for the same curve as a file
(the plain part of the same command), medians of the repeats, both timed in turn.

Run: ``python -m benchmarks.diagnosis_speed [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import functools
import io
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from study.curves import SeedCurves
from study.diagnosis import diagnose_curve

LENGTHS = (100, 1000, 5000, 20000)


def overfit_curve(n: int) -> SeedCurves:
    """A noisy curve whose validation loss turns up after 30 % of its epochs."""
    rng = np.random.default_rng(0)
    t = np.arange(n, dtype=np.float64)
    t_min = 0.3 * n
    train = 0.005 + np.exp(-t / (t_min / 3))
    val = (0.1 + np.exp(-t / (t_min / 4))) * np.exp(np.log(3) * np.clip((t - t_min) / n, 0, None))
    noise = np.exp(rng.normal(0, 0.03, (2, n)))
    return SeedCurves(
        seed=0, train_loss=train * noise[0], val_loss=val * noise[1], epochs_planned=n
    )


def _ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    """Print milliseconds per diagnosis and per file read, for each curve length."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    print(f"{'epochs':>7} {'diagnose ms':>12} {'read_csv ms':>12} {'ratio':>6}")
    for n in LENGTHS:
        curves = overfit_curve(n)
        text = pd.DataFrame(
            {"epoch": np.arange(n), "loss": curves.train_loss, "val_loss": curves.val_loss}
        ).to_csv(index=False)
        diagnose_curve(curves)  # First call pays the imports.
        diagnose, read = [], []
        for _ in range(repeats):  # Interleaved, so load on the machine hits both alike.
            diagnose.append(_ms(functools.partial(diagnose_curve, curves)))
            read.append(_ms(functools.partial(pd.read_csv, io.StringIO(text))))
        d, r = statistics.median(diagnose), statistics.median(read)
        print(f"{n:>7} {d:>12.2f} {r:>12.2f} {d / r:>6.1f}")


if __name__ == "__main__":
    main()
