"""Speed of the custom-model loop against ``model.fit`` on the shipped builder example.

Run with ``python -m benchmarks.custom_model`` (a minute or two on two cores). The model is
``examples/custom_model.py``'s Conv1D (16 filters, kernel 3, Dense(16), dropout 0.1) on the
``sine`` task (291 training windows of 12 steps, 97 validation windows), Adam, batch 32.

Three ways to get one seed's learning curves, interleaved and timed whole (model built and
compiled inside every call), medians of the repeats:

* ``custom loop``: :func:`study.engine._custom.train_custom` (what a sweep runs): chunks of
  50 epochs per compiled graph, dropout-off train and validation loss every epoch;
* ``fit + train eval``: ``model.fit(validation_data=...)`` with
  :class:`study.keras.DiagnosisCallback` evaluating the dropout-off training loss every epoch
  (the same curves);
* ``fit``: plain ``model.fit(validation_data=...)`` (no dropout-off training loss).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

from study.builders import CustomModel
from study.engine._builder_model import build_model
from study.engine._custom import train_custom
from study.keras import DiagnosisCallback
from study.tasks import TaskData, load_task

REPEATS = 3
EPOCHS = (50, 150)
VALUES = {
    "filters": 16,
    "kernel_size": 3,
    "units": 16,
    "dropout": 0.1,
    "batch_size": 32,
    "learning_rate": 0.003,
}
ROOT = str(Path(__file__).resolve().parents[1])


def custom_loop(data: TaskData, epochs: int) -> None:
    """The sweep's loop for one seed."""
    model = CustomModel("examples.custom_model:build", {**VALUES, "epochs": epochs}, ROOT)
    train_custom(model, data, [0])


def fit(data: TaskData, epochs: int, *, train_eval: bool) -> None:
    """``model.fit`` for one seed, optionally recording the dropout-off training loss."""
    model = CustomModel("examples.custom_model:build", VALUES, ROOT)
    keras.utils.set_random_seed(0)
    network = build_model(model, data)
    network.compile(keras.optimizers.Adam(VALUES["learning_rate"]), data.loss)
    callbacks = [DiagnosisCallback((data.x_train, data.y_train))] if train_eval else []
    network.fit(
        data.x_train,
        data.y_train,
        validation_data=(data.x_val, data.y_val),
        epochs=epochs,
        batch_size=VALUES["batch_size"],
        verbose=0,
        callbacks=callbacks,
    )


def main() -> None:
    """Print seconds per call and the custom loop's speed-up, per number of epochs."""
    data = load_task("sine", lookback=12)
    sides: dict[str, Callable[[int], None]] = {
        "custom loop": lambda e: custom_loop(data, e),
        "fit + train eval": lambda e: fit(data, e, train_eval=True),
        "fit": lambda e: fit(data, e, train_eval=False),
    }
    print(f"{'epochs':>6}  {'side':<18}{'median s':>10}{'ms/epoch':>10}{'custom speed-up':>17}")
    for epochs in EPOCHS:
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(REPEATS):
            for name, side in sides.items():  # Interleaved: load changes hit every side.
                started = time.perf_counter()
                side(epochs)
                times[name].append(time.perf_counter() - started)
        custom = statistics.median(times["custom loop"])
        for name, values in times.items():
            median = statistics.median(values)
            print(
                f"{epochs:>6}  {name:<18}{median:>10.2f}{1000 * median / epochs:>10.1f}"
                f"{median / custom:>16.1f}x"
            )


if __name__ == "__main__":
    main()
