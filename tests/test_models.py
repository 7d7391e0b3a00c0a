from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from study.models import build_keras_model, initial_weights, make_optimizer
from study.params import Family, TrialParams
from study.tasks._base import TaskData

pytestmark = pytest.mark.e2e


def _data(kind: Any = "regression", sequential: bool = True) -> TaskData:
    rng = np.random.default_rng(0)
    shape = (6, 3, 2) if sequential else (6, 4)
    x = rng.normal(size=shape).astype(np.float32)
    loss: Any = "mse"
    y, n_classes = rng.normal(size=(6, 2)).astype(np.float32), 0
    if kind == "binary":
        y, loss = np.array([[0], [1]] * 3, np.float32), "binary_crossentropy"
    elif kind == "multiclass":
        y = np.array([[0], [1], [2]] * 2, np.float32)
        loss, n_classes = "sparse_categorical_crossentropy", 3
    return TaskData("t", kind, x, y, x, y, loss, n_classes=n_classes)


@pytest.mark.parametrize(
    ("family", "cell", "bidirectional"),
    [
        ("lstm", "lstm", False),
        ("mlp", "lstm", False),
        ("lstm", "gru", False),
        ("lstm", "lstm", True),
        ("lstm", "gru", True),
    ],
)
def test_initial_weights_equal_built_model(family: Family, cell: str, bidirectional: bool) -> None:
    params = TrialParams(
        units=5, layers=2, dropout=0.2, l2=0.1, cell=cell, bidirectional=bidirectional
    )
    data = _data()
    built = build_keras_model(family, params, data, seed=7).get_weights()
    computed = initial_weights(family, params, data, seed=7)
    assert [w.shape for w in built] == [w.shape for w in computed]
    for a, b in zip(built, computed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_weights_depend_on_seed_only() -> None:
    params, data = TrialParams(units=4), _data()
    first = initial_weights("lstm", params, data, seed=1)
    again = initial_weights("lstm", params, data, seed=1)
    other = initial_weights("lstm", params, data, seed=2)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])


def test_lstm_forget_bias_is_one() -> None:
    bias = initial_weights("lstm", TrialParams(units=3), _data(), seed=0)[2]
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize(
    ("kind", "activation", "width"),
    [("regression", "linear", 2), ("binary", "sigmoid", 1), ("multiclass", "softmax", 3)],
)
def test_head_follows_task_kind(kind: str, activation: str, width: int) -> None:
    model = build_keras_model("mlp", TrialParams(units=4), _data(kind, sequential=False), 0)
    head = model.layers[-1]
    assert head.units == width
    assert head.activation.__name__ == activation
    assert model.output_shape == (None, width)


def test_mlp_flattens_windows() -> None:
    model = build_keras_model("mlp", TrialParams(units=4), _data(), 0)
    assert model.input_shape == (None, 6)


def test_lstm_layers_and_regularizers() -> None:
    params = TrialParams(units=4, layers=2, dropout=0.1, recurrent_dropout=0.2, l2=0.5)
    lstms = build_keras_model("lstm", params, _data(), 0).layers[:-1]
    assert [layer.return_sequences for layer in lstms] == [True, False]
    for layer in lstms:
        assert layer.dropout == 0.1 and layer.recurrent_dropout == 0.2
        assert layer.cell.kernel_regularizer.l2 == pytest.approx(0.5)
        assert layer.cell.recurrent_regularizer.l2 == pytest.approx(0.5)


def test_mlp_dropout_layers_follow_hidden_layers() -> None:
    model = build_keras_model("mlp", TrialParams(units=4, layers=2, dropout=0.3), _data(), 0)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]


@pytest.mark.parametrize(
    ("name", "cls"),
    [("adam", "Adam"), ("sgd", "SGD"), ("rmsprop", "RMSprop"), ("adamw", "AdamW")],
)
def test_make_optimizer(name: str, cls: str) -> None:
    optimizer = make_optimizer(TrialParams(optimizer=name, learning_rate=0.05))
    assert type(optimizer).__name__ == cls
    assert float(optimizer.learning_rate) == pytest.approx(0.05)


def test_make_optimizer_rejects_unknown_name() -> None:
    params = TrialParams()
    object.__setattr__(params, "optimizer", "lbfgs")  # Past the record's own validation.
    with pytest.raises(ValueError, match="`optimizer` must be one of"):
        make_optimizer(params)


@pytest.mark.e2e
def test_classification_compiles_accuracy() -> None:
    model = build_keras_model("mlp", TrialParams(units=4), _data("binary", False), 0)
    history = model.fit(np.zeros((2, 4), np.float32), np.zeros((2, 1)), verbose=0)
    assert set(history.history) == {"loss", "accuracy"}


def test_gru_uses_keras_defaults() -> None:
    params = TrialParams(units=4, cell="gru", recurrent_dropout=0.1)
    (gru,) = build_keras_model("lstm", params, _data(), 0).layers[:-1]
    assert type(gru).__name__ == "GRU"
    assert gru.cell.reset_after and gru.cell.recurrent_dropout == 0.1


def test_bidirectional_directions_start_from_different_weights() -> None:
    params = TrialParams(units=4, bidirectional=True)
    model = build_keras_model("lstm", params, _data(), 0)
    bidirectional = model.layers[0]
    assert type(bidirectional).__name__ == "Bidirectional"
    assert model.output_shape == (None, 2)
    forward, backward = model.get_weights()[0], model.get_weights()[3]
    assert forward.shape == backward.shape and not np.array_equal(forward, backward)
