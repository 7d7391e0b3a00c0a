"""Seed-batched forward pass of the reference models.

Every weight carries a leading seed axis: a stack of ``K`` seeds holds an LSTM kernel of shape
``(K, inputs, 4 * units)``. Inputs carry a leading axis of 1 (shared by all seeds) or ``K``
(one shuffled copy per seed); outputs always have ``K``. The computation of each seed's slice
is that of the Keras layers in :mod:`study.models`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

from study.engine._random import SeedNoise, site
from study.params import Family, TrialParams


@dataclasses.dataclass(frozen=True)
class Network:
    """The static description of one trial's network.

    Attributes:
        family: ``lstm`` or ``mlp``.
        layers: Number of hidden layers.
        units: Units per hidden layer.
        activation: Hidden activation of the MLP.
        dropout: Dropout rate on LSTM inputs or after each MLP hidden layer.
        recurrent_dropout: Dropout rate on the LSTM's recurrent state.
    """

    family: Family
    layers: int
    units: int
    activation: str
    dropout: float
    recurrent_dropout: float

    @classmethod
    def of(cls, family: Family, params: TrialParams) -> Network:
        """Describe the network of ``params`` for ``family``."""
        return cls(
            family=family,
            layers=params.layers,
            units=params.units,
            activation=params.activation,
            dropout=params.dropout,
            recurrent_dropout=params.recurrent_dropout if family == "lstm" else 0.0,
        )

    @property
    def weights_per_layer(self) -> int:
        """Weights of one hidden layer: kernel, recurrent kernel, bias (LSTM) or kernel, bias."""
        return 3 if self.family == "lstm" else 2

    def penalised(self) -> list[int]:
        """Return the indices of the weights the L2 penalty applies to (hidden kernels)."""
        per = self.weights_per_layer
        return [i * per + j for i in range(self.layers) for j in range(per - 1)]

    def logits(
        self, weights: Sequence[tf.Tensor], x: tf.Tensor, noise: SeedNoise | None = None
    ) -> tf.Tensor:
        """Return the head's pre-activation outputs, shape ``(K, batch, outputs)``.

        Args:
            weights: The stacked weights, in the order of ``model.get_weights()``.
            x: Inputs of shape ``(1 or K, batch, ...)``.
            noise: The step's random draws when training with dropout, else ``None``.
        """
        per = self.weights_per_layer
        h = x
        for index in range(self.layers):
            layer = weights[index * per : (index + 1) * per]
            if self.family == "lstm":
                last = index == self.layers - 1
                h = self._lstm(layer, h, index, noise, return_sequences=not last)
            else:
                h = self._dense(layer, h, index, noise)
        kernel, bias = weights[-2:]
        return tf.matmul(h, kernel) + bias[:, None, :]

    def _dense(
        self, layer: Sequence[tf.Tensor], h: tf.Tensor, index: int, noise: SeedNoise | None
    ) -> tf.Tensor:
        kernel, bias = layer
        out = keras.activations.get(self.activation)(tf.matmul(h, kernel) + bias[:, None, :])
        if noise is None or self.dropout <= 0:
            return out
        shape = tf.shape(out)[1:]
        return out * noise.dropout_mask(site(index, 0), shape, self.dropout)

    def _lstm(
        self,
        layer: Sequence[tf.Tensor],
        x: tf.Tensor,
        index: int,
        noise: SeedNoise | None,
        *,
        return_sequences: bool,
    ) -> tf.Tensor:
        kernel, recurrent, bias = layer
        n_seeds, units = kernel.shape[0], self.units
        batch, steps = tf.shape(x)[1], x.shape[2]
        per_gate = self.recurrent_dropout > 0
        in_mask = rec_mask = None
        if noise is not None and self.dropout > 0:
            shape = [4, batch, 1, x.shape[3]] if per_gate else [batch, 1, x.shape[3]]
            in_mask = noise.dropout_mask(site(index, 0), shape, self.dropout)
        if noise is not None and per_gate:
            shape = tf.stack([4, batch, units])
            rec_mask = noise.dropout_mask(site(index, 1), shape, self.recurrent_dropout)
        z_in = _project_inputs(x, kernel, in_mask) + bias[:, None, None, :]
        recurrent_step = _recurrent_step(recurrent, rec_mask)
        h = c = tf.zeros(tf.stack([n_seeds, batch, units]))
        outputs = []
        for t in range(steps):
            z = z_in[:, :, t] + recurrent_step(h)
            i, f, g, o = tf.split(z, 4, axis=-1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            h = tf.sigmoid(o) * tf.tanh(c)
            outputs.append(h)
        return tf.stack(outputs, axis=2) if return_sequences else h


def _project_inputs(x: tf.Tensor, kernel: tf.Tensor, mask: tf.Tensor | None) -> tf.Tensor:
    """Return ``x @ kernel`` for all time steps, shape ``(K, batch, steps, 4 * units)``.

    ``mask`` is ``None``, one input mask per sequence ``(K, batch, 1, features)``, or one per
    gate ``(K, 4, batch, 1, features)`` as Keras draws when recurrent dropout is on.
    """
    n_seeds, features, units4 = kernel.shape
    batch, steps = tf.shape(x)[1], x.shape[2]
    if mask is None or mask.shape.rank == 4:
        masked = x if mask is None else x * mask
        flat = tf.reshape(masked, tf.stack([-1, batch * steps, features]))
        return tf.reshape(tf.matmul(flat, kernel), tf.stack([n_seeds, batch, steps, units4]))
    masked = tf.reshape(x[:, None] * mask, tf.stack([n_seeds, 4, batch * steps, features]))
    gates = tf.transpose(tf.reshape(kernel, [n_seeds, features, 4, units4 // 4]), [0, 2, 1, 3])
    z = tf.transpose(tf.matmul(masked, gates), [0, 2, 1, 3])
    return tf.reshape(z, tf.stack([n_seeds, batch, steps, units4]))


def _recurrent_step(
    recurrent: tf.Tensor, mask: tf.Tensor | None
) -> Callable[[tf.Tensor], tf.Tensor]:
    """Return the function ``h -> h @ recurrent``, masked per gate when ``mask`` is given."""
    if mask is None:
        return lambda h: tf.matmul(h, recurrent)
    n_seeds, units, units4 = recurrent.shape
    gates = tf.transpose(tf.reshape(recurrent, [n_seeds, units, 4, units]), [0, 2, 1, 3])

    def step(h: tf.Tensor) -> tf.Tensor:
        z = tf.transpose(tf.matmul(h[:, None] * mask, gates), [0, 2, 1, 3])
        return tf.reshape(z, tf.stack([n_seeds, tf.shape(h)[1], units4]))

    return step
