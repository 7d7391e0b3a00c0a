"""The measurements behind the engine's layout choices (``study/engine/_layout.py``).

Run ``python -m benchmarks.engine_layout``. For a few shapes it prints, with one TensorFlow
thread, the CPU time per seed of one training step (forward, backward, optimizer update) of
a stack of 1 and of 5 seeds, interleaved, medians of 5 repeats, and the ratio 5 / 1 (below 1:
stacking pays); then the extra peak memory of one training step per seed in a fresh process,
the figure :func:`study.engine.step_bytes` estimates. CPU time, not wall time, so that other
processes on the machine do not blur the comparison.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.engine_speed import make_data
from study.params import Family, TrialParams
from study.tasks import TaskData

SHAPES: list[tuple[str, Family, TrialParams]] = [
    ("LSTM(32) b=32", "lstm", TrialParams(units=32, batch_size=32)),
    ("LSTM(32) b=512", "lstm", TrialParams(units=32, batch_size=512)),
    ("LSTM(128) b=32", "lstm", TrialParams(units=128, batch_size=32)),
    ("LSTM(128) b=512", "lstm", TrialParams(units=128, batch_size=512)),
    ("MLP 2x256 b=128", "mlp", TrialParams(units=256, layers=2, batch_size=128)),
]
BATCHES = 4


def _data(family: Family, params: TrialParams) -> TaskData:
    kind = "tabular" if family == "mlp" else "series"
    return make_data(kind, BATCHES * params.batch_size).for_family(family)


def _epoch(family: Family, params: TrialParams, data: TaskData, k: int) -> Callable[[], object]:
    """Return a function that runs one epoch of ``BATCHES`` training steps of ``k`` seeds."""
    import tensorflow as tf

    from study.engine._loop import Structure, Trainer
    from study.models import initial_weights

    seeds = list(range(k))
    per_seed = [initial_weights(family, params, data, s) for s in seeds]
    weights = [np.stack(ws) for ws in zip(*per_seed, strict=True)]
    trainer = Trainer(Structure.of(family, params, data, k), [w.shape for w in weights])
    trainer.start(params, seeds, weights, 512)
    x, y = tf.constant(data.x_train), tf.constant(data.y_train)
    epoch: Callable[[], object] = tf.function(lambda: trainer._train_epoch(tf.constant(0), x, y))
    epoch()
    return epoch


def step_times(family: Family, params: TrialParams, repeats: int = 5) -> tuple[float, float]:
    """Return the median CPU ms per seed of a training step with 1 and with 5 seeds."""
    data = _data(family, params)
    runs = {k: _epoch(family, params, data, k) for k in (1, 5)}
    times: dict[int, list[float]] = {1: [], 5: []}
    for _ in range(repeats):
        for k, run in runs.items():
            started = time.process_time()
            run()
            times[k].append((time.process_time() - started) * 1000 / (BATCHES * k))
    return statistics.median(times[1]), statistics.median(times[5])


def step_memory(family: Family, params: TrialParams, k: int) -> float:
    """Return the peak memory (MB) one call of ``k`` seeds adds to this process."""
    from study.engine import train_seeds

    data = _data(family, params)
    small = dataclasses.replace(data, x_val=data.x_val[:8], y_val=data.y_val[:8])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    train_seeds(
        family, dataclasses.replace(params, epochs=1), small, list(range(k)), train_eval_limit=8
    )
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def _in_fresh_process(index: int, k: int) -> float:
    command = [sys.executable, "-m", "benchmarks.engine_layout", "--memory", f"{index},{k}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Print step times and step memory per shape."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from study.engine import configure_threads, step_bytes

    configure_threads(1)
    if args.memory:
        index, k = (int(v) for v in args.memory.split(","))
        print(step_memory(SHAPES[index][1], SHAPES[index][2], k))
        return
    print(f"{'shape':<18} {'K=1 ms':>8} {'K=5 ms':>8} {'5/1':>6} {'MB/seed':>8} {'estimate':>8}")
    for index, (name, family, params) in enumerate(SHAPES):
        one, five = step_times(family, params)
        # The difference of 5 and 1 seeds leaves out what any call holds (graphs, data).
        per_seed = (_in_fresh_process(index, 5) - _in_fresh_process(index, 1)) / 4
        input_shape = _data(family, params).x_train.shape[1:]
        estimate = step_bytes(family, params, input_shape, 10**9) / 2**20
        print(
            f"{name:<18} {one:>8.2f} {five:>8.2f} {five / one:>6.2f} {per_seed:>8.0f} "
            f"{estimate:>8.0f}",
            flush=True,
        )
    print(
        "CPU ms per seed and training step (one thread, medians of 5); MB/seed: extra peak "
        "memory per stacked seed of a training step; estimate: study.engine.step_bytes."
    )


if __name__ == "__main__":
    main()
