"""Seed-batched LSTM and GRU layers, one direction or both, as Keras computes them.

Weights carry a leading seed axis: an LSTM kernel of a stack of ``K`` seeds has shape
``(K, inputs, 4 * units)``, a GRU kernel ``(K, inputs, 3 * units)`` and a GRU bias
``(K, 2, 3 * units)`` (input and recurrent bias, Keras' ``reset_after=True``). Inputs have
shape ``(1 or K, batch, steps, features)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import tensorflow as tf

from study.engine._random import SeedNoise, site

GATES = {"lstm": 4, "gru": 3}
"""Gates per cell, in Keras' order: LSTM input, forget, cell, output; GRU update, reset, new."""

STEP_INPUTS_FLOATS = 15_000
"""Floats per sample of a layer's all-steps input projection, ``seeds * steps * gates *
units``, from which inputs are projected step by step (see :func:`recurrent_layer`): an
LSTM(32) with lookback 30 stays below it alone (3,840: 26 % slower step by step at batch 32)
and passes it with 5 seeds (19,200: even at batch 32, 23 % faster at batch 512), an LSTM(128)
passes it alone (15,360: 18 % faster at batch 512)."""


@dataclasses.dataclass(frozen=True)
class Dropout:
    """The dropout draws of one training step.

    Attributes:
        noise: The step's random draws.
        rate: Dropout rate of the inputs (0-d tensor); ``None`` when inputs are not dropped.
        recurrent_rate: Dropout rate of the recurrent state; ``None`` when it is not dropped.
    """

    noise: SeedNoise
    rate: tf.Tensor | None
    recurrent_rate: tf.Tensor | None


