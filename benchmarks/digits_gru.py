"""A model builder for the time-to-quality benchmark: a GRU reading a digit image row by row.

scikit-learn's ``load_digits`` images are 8 x 8 pixels; the task holds them as 64 flat
features, and :func:`build` reads them as a sequence of 8 rows of 8 pixels. The space names it
as ``model = "benchmarks.digits_gru:build"``, so every arm of the benchmark trains the same
network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

ROWS = 8


def build(params: Mapping[str, Any], input_shape: tuple[int, ...], output: Any) -> keras.Model:
    """Return an uncompiled GRU over the image's rows, then the task's head.

    Args:
        params: The trial's parameters (``units``, ``dropout``).
        input_shape: One sample's shape, ``(64,)``.
        output: The head the task needs (``output.units``, ``output.activation``).
    """
    inputs = keras.Input(input_shape)
    x = keras.layers.Reshape((ROWS, input_shape[0] // ROWS))(inputs)
    x = keras.layers.GRU(int(params["units"]), dropout=float(params["dropout"]))(x)
    outputs = keras.layers.Dense(output.units, activation=output.activation)(x)
    return keras.Model(inputs, outputs)
