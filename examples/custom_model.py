"""A model builder for ``search_spaces/custom_model.toml``: a small Conv1D network on windows.

``python -m study run --space search_spaces/custom_model.toml`` (from the repository root)
imports this module as ``examples.custom_model`` and calls :func:`build` once per trial and
seed. ``filters`` and ``kernel_size`` are the space's own parameters; ``dropout`` and ``units``
are standard ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras


def build(params: Mapping[str, Any], input_shape: tuple[int, ...], output: Any) -> keras.Model:
    """Return an uncompiled Conv1D model for windows of shape ``input_shape``.

    Args:
        params: The trial's parameters (``filters``, ``kernel_size``, ``units``, ``dropout``).
        input_shape: One window's shape, ``(timesteps, features)``.
        output: The head the task needs (``output.units``, ``output.activation``).
    """
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv1D(
        params["filters"], params["kernel_size"], padding="causal", activation="relu"
    )(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = keras.layers.Dense(params["units"], activation="relu")(x)
    x = keras.layers.Dropout(params["dropout"])(x)
    outputs = keras.layers.Dense(output.units, activation=output.activation)(x)
    return keras.Model(inputs, outputs)
