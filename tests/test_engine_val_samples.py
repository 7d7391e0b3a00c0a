"""Every seed's curves carry the size of the validation set behind its ``val_loss``."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from study.curves import SeedCurves
from study.parallel._lockstep import LockstepCoordinator, LockstepMonitor
from study.params import TrialParams
from study.tasks import TaskData

BUILDER = """
import keras

def build(params, input_shape, output):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(output.units)(x))
"""


def _data(n_val: int) -> TaskData:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10 + n_val, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    return TaskData("tab", "regression", x[:10], y[:10], x[10:], y[10:], "mse")


@pytest.mark.e2e
def test_engine_records_the_validation_size_for_every_seed() -> None:
    from study.engine import train_seeds

    curves = train_seeds("mlp", TrialParams(units=3, epochs=2), _data(7), [0, 1])
    assert [c.val_samples for c in curves] == [7, 7]


@pytest.mark.e2e
def test_custom_loop_records_the_validation_size(tmp_path: Path) -> None:
    from study.builders import CustomModel
    from study.engine import train_custom

    (tmp_path / "tiny_builder.py").write_text(BUILDER)
    custom = CustomModel("tiny_builder:build", {"epochs": 2}, str(tmp_path))
    (curves,) = train_custom(custom, _data(6), [0])
    assert curves.val_samples == 6


def test_live_curves_keep_the_validation_size(tmp_path: Path) -> None:
    seen: list[SeedCurves] = []

    def keep(curves: list[SeedCurves]) -> bool:
        seen[:] = curves
        return True

    coordinator = LockstepCoordinator(tmp_path, 1, keep)
    coordinator.start()
    values = np.linspace(1.0, 0.5, 4)
    sent = SeedCurves(seed=3, train_loss=values, val_loss=values, val_samples=45)
    worker = threading.Thread(target=LockstepMonitor(tmp_path, 0).update, args=([sent],))
    worker.start()
    worker.join(timeout=10)
    coordinator.close()
    assert [c.val_samples for c in seen] == [45]
