"""What keeping each seed's best-epoch weights costs the engine.

Run ``python -m benchmarks.best_weights``. For a few small trials it trains the same seeds
with :func:`study.engine.train_seeds` with and without ``keep_best`` (a second set of stacked
weights that every epoch end updates where a seed's validation loss improved), interleaved,
after one call of each has compiled its graph, and prints the epochs per second of each
(medians of the repeats, wall time, one TensorFlow thread) and their ratio.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.engine_speed import make_data
from study.params import Family, TrialParams
from study.tasks import TaskData

CASES: list[tuple[str, Family, str, int, TrialParams]] = [
    ("LSTM(16) 3 seeds", "lstm", "series", 512, TrialParams(units=16, batch_size=32, epochs=20)),
    (
        "LSTM(32)x2 5 seeds",
        "lstm",
        "series",
        512,
        TrialParams(units=32, layers=2, batch_size=64, epochs=10),
    ),
    ("MLP 2x256 5 seeds", "mlp", "tabular", 2048, TrialParams(units=256, layers=2, epochs=10)),
]
REPEATS = 5


def epochs_per_second(
    family: Family, params: TrialParams, data: TaskData, seeds: list[int], *, keep_best: bool
) -> float:
    """Train the seeds once and return the epochs per second."""
    from study.engine import train_seeds

    started = time.perf_counter()
    train_seeds(family, params, data, seeds, keep_best=keep_best)
    return params.epochs / (time.perf_counter() - started)


def measure(family: Family, kind: str, n: int, params: TrialParams, seeds: int) -> list[float]:
    """Return the median epochs per second with and without ``keep_best``, interleaved."""
    data = make_data(kind, n)
    runs: dict[bool, list[float]] = {True: [], False: []}
    for keep_best in runs:  # Compile both graphs first.
        epochs_per_second(family, params, data, list(range(seeds)), keep_best=keep_best)
    for repeat in range(REPEATS):
        for keep_best in (True, False) if repeat % 2 == 0 else (False, True):
            rate = epochs_per_second(family, params, data, list(range(seeds)), keep_best=keep_best)
            runs[keep_best].append(rate)
    return [statistics.median(runs[True]), statistics.median(runs[False])]


def main() -> None:
    """Print the epochs per second with and without best-epoch weights, and their ratio."""
    from study.engine import configure_threads

    configure_threads(1)
    print(f"{'trial':<20} {'with/s':>8} {'without/s':>10} {'ratio':>6}")
    for name, family, kind, n, params in CASES:
        seeds = int(name.split()[-2])
        with_best, without = measure(family, kind, n, params, seeds)
        print(f"{name:<20} {with_best:>8.2f} {without:>10.2f} {with_best / without:>6.3f}")
    print(f"Epochs per second, wall time, one thread, medians of {REPEATS} interleaved repeats.")


if __name__ == "__main__":
    main()
