from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import numpy.typing as npt
import pytest

from study.curves import SeedCurves
from study.engine import configure_threads, train_seeds
from study.models import build_keras_model
from study.params import Family, TrialParams
from study.tasks._base import TaskData

pytestmark = pytest.mark.e2e

TOL = 2e-5


def _sequence() -> TaskData:
    v = np.arange(0.0, 1.05, 0.1, dtype=np.float32)
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


def _tabular(kind: Any = "binary", n: int = 12) -> TaskData:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2 * n, 3)).astype(np.float32)
    loss: Any = "binary_crossentropy"
    y, classes = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32), 0
    if kind == "multiclass":
        y = (np.argmax(x, axis=1)[:, None]).astype(np.float32)
        loss, classes = "sparse_categorical_crossentropy", 3
    return TaskData(
        "tab",
        kind,
        x[:n],
        y[:n],
        x[n:],
        y[n:],
        loss,
        n_classes=classes,
        shuffle=False,
    )


def _windows(n: int = 8) -> TaskData:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2 * n, 4, 2)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None].astype(np.float32)
    return TaskData("win", "regression", x[:n], y[:n], x[n:], y[n:], "mae", shuffle=True)


def _fit(curves: SeedCurves) -> npt.NDArray[np.float64]:
    assert curves.fit_loss is not None
    return curves.fit_loss


class _Evaluate(keras.callbacks.Callback):
    def __init__(self, x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]) -> None:
        super().__init__()
        self.xy = (x, y)
        self.values: list[dict[str, float]] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.values.append(self.model.evaluate(*self.xy, verbose=0, return_dict=True))


def _keras(
    family: Family, params: TrialParams, data: TaskData, seed: int
) -> dict[str, list[float]]:
    data = data.for_family(family)
    model = build_keras_model(family, params, data, seed)
    evaluate = _Evaluate(data.x_train, data.y_train)
    history = model.fit(
        data.x_train,
        data.y_train,
        batch_size=params.batch_size,
        epochs=params.epochs,
        validation_data=(data.x_val, data.y_val),
        shuffle=False,
        verbose=0,
        callbacks=[evaluate],
    ).history
    curves = {
        "fit_loss": history["loss"],
        "val_loss": history["val_loss"],
        "train_loss": [v["loss"] for v in evaluate.values],
    }
    if data.metric is not None:
        curves["val_metric"] = history["val_accuracy"]
        curves["train_metric"] = [v["accuracy"] for v in evaluate.values]
    return curves


def _assert_matches_keras(family: Family, params: TrialParams, data: TaskData) -> None:
    expected = _keras(family, params, data, seed=11)
    (curves,) = train_seeds(family, params, data, [11])
    assert curves.stop == "completed" and curves.epochs_trained == params.epochs
    for name, values in expected.items():
        np.testing.assert_allclose(getattr(curves, name), values, rtol=TOL, atol=TOL, err_msg=name)


def test_lstm_full_batch_equals_model_fit() -> None:
    _assert_matches_keras("lstm", TrialParams(units=6, epochs=6, learning_rate=0.05), _sequence())


def test_lstm_mini_batches_with_l2_equal_model_fit() -> None:
    params = TrialParams(units=6, epochs=4, learning_rate=0.02, batch_size=2, l2=0.01)
    _assert_matches_keras("lstm", params, _sequence())


def test_stacked_lstm_equals_model_fit() -> None:
    params = TrialParams(units=4, layers=2, epochs=3, batch_size=3, learning_rate=0.01)
    _assert_matches_keras("lstm", params, dataclasses.replace(_windows(), shuffle=False))


def test_mlp_binary_accuracy_equals_model_fit() -> None:
    params = TrialParams(units=16, layers=2, epochs=5, batch_size=5, l2=0.001, learning_rate=0.02)
    _assert_matches_keras("mlp", params, _tabular("binary"))


def test_mlp_multiclass_equals_model_fit() -> None:
    params = TrialParams(units=8, epochs=4, activation="tanh", learning_rate=0.05)
    _assert_matches_keras("mlp", params, _tabular("multiclass"))


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adamw"])
def test_optimizers_equal_keras(optimizer: str) -> None:
    params = TrialParams(units=8, epochs=3, optimizer=optimizer, learning_rate=0.05, l2=0.01)
    _assert_matches_keras("mlp", params, _tabular("binary"))


def test_l2_raises_the_loss() -> None:
    data, params = _sequence(), TrialParams(units=6, epochs=3)
    (plain,) = train_seeds("lstm", params, data, [0])
    (penalised,) = train_seeds("lstm", dataclasses.replace(params, l2=0.1), data, [0])
    assert np.all(penalised.val_loss > plain.val_loss)


def test_training_is_deterministic() -> None:
    params = TrialParams(units=5, epochs=4, batch_size=3, dropout=0.3, recurrent_dropout=0.2)
    first = train_seeds("lstm", params, _windows(), [1, 2])
    again = train_seeds("lstm", params, _windows(), [1, 2])
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(_fit(a), _fit(b))
        np.testing.assert_array_equal(a.val_loss, b.val_loss)


def test_seeds_differ() -> None:
    a, b = train_seeds("mlp", TrialParams(units=8, epochs=3), _tabular(), [1, 2])
    assert (a.seed, b.seed) == (1, 2)
    assert not np.allclose(a.val_loss, b.val_loss)