def recurrent_layer(
    cell: str,
    weights: Sequence[tf.Tensor],
    x: tf.Tensor,
    index: int,
    dropout: Dropout | None,
    *,
    return_sequences: bool,
    step_inputs: bool = False,
) -> tf.Tensor:
    """Run hidden layer ``index``: three weights per direction, one or two directions.

    A second direction reads the sequence backwards; with ``return_sequences`` its outputs are
    put back in time order, and the two directions' outputs are concatenated, as Keras'
    ``Bidirectional`` does.

    With ``step_inputs`` the inputs are cut into time steps once, time-major, and each step
    is projected on its own; otherwise all steps are projected in one product, then cut.
    Measured (one thread, forward and backward pass, CPU time per seed): step by step took
    18 % less at LSTM(128) batch 512 (101 to 83 ms), 23 % less at LSTM(32) batch 512 with 5
    seeds and 9 % less at LSTM(128) batch 32 with 5 seeds, where the all-steps projection no
    longer stays in cache; but 26 % more at LSTM(32) batch 32 with one seed, where the extra
    operations per step dominate. See :data:`STEP_INPUTS_FLOATS`.
    """
    outputs = []
    for direction in range(len(weights) // 3):
        layer = weights[3 * direction : 3 * direction + 3]
        xs = x if direction == 0 else tf.reverse(x, axis=[2])
        masks = _masks(cell, layer[0], xs, (index, direction), dropout)
        steps = _input_steps(xs, layer[0], _input_bias(cell, layer[2]), masks[0], step_inputs)
        out = _run_cell(cell, layer, steps, masks[1], return_sequences=return_sequences)
        if direction == 1 and return_sequences:
            out = tf.reverse(out, axis=[2])
        outputs.append(out)
    return outputs[0] if len(outputs) == 1 else tf.concat(outputs, axis=-1)


def _masks(
    cell: str,
    kernel: tf.Tensor,
    x: tf.Tensor,
    where: tuple[int, int],
    dropout: Dropout | None,
) -> tuple[tf.Tensor | None, tf.Tensor | None]:
    """Draw the input and recurrent masks; per gate when recurrent dropout is on, as Keras."""
    if dropout is None:
        return None, None
    index, direction = where
    gates, units = GATES[cell], kernel.shape[2] // GATES[cell]
    batch, features = tf.shape(x)[1], x.shape[3]
    per_gate = dropout.recurrent_rate is not None
    in_mask = rec_mask = None
    if dropout.rate is not None:
        shape = [gates, batch, 1, features] if per_gate else [batch, 1, features]
        in_mask = dropout.noise.dropout_mask(site(index, 0, direction), shape, dropout.rate)
    if dropout.recurrent_rate is not None:
        shape = tf.stack([gates, batch, units])
        rate = dropout.recurrent_rate
        rec_mask = dropout.noise.dropout_mask(site(index, 1, direction), shape, rate)
    return in_mask, rec_mask


def _run_cell(
    cell: str,
    layer: Sequence[tf.Tensor],
    steps: Sequence[tf.Tensor],
    recurrent_mask: tf.Tensor | None,
    *,
    return_sequences: bool,
) -> tf.Tensor:
    """Run the recurrence over the projected inputs of each time step."""
    kernel, recurrent, bias = layer
    gru = cell == "gru"
    n_seeds, units = kernel.shape[0], recurrent.shape[1]
    recurrent_step = _recurrent_step(recurrent, recurrent_mask)
    h = c = tf.zeros(tf.stack([n_seeds, tf.shape(steps[0])[1], units]))
    outputs = []
    for z_t in steps:
        inner = recurrent_step(h)
        if gru:
            h = _gru(z_t, inner + bias[:, 1][:, None, :], h)
        else:
            h, c = _lstm(z_t + inner, c)
        outputs.append(h)
    return tf.stack(outputs, axis=2) if return_sequences else h


def _input_bias(cell: str, bias: tf.Tensor) -> tf.Tensor:
    """The bias added to the inputs' projection: a GRU's input bias, an LSTM's only bias."""
    return bias[:, 0] if cell == "gru" else bias


def _input_steps(
    x: tf.Tensor,
    kernel: tf.Tensor,
    bias: tf.Tensor,
    mask: tf.Tensor | None,
    step_inputs: bool,
) -> list[tf.Tensor]:
    """Return each time step's ``x_t @ kernel + bias``, shape ``(K, batch, gates * units)``.

    Masks drawn per gate (recurrent dropout on) always take the all-steps projection.
    """
    if not step_inputs or (mask is not None and mask.shape.rank == 5):
        z = _project_inputs(x, kernel, mask) + bias[:, None, None, :]
        # One unstack, not a slice per step: the gradient of z[:, :, t] would write a
        # full-size zero tensor per step (quadratic in the steps; 3-5x slower at 30 steps).
        return tf.unstack(z, axis=2)
    masked = x if mask is None else x * mask
    return [tf.matmul(x_t, kernel) + bias[:, None, :]
            for x_t in tf.unstack(tf.transpose(masked, [2, 0, 1, 3]))]


def _lstm(z: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    i, f, g, o = tf.split(z, 4, axis=-1)
    c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
    return tf.sigmoid(o) * tf.tanh(c), c


def _gru(x_part: tf.Tensor, inner: tf.Tensor, h: tf.Tensor) -> tf.Tensor:
    x_z, x_r, x_h = tf.split(x_part, 3, axis=-1)
    r_z, r_r, r_h = tf.split(inner, 3, axis=-1)
    z = tf.sigmoid(x_z + r_z)
    r = tf.sigmoid(x_r + r_r)
    candidate = tf.tanh(x_h + r * r_h)
    return z * h + (1 - z) * candidate


def _project_inputs(x: tf.Tensor, kernel: tf.Tensor, mask: tf.Tensor | None) -> tf.Tensor:
    """Return ``x @ kernel`` for all time steps, shape ``(K, batch, steps, gates * units)``.

    ``mask`` is ``None``, one input mask per sequence ``(K, batch, 1, features)``, or one per
    gate ``(K, gates, batch, 1, features)`` as Keras draws when recurrent dropout is on.
    """
    n_seeds, features, width = kernel.shape
    batch, steps = tf.shape(x)[1], x.shape[2]
    if mask is None or mask.shape.rank == 4:
        masked = x if mask is None else x * mask
        flat = tf.reshape(masked, tf.stack([-1, batch * steps, features]))
        return tf.reshape(tf.matmul(flat, kernel), tf.stack([n_seeds, batch, steps, width]))
    gates = mask.shape[1]
    masked = tf.reshape(x[:, None] * mask, tf.stack([n_seeds, gates, batch * steps, features]))
    per_gate = tf.transpose(tf.reshape(kernel, [n_seeds, features, gates, -1]), [0, 2, 1, 3])
    z = tf.transpose(tf.matmul(masked, per_gate), [0, 2, 1, 3])
    return tf.reshape(z, tf.stack([n_seeds, batch, steps, width]))


def _recurrent_step(
    recurrent: tf.Tensor, mask: tf.Tensor | None
) -> Callable[[tf.Tensor], tf.Tensor]:
    """Return the function ``h -> h @ recurrent``, masked per gate when ``mask`` is given."""
    if mask is None:
        return lambda h: tf.matmul(h, recurrent)
    n_seeds, units, width = recurrent.shape
    gates = tf.transpose(tf.reshape(recurrent, [n_seeds, units, -1, units]), [0, 2, 1, 3])

    def step(h: tf.Tensor) -> tf.Tensor:
        z = tf.transpose(tf.matmul(h[:, None] * mask, gates), [0, 2, 1, 3])
        return tf.reshape(z, tf.stack([n_seeds, tf.shape(h)[1], width]))

    return step
