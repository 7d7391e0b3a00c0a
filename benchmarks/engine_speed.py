"""Speed of study's training engine against plain ``model.fit``, and how closely they agree.

Run with ``python -m benchmarks.engine_speed`` (a few minutes on two cores). Two problems:

* ``sequence``: LSTM(10) + Dense(1), MSE, Adam, 5 training samples, 800 epochs, no shuffle;
* ``moons``: Dense(500, relu) + Dense(1, sigmoid), binary cross-entropy, Adam, 30 training
  samples, 4000 epochs.

For each, the engine trains K = 1 and K = 8 seeds per call; ``model.fit`` (with validation
data) trains one seed for fewer epochs and its marginal cost per epoch is extrapolated. The
table reports seed-epochs per second (whole calls, compile included, and marginal cost of
one more epoch), the speed-up over ``model.fit``, and the largest absolute difference
between the two engines' curves for the same seed with dropout off.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from study.engine import configure_threads, train_seeds
from study.params import Family, TrialParams
from study.tasks._base import TaskData

REPEATS = 3
SEEDS = (1, 8)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One benchmark problem: data, family, parameters and the baseline's epochs."""

    name: str
    family: Family
    data: TaskData
    params: TrialParams
    fit_epochs: int


def problems() -> list[Problem]:
    """Return the two benchmark problems."""
    sequence = TrialParams(units=10, epochs=800, optimizer="adam", batch_size=32)
    moons = TrialParams(units=500, epochs=4000, activation="relu", batch_size=32)
    return [
        Problem("sequence LSTM(10)", "lstm", _task("sequence"), sequence, fit_epochs=150),
        Problem("moons MLP(500)", "mlp", _task("moons"), moons, fit_epochs=100),
    ]


def _task(name: str) -> TaskData:
    try:
        from study.tasks import load_task

        return load_task(name)
    except ImportError:
        return _sequence() if name == "sequence" else _moons()


def _sequence() -> TaskData:
    v = np.round(np.arange(0.0, 1.05, 0.1), 1).astype(np.float32)
    return TaskData(
        "sequence",
        "regression",
        v[:5, None, None],
        v[1:6, None],
        v[5:10, None, None],
        v[6:11, None],
        "mse",
        shuffle=False,
    )


def _moons() -> TaskData:
    from sklearn.datasets import make_moons

    x, y = make_moons(100, noise=0.2, random_state=1)
    x, y = x.astype(np.float32), y.astype(np.float32)[:, None]
    return TaskData("moons", "binary", x[:30], y[:30], x[30:], y[30:], "binary_crossentropy")


def engine_speed(problem: Problem, k: int) -> dict[str, float]:
    """Time whole ``train_seeds`` calls of ``k`` seeds, and the marginal cost of an epoch."""
    seeds = list(range(k))
    full: list[float] = []
    half: list[float] = []
    for _ in range(REPEATS):
        for epochs, times in ((problem.params.epochs, full), (problem.params.epochs // 2, half)):
            params = dataclasses.replace(problem.params, epochs=epochs)
            started = time.perf_counter()
            train_seeds(problem.family, params, problem.data, seeds, chunk_epochs=50)
            times.append(time.perf_counter() - started)
    epochs = problem.params.epochs
    per_call = statistics.median(full) / (k * epochs)
    marginal = (statistics.median(full) - statistics.median(half)) / (k * (epochs - epochs // 2))
    return {"call": per_call, "marginal": max(marginal, 1e-12)}


def fit_speed(problem: Problem) -> tuple[float, dict[str, list[float]]]:
    """Return ``model.fit``'s median seconds per epoch (first epoch excluded) and its curves."""
    import keras

    from study.models import build_keras_model

    class Clock(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.ticks: list[float] = []

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.ticks.append(time.perf_counter())

    data = problem.data.for_family(problem.family)
    per_epoch, curves = [], {}
    for _ in range(REPEATS):
        params = dataclasses.replace(problem.params, epochs=problem.fit_epochs)
        model = build_keras_model(problem.family, params, data, seed=0)
        clock = Clock()
        history = model.fit(
            data.x_train,
            data.y_train,
            batch_size=params.batch_size,
            epochs=params.epochs,
            validation_data=(data.x_val, data.y_val),
            shuffle=False,
            verbose=0,
            callbacks=[clock],
        ).history
        per_epoch.append(float(np.median(np.diff(clock.ticks))))
        curves = {"fit_loss": history["loss"], "val_loss": history["val_loss"]}
    return statistics.median(per_epoch), curves


def max_difference(problem: Problem, expected: dict[str, list[float]]) -> float:
    """Return the largest absolute difference between the engine's and Keras' curves."""
    params = dataclasses.replace(problem.params, epochs=problem.fit_epochs)
    (curves,) = train_seeds(problem.family, params, problem.data, [0])
    return max(
        float(np.max(np.abs(getattr(curves, name) - np.asarray(values))))
        for name, values in expected.items()
    )


def main() -> None:
    """Print the benchmark table."""
    configure_threads(1)
    header = (
        f"{'problem':<18} {'engine':<14} {'seed-epochs/s':>14} {'marginal/s':>12} "
        f"{'speed-up':>9} {'marginal speed-up':>18} {'max |diff|':>11}"
    )
    print(header)
    print("-" * len(header))
    for problem in problems():
        fit_seconds, expected = fit_speed(problem)
        difference = max_difference(problem, expected)
        fit_rate = 1.0 / fit_seconds
        print(
            f"{problem.name:<18} {'model.fit':<14} {fit_rate:>14,.0f} {fit_rate:>12,.0f} "
            f"{1.0:>9.1f} {1.0:>18.1f} {'':>11}"
        )
        for k in SEEDS:
            speed = engine_speed(problem, k)
            rate, marginal = 1.0 / speed["call"], 1.0 / speed["marginal"]
            print(
                f"{problem.name:<18} {f'study K={k}':<14} {rate:>14,.0f} {marginal:>12,.0f} "
                f"{rate / fit_rate:>9.0f} {marginal / fit_rate:>18.0f} {difference:>11.1e}"
            )
    print(
        f"\nmedians of {REPEATS} repeats; 'seed-epochs/s' counts whole calls (graph building "
        "included), 'marginal' the cost of one more epoch; model.fit runs one seed with "
        "validation_data."
    )


if __name__ == "__main__":
    main()
