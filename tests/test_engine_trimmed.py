"""The trimmed validation loss: the mean without each epoch's worst samples, in any batch size."""

from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np
import numpy.typing as npt
import pytest

from study.curves import TRIMMED_SAMPLES
from study.params import TrialParams
from study.tasks import TaskData

TOL = 2e-5

BUILDER = """
import keras

def build(params, input_shape, output):
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, keras.layers.Dense(output.units)(inputs))
"""


def _trimmed(losses: npt.NDArray[np.float64], trim: int) -> npt.NDArray[np.float64]:
    """Per row: the mean without the ``trim`` largest values (the mean for short rows)."""
    if losses.shape[1] <= 2 * trim:
        return losses.mean(axis=1)
    return np.sort(losses, axis=1)[:, : losses.shape[1] - trim].mean(axis=1)


def _batched(losses: npt.NDArray[np.float32], batch: int, trim: int) -> tuple[object, object]:
    import tensorflow as tf

    from study.engine._evaluate import batched_mean

    table = tf.constant(losses.T)  # one row per sample, one column per seed

    def score(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        per_sample = tf.transpose(x[0])
        return tf.reduce_mean(per_sample, axis=1)[None], per_sample

    rows = tf.range(losses.shape[1])
    return batched_mean(
        score, [1, losses.shape[0]], (table, table), rows, tf.constant(batch), trim
    )


@pytest.mark.parametrize("batch", [1, 3, 7, 500])
def test_trimmed_mean_is_the_same_in_any_batch_size(batch: int) -> None:
    losses = np.random.default_rng(0).exponential(size=(3, 40)).astype(np.float32)
    means, trimmed = _batched(losses, batch, 2)
    np.testing.assert_allclose(np.asarray(means)[0], losses.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(trimmed), _trimmed(losses, 2), rtol=1e-5)


def test_trimmed_mean_of_a_tiny_set_is_the_mean() -> None:
    losses = np.array([[1.0, 2.0, 3.0, 40.0]], np.float32)
    _, trimmed = _batched(losses, 2, 2)
    np.testing.assert_allclose(np.asarray(trimmed), [11.5])


def test_one_wild_sample_leaves_the_trimmed_mean_alone() -> None:
    losses = np.ones((1, 30), np.float32)
    losses[0, 17] = 1000.0
    means, trimmed = _batched(losses, 8, 2)
    assert float(np.asarray(means)[0, 0]) > 30.0
    np.testing.assert_allclose(np.asarray(trimmed), [1.0])


def _data() -> TaskData:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(44, 3)).astype(np.float32)
    y = (x[:, :1] - x[:, 1:2] > 0).astype(np.float32)
    return TaskData(
        "tab", "binary", x[:24], y[:24], x[24:], y[24:], "binary_crossentropy", shuffle=False
    )


class _PerSample(keras.callbacks.Callback):
    """Record each epoch's per-sample validation losses, computed by Keras."""

    def __init__(self, x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]) -> None:
        super().__init__()
        self.xy = (x, y)
        self.rows: list[npt.NDArray[np.float64]] = []

    def on_epoch_end(self, epoch: int, logs: object = None) -> None:
        predicted = self.model.predict(self.xy[0], verbose=0)
        losses = keras.losses.binary_crossentropy(self.xy[1], predicted)
        self.rows.append(np.asarray(losses, np.float64))


@pytest.mark.e2e
def test_engine_trimmed_loss_equals_keras_per_sample_losses() -> None:
    from study.engine import train_seeds
    from study.models import build_keras_model

    params, data = TrialParams(units=4, epochs=4, batch_size=8), _data()
    model = build_keras_model("mlp", params, data, 5)
    per_sample = _PerSample(data.x_val, data.y_val)
    model.fit(
        data.x_train,
        data.y_train,
        batch_size=8,
        epochs=4,
        shuffle=False,
        verbose=0,
        callbacks=[per_sample],
    )
    (curves,) = train_seeds("mlp", params, data, [5], eval_batch_size=6)
    expected = _trimmed(np.stack(per_sample.rows), TRIMMED_SAMPLES)
    assert curves.val_loss_trimmed is not None
    np.testing.assert_allclose(curves.val_loss_trimmed, expected, rtol=TOL, atol=TOL)
    assert (curves.val_loss_trimmed < curves.val_loss).all()


@pytest.mark.e2e
def test_custom_loop_records_the_trimmed_loss(tmp_path: Path) -> None:
    from study.builders import CustomModel
    from study.engine import train_custom

    (tmp_path / "trim_builder.py").write_text(BUILDER)
    sys.modules.pop("trim_builder", None)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    y[-1] += 50.0  # one wild validation target
    data = TaskData("tab", "regression", x[:10], y[:10], x[10:], y[10:], "mse")
    custom = CustomModel("trim_builder:build", {"epochs": 2}, str(tmp_path))
    (curves,) = train_custom(custom, data, [0])
    assert curves.val_loss_trimmed is not None
    assert (curves.val_loss_trimmed < curves.val_loss / 10).all()
