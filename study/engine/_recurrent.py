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

STEP_INPUTS_FLOATS = 1 << 18
"""Floats of a layer's all-steps input projection for one training batch, ``batch * seeds *
steps * gates * units``, from which inputs are projected step by step (see
:func:`recurrent_layer`): 1 MiB, half of a core's 2 MiB L2 cache. Measured per seed and
training step (one thread, lookback 30, whole epochs of the engine): one LSTM(32) seed at
batch 512 (1.97 M floats) took 23 % less step by step (21.9 to 16.8 ms), at batch 128
(0.49 M) about the same (6.5 and 6.8 ms); one LSTM(128) seed at batch 32 (0.49 M) 6 % less
(12.8 to 12.0 ms) and at batch 512 18 % less; 5 stacked LSTM(32) seeds at batch 512 23 % less.
One LSTM(32) seed at batch 32 (0.12 M) keeps the all-steps product."""


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
    Step by step keeps each step's product in cache where the all-steps projection would
    not (see :data:`STEP_INPUTS_FLOATS` for the measured choice).

    A single seed (without per-gate recurrent dropout masks) runs on 2-D matrices, plain
    ``MatMul`` instead of a batched product over a seed axis of 1: measured per training step
    (one thread, lookback 30, batch 512, medians of 7), 1-5 % less time for an LSTM(128)
    (87.8 / 84.4 to 83.5 / 83.3 ms, Keras' ``LSTM``: 85.3 ms) and 7 % less for an LSTM(32)
    (12.1 to 11.3 ms, Keras: 12.9 ms). TensorFlow's fused ``BlockLSTMV2`` kernel took 104 ms
    and a single sigmoid over the three sigmoid gates 96 ms at LSTM(128): neither is used.
    """
    outputs = []
    for direction in range(len(weights) // 3):
        layer = weights[3 * direction : 3 * direction + 3]
        xs = x if direction == 0 else tf.reverse(x, axis=[2])
        masks = _masks(cell, layer[0], xs, (index, direction), dropout)
        # One seed without per-gate masks runs on 2-D matrices (see the docstring).
        single = layer[0].shape[0] == 1 and masks[1] is None
        if single:
            layer, xs = [w[0] for w in layer], xs[0]
            masks = (None if masks[0] is None else masks[0][0], None)
        steps = _input_steps(xs, layer[0], _input_bias(cell, layer[2]), masks[0], step_inputs)
        out = _run_cell(cell, layer, steps, masks[1], return_sequences=return_sequences)
        if single:
            out = out[None]
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
    _, recurrent, bias = layer
    gru = cell == "gru"
    recurrent_step = _recurrent_step(recurrent, recurrent_mask)
    # (K, batch, units), or (batch, units) for one seed on 2-D matrices.
    shape = tf.concat([tf.shape(steps[0])[:-1], [recurrent.shape[-2]]], axis=0)
    h = c = tf.zeros(shape)
    outputs = []
    for z_t in steps:
        inner = recurrent_step(h)
        if gru:
            h = _gru(z_t, inner + _rows(bias[..., 1, :]), h)
        else:
            h, c = _lstm(z_t + inner, c)
        outputs.append(h)
    return tf.stack(outputs, axis=h.shape.rank - 1) if return_sequences else h


def _input_bias(cell: str, bias: tf.Tensor) -> tf.Tensor:
    """The bias added to the inputs' projection: a GRU's input bias, an LSTM's only bias."""
    return bias[..., 0, :] if cell == "gru" else bias


def _rows(bias: tf.Tensor) -> tf.Tensor:
    """Make a bias ``(K, width)`` broadcast over a batch's rows; a 2-D one ``(width,)`` does."""
    return bias if bias.shape.rank == 1 else bias[:, None, :]


def _input_steps(
    x: tf.Tensor,
    kernel: tf.Tensor,
    bias: tf.Tensor,
    mask: tf.Tensor | None,
    step_inputs: bool,
) -> list[tf.Tensor]:
    """Return each time step's ``x_t @ kernel + bias``, shape ``(K, batch, gates * units)``.

    For one seed on 2-D matrices (``kernel`` of shape ``(inputs, width)``, ``x`` of shape
    ``(batch, steps, inputs)``), each step has shape ``(batch, gates * units)``. Masks drawn
    per gate (recurrent dropout on) always take the all-steps projection.
    """
    time_axis = x.shape.rank - 2
    if not step_inputs or (mask is not None and mask.shape.rank == 5):
        z = _project_inputs(x, kernel, mask) + _rows(bias)[..., None, :]
        # One unstack, not a slice per step: the gradient of z[:, :, t] would write a
        # full-size zero tensor per step (quadratic in the steps; 3-5x slower at 30 steps).
        return list(tf.unstack(z, axis=time_axis))
    masked = x if mask is None else x * mask
    time_major = [time_axis, *range(time_axis), time_axis + 1]
    return [
        tf.matmul(x_t, kernel) + _rows(bias)
        for x_t in tf.unstack(tf.transpose(masked, time_major))
    ]


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
    gate ``(K, gates, batch, 1, features)`` as Keras draws when recurrent dropout is on. For
    one seed on 2-D matrices, ``x`` has shape ``(batch, steps, features)``, the result
    ``(batch, steps, gates * units)``.
    """
    if kernel.shape.rank == 2:
        masked = x if mask is None else x * mask
        flat = tf.reshape(masked, [-1, kernel.shape[0]])
        return tf.reshape(tf.matmul(flat, kernel), tf.stack([-1, x.shape[1], kernel.shape[1]]))
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
