"""Seed-batched forward pass of the reference models.

Every weight carries a leading seed axis: a stack of ``K`` seeds holds an LSTM kernel of shape
``(K, inputs, 4 * units)``. Inputs carry a leading axis of 1 (shared by all seeds) or ``K``
(one shuffled copy per seed); outputs always have ``K``. The computation of each seed's slice
is that of the Keras layers in :mod:`study.models`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import keras
import tensorflow as tf

from study.engine._random import site
from study.engine._recurrent import Dropout, recurrent_layer
from study.params import Family, TrialParams


@dataclasses.dataclass(frozen=True)
class Network:
    """The structure of one trial's network: what needs its own compiled graph.

    Dropout rates are not part of it (they are tensors of the graph), only whether each
    kind of dropout is on.

    Attributes:
        family: ``lstm`` or ``mlp``.
        layers: Number of hidden layers.
        units: Units per hidden layer (per direction).
        activation: Hidden activation of the MLP.
        cell: ``lstm`` or ``gru`` (``lstm`` family).
        bidirectional: Whether each recurrent layer runs in both directions.
        dropout: Whether inputs (LSTM) or hidden outputs (MLP) are dropped in training.
        recurrent_dropout: Whether the recurrent state is dropped in training.
        step_inputs: Whether a recurrent layer projects its inputs time step by time step
            rather than all steps at once (see :func:`study.engine._recurrent.recurrent_layer`).
    """

    family: Family
    layers: int
    units: int
    activation: str
    cell: str
    bidirectional: bool
    dropout: bool
    recurrent_dropout: bool
    step_inputs: bool = False

    @classmethod
    def of(cls, family: Family, params: TrialParams, *, step_inputs: bool = False) -> Network:
        """Describe the network of ``params`` for ``family``."""
        recurrent = family == "lstm"
        return cls(
            family=family,
            layers=params.layers,
            units=params.units,
            activation="tanh" if recurrent else params.activation,
            cell=params.cell if recurrent else "dense",
            bidirectional=recurrent and params.bidirectional,
            dropout=params.dropout > 0,
            recurrent_dropout=recurrent and params.recurrent_dropout > 0,
            step_inputs=recurrent and step_inputs,
        )

    @property
    def weights_per_layer(self) -> int:
        """Weights of one hidden layer: kernel, recurrent kernel and bias per direction
        (recurrent), or kernel and bias (MLP)."""
        if self.family == "mlp":
            return 2
        return 6 if self.bidirectional else 3

    def penalised(self) -> list[int]:
        """Return the indices of the weights the L2 penalty applies to (hidden kernels)."""
        per = self.weights_per_layer
        blocks = [(i * per + j, j) for i in range(self.layers) for j in range(per)]
        if self.family == "mlp":
            return [index for index, j in blocks if j == 0]
        return [index for index, j in blocks if j % 3 != 2]

    def logits(
        self, weights: Sequence[tf.Tensor], x: tf.Tensor, dropout: Dropout | None = None
    ) -> tf.Tensor:
        """Return the head's pre-activation outputs, shape ``(K, batch, outputs)``.

        Args:
            weights: The stacked weights, in the order of ``model.get_weights()``.
            x: Inputs of shape ``(1 or K, batch, ...)``.
            dropout: The step's dropout draws when training with dropout, else ``None``.
        """
        per = self.weights_per_layer
        h = x
        for index in range(self.layers):
            layer = weights[index * per : (index + 1) * per]
            if self.family == "lstm":
                last = index == self.layers - 1
                h = recurrent_layer(
                    self.cell,
                    layer,
                    h,
                    index,
                    dropout,
                    return_sequences=not last,
                    step_inputs=self.step_inputs,
                )
            else:
                h = self._dense(layer, h, index, dropout)
        kernel, bias = weights[-2:]
        return tf.matmul(h, kernel) + bias[:, None, :]

    def _dense(
        self, layer: Sequence[tf.Tensor], h: tf.Tensor, index: int, dropout: Dropout | None
    ) -> tf.Tensor:
        kernel, bias = layer
        out = keras.activations.get(self.activation)(tf.matmul(h, kernel) + bias[:, None, :])
        if dropout is None or dropout.rate is None:
            return out
        return out * dropout.noise.dropout_mask(site(index, 0), tf.shape(out)[1:], dropout.rate)
