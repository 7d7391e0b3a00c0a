"""The Keras reference models: what a trial's parameters mean as a network.

:func:`build_keras_model` builds and compiles the ``lstm`` or ``mlp`` network of one trial and
one seed; ``model.fit`` on it is the reference that :mod:`study.engine` reproduces.
:func:`initial_weights` returns the same model's initial weights without building it.

Every weight initializer is seeded from the trial's seed and the layer's position, so the
initial weights of a seed are the same every time they are built.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import numpy.typing as npt

from study.params import Family, TrialParams
from study.tasks import TaskData

__all__ = ["build_keras_model", "head_activation", "initial_weights", "make_optimizer"]

_OPTIMIZERS: dict[str, type[keras.optimizers.Optimizer]] = {
    "adam": keras.optimizers.Adam,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adamw": keras.optimizers.AdamW,
}
_SEED_MODULUS = 2**31 - 1


def build_keras_model(
    family: Family, params: TrialParams, data: TaskData, seed: int
) -> keras.Model:
    """Build and compile the Keras model of one trial for one seed.

    The ``lstm`` family stacks ``params.layers`` recurrent layers of ``params.units``: LSTM, or
    GRU (Keras' defaults, ``reset_after=True``) when ``params.cell == "gru"``, each wrapped in
    ``Bidirectional`` (outputs concatenated) when ``params.bidirectional``. Every layer but the
    last returns sequences; each has ``dropout`` and ``recurrent_dropout`` and an L2 penalty of
    ``params.l2`` on its kernel and recurrent kernel. The MLP stacks ``params.layers`` Dense
    layers of ``params.units`` with ``params.activation``, an L2 penalty on each kernel and,
    when ``dropout > 0``, a Dropout layer after each. Both end in a head chosen by
    ``data.kind``: linear ``Dense(n_outputs)`` for regression, ``Dense(1, sigmoid)`` for binary
    and ``Dense(n_classes, softmax)`` for multiclass; the head is not penalised.

    Args:
        family: ``"lstm"`` (inputs of shape ``(timesteps, features)``) or ``"mlp"`` (flat).
        params: The trial's parameters.
        data: The task's data, laid out for ``family`` (see :meth:`TaskData.for_family`).
        seed: Seeds the weight initializers and Keras' global random state (dropout).

    Returns:
        The model, compiled with the optimizer, ``data.loss`` and accuracy for classification.
    """
    keras.utils.set_random_seed(seed)
    data = data.for_family(family)
    regularizer = keras.regularizers.L2(params.l2) if params.l2 > 0 else None
    stack: list[keras.layers.Layer] = [keras.Input(shape=data.x_train.shape[1:])]
    for index in range(params.layers):
        if family == "lstm":
            stack.append(_recurrent_layer(params, seed, index, regularizer))
            continue
        kernel, _ = _initializers(seed, index)
        stack.append(
            keras.layers.Dense(
                params.units,
                activation=params.activation,
                kernel_initializer=kernel,
                kernel_regularizer=regularizer,
            )
        )
        if params.dropout > 0:
            stack.append(keras.layers.Dropout(params.dropout, seed=_layer_seed(seed, index, 2)))
    head_kernel, _ = _initializers(seed, params.layers)
    stack.append(
        keras.layers.Dense(
            data.n_outputs, activation=head_activation(data), kernel_initializer=head_kernel
        )
    )
    model = keras.Sequential(stack)
    metrics = [] if data.metric is None else [data.metric]
    model.compile(optimizer=make_optimizer(params), loss=data.loss, metrics=metrics)
    return model


def _recurrent_layer(
    params: TrialParams, seed: int, index: int, regularizer: Any
) -> keras.layers.Layer:
    """Return hidden layer ``index`` of the ``lstm`` family: an LSTM or GRU, maybe bidirectional.

    The backward layer of a bidirectional pair is built explicitly with its own initializer
    seeds; Keras' default copy of the forward layer would start both directions from the same
    weights.
    """
    cell = keras.layers.GRU if params.cell == "gru" else keras.layers.LSTM

    def make(direction: int) -> keras.layers.Layer:
        kernel, recurrent = _initializers(seed, index, direction)
        return cell(
            params.units,
            return_sequences=index < params.layers - 1,
            go_backwards=direction == 1,
            dropout=params.dropout,
            recurrent_dropout=params.recurrent_dropout,
            kernel_initializer=kernel,
            recurrent_initializer=recurrent,
            kernel_regularizer=regularizer,
            recurrent_regularizer=regularizer,
            seed=_layer_seed(seed, index, 2 + 3 * direction),
        )

    if not params.bidirectional:
        return make(0)
    return keras.layers.Bidirectional(make(0), backward_layer=make(1))


def initial_weights(
    family: Family, params: TrialParams, data: TaskData, seed: int
) -> list[npt.NDArray[np.float32]]:
    """Return the initial weights of :func:`build_keras_model`'s model, without building it.

    Returns:
        Arrays in the order of ``model.get_weights()``: for each LSTM layer its kernel
        ``(inputs, 4 * units)``, recurrent kernel ``(units, 4 * units)`` and bias
        ``(4 * units,)`` (gates in Keras' order input, forget, cell, output; forget bias 1);
        for each GRU layer its kernel ``(inputs, 3 * units)``, recurrent kernel
        ``(units, 3 * units)`` and bias ``(2, 3 * units)`` (gates update, reset, candidate;
        input and recurrent bias); a bidirectional layer holds the forward layer's three
        arrays, then the backward layer's;
        for each Dense layer its kernel ``(inputs, units)`` and bias ``(units,)``; then the
        head's kernel and bias.
    """
    data = data.for_family(family)
    width = int(data.x_train.shape[-1])
    weights: list[npt.NDArray[np.float32]] = []
    directions = 2 if family == "lstm" and params.bidirectional else 1
    for index in range(params.layers):
        for direction in range(directions):
            kernel, recurrent = _initializers(seed, index, direction)
            if family == "lstm":
                weights += _recurrent_weights(params, kernel, recurrent, width)
            else:
                weights += [
                    _array(kernel((width, params.units))),
                    np.zeros(params.units, np.float32),
                ]
        width = params.units * directions
    head_kernel, _ = _initializers(seed, params.layers)
    weights += [
        _array(head_kernel((width, data.n_outputs))),
        np.zeros(data.n_outputs, np.float32),
    ]
    return weights


def _recurrent_weights(
    params: TrialParams, kernel: Any, recurrent: Any, width: int
) -> list[npt.NDArray[np.float32]]:
    """Return an LSTM's or GRU's kernel, recurrent kernel and bias, as Keras initializes them."""
    gates = 3 if params.cell == "gru" else 4
    size = gates * params.units
    shape = (2, size) if params.cell == "gru" else (size,)
    bias: npt.NDArray[np.float32] = np.zeros(shape, np.float32)
    if params.cell != "gru":
        bias[params.units : 2 * params.units] = 1.0  # unit_forget_bias; GRU: input, recurrent
    return [_array(kernel((width, size))), _array(recurrent((params.units, size))), bias]


def make_optimizer(params: TrialParams) -> keras.optimizers.Optimizer:
    """Return a fresh Keras optimizer of ``params.optimizer`` with default hyperparameters.

    Raises:
        ValueError: An unknown optimizer name.
    """
    try:
        optimizer = _OPTIMIZERS[params.optimizer]
    except KeyError:
        raise ValueError(
            f"`optimizer` must be one of {', '.join(map(repr, _OPTIMIZERS))}, "
            f"but got optimizer={params.optimizer!r}."
        ) from None
    return optimizer(learning_rate=params.learning_rate)


def head_activation(data: TaskData) -> str:
    """Return the output activation for ``data.kind``: linear, sigmoid or softmax."""
    return {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}[data.kind]


def _initializers(seed: int, index: int, direction: int = 0) -> tuple[Any, Any]:
    role = 3 * direction
    return (
        keras.initializers.GlorotUniform(seed=_layer_seed(seed, index, role)),
        keras.initializers.Orthogonal(seed=_layer_seed(seed, index, role + 1)),
    )


def _layer_seed(seed: int, index: int, role: int) -> int:
    return (seed * 1_000_003 + index * 8 + role) % _SEED_MODULUS


def _array(value: Any) -> npt.NDArray[np.float32]:
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float32)