@pytest.mark.parametrize("family", ["lstm", "mlp"])
def test_batched_seeds_equal_seeds_alone(family: Family) -> None:
    params = TrialParams(units=5, epochs=4, batch_size=3, dropout=0.2, recurrent_dropout=0.1)
    together = train_seeds(family, params, _windows(), [4, 5, 6])
    for curves in together:
        (alone,) = train_seeds(family, params, _windows(), [curves.seed])
        np.testing.assert_allclose(_fit(curves), _fit(alone), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(curves.val_loss, alone.val_loss, rtol=1e-6, atol=1e-7)


def test_shuffling_changes_fit_loss_only_by_order() -> None:
    params = TrialParams(units=5, epochs=3, batch_size=3)
    (shuffled,) = train_seeds("mlp", params, _windows(), [1])
    (ordered,) = train_seeds("mlp", params, dataclasses.replace(_windows(), shuffle=False), [1])
    assert not np.allclose(_fit(shuffled), _fit(ordered))


def test_recurrent_dropout_changes_the_fit_loss() -> None:
    params = TrialParams(units=5, epochs=3, batch_size=4)
    data = dataclasses.replace(_windows(), shuffle=False)
    (plain,) = train_seeds("lstm", params, data, [0])
    (dropped,) = train_seeds("lstm", dataclasses.replace(params, recurrent_dropout=0.5), data, [0])
    assert dropped.stop == "completed"
    assert not np.allclose(_fit(plain), _fit(dropped))


def test_divergence_stops_the_seed_with_a_finite_prefix() -> None:
    data = _windows()
    data = dataclasses.replace(data, y_train=data.y_train * 1e6, loss="mse")
    params = TrialParams(units=8, epochs=200, optimizer="sgd", learning_rate=10.0, batch_size=2)
    curves = train_seeds("mlp", params, data, [1, 2])
    for c in curves:
        assert c.stop == "diverged"
        assert c.epochs_trained < 200 and c.epochs_planned == 200
        assert np.all(np.isfinite(c.train_loss)) and np.all(np.isfinite(c.val_loss))


class _StopAfter:
    def __init__(self, calls: int) -> None:
        self.calls = calls
        self.seen: list[list[int]] = []

    def update(self, curves: Sequence[SeedCurves]) -> None:
        self.seen.append([c.epochs_trained for c in curves])

    def should_stop(self) -> bool:
        return len(self.seen) >= self.calls


def test_monitor_sees_every_chunk_and_can_prune() -> None:
    monitor = _StopAfter(calls=2)
    params = TrialParams(units=4, epochs=50)
    curves = train_seeds("mlp", params, _tabular(), [1, 2], chunk_epochs=7, monitor=monitor)
    assert monitor.seen == [[7, 7], [14, 14]]
    assert [c.stop for c in curves] == ["pruned", "pruned"]
    assert [c.epochs_trained for c in curves] == [14, 14]


def test_monitor_that_never_stops_lets_training_complete() -> None:
    monitor = _StopAfter(calls=10**6)
    curves = train_seeds(
        "mlp", TrialParams(units=4, epochs=10), _tabular(), [1], chunk_epochs=4, monitor=monitor
    )
    assert monitor.seen == [[4], [8], [10]]
    assert curves[0].stop == "completed" and curves[0].seconds > 0


def test_an_error_propagates_to_the_caller_that_records_it() -> None:
    params = TrialParams()
    object.__setattr__(params, "optimizer", "lbfgs")  # Past validation: fails in training.
    with pytest.raises(ValueError, match="optimizer"):
        train_seeds("mlp", params, _tabular(), [1, 2])


def test_regression_has_no_metric() -> None:
    (curves,) = train_seeds("lstm", TrialParams(units=3, epochs=2), _sequence(), [0])
    assert curves.train_metric is None and curves.val_metric is None
    assert curves.fit_loss is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"seeds": []}, "seeds"), ({"seeds": [1, 1]}, "seeds"), ({"chunk_epochs": 0}, "chunk")],
)
def test_rejects_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    arguments = {"seeds": [1], "chunk_epochs": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        train_seeds("mlp", TrialParams(), _tabular(), arguments.pop("seeds"), **arguments)


def test_configure_threads_twice_is_safe() -> None:
    script = (
        "import tensorflow as tf\n"
        "from study.engine import configure_threads\n"
        "configure_threads(1)\n"
        "configure_threads(1)\n"
        "tf.constant(1.0) + 1.0\n"
        "configure_threads(1)\n"
        "assert tf.config.threading.get_intra_op_parallelism_threads() == 1\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_configure_threads_after_start_warns() -> None:
    train_seeds("mlp", TrialParams(units=2, epochs=1), _tabular(), [0])
    with pytest.warns(RuntimeWarning, match="must run before"):
        configure_threads(7)


def test_configure_threads_rejects_zero() -> None:
    with pytest.raises(ValueError, match="`n` must be"):
        configure_threads(0)


@pytest.mark.parametrize("family", ["lstm", "mlp"])
def test_dropout_paths_keep_the_model_when_nothing_drops(family: Family) -> None:
    params = TrialParams(units=5, layers=2, epochs=3, batch_size=3, learning_rate=0.01)
    data = dataclasses.replace(_windows(), shuffle=False)
    tiny = dataclasses.replace(params, dropout=1e-12, recurrent_dropout=1e-12)
    (plain,) = train_seeds(family, params, data, [3])
    (masked,) = train_seeds(family, tiny, data, [3])
    np.testing.assert_allclose(_fit(masked), _fit(plain), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(masked.val_loss, plain.val_loss, rtol=1e-5, atol=1e-6)
