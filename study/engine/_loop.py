"""The compiled training loop of a stack of seeds.

One call of :meth:`SeedBatch.run` trains every seed for a range of epochs inside a single
TensorFlow graph: the epoch and mini-batch loops are graph loops, each epoch's values are
written to a ``TensorArray``, and one optimizer step updates the stacked weights of all seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from study.engine._network import Network
from study.engine._objective import Objective
from study.engine._optimizers import StackedOptimizer
from study.engine._random import SeedNoise
from study.models import initial_weights
from study.params import Family, TrialParams
from study.tasks._base import TaskData

N_SERIES = 5
"""Values recorded per epoch and seed: train, validation and fit loss, train and val metric."""

_EPOCH = tf.TensorSpec([], tf.int32)


class SeedBatch:
    """The stacked weights, optimizer state and compiled epoch loop of one trial's seeds.

    Args:
        family: The model family.
        params: The trial's parameters.
        data: The task's data, laid out for ``family``.
        seeds: The seeds; slice ``k`` of every weight belongs to ``seeds[k]``.
    """

    def __init__(
        self, family: Family, params: TrialParams, data: TaskData, seeds: Sequence[int]
    ) -> None:
        self.network = Network.of(family, params)
        self.objective = Objective.of(data, params.l2, self.network.penalised())
        self.seeds = [int(s) for s in seeds]
        per_seed = [initial_weights(family, params, data, s) for s in self.seeds]
        self.variables = [
            tf.Variable(np.stack(ws), name=f"seed_stack_{i}")
            for i, ws in enumerate(zip(*per_seed, strict=True))
        ]
        self.optimizer = StackedOptimizer(params, self.variables)
        self.alive = tf.Variable(tf.ones([len(self.seeds)], tf.bool), trainable=False)
        self.x_train = tf.constant(data.x_train, tf.float32)
        self.y_train = tf.constant(data.y_train, tf.float32)
        self.x_all = tf.constant(np.concatenate([data.x_train, data.x_val])[None], tf.float32)
        self.y_val = tf.constant(data.y_val[None], tf.float32)
        self.n_train = len(data.x_train)
        self.batch_size = min(params.batch_size, self.n_train)
        self.n_batches = math.ceil(self.n_train / self.batch_size)
        self.shuffle = data.shuffle and self.n_batches > 1
        self._run = tf.function(self._chunk, input_signature=[_EPOCH, _EPOCH])

    def run(self, start: int, stop: int) -> npt.NDArray[np.float32]:
        """Train epochs ``start`` to ``stop - 1`` (0-based) and return their values.

        Training stops before ``stop`` when every seed has diverged.

        Returns:
            Shape ``(epochs_run, 5, K)``: per epoch, the train loss, validation loss, fit loss,
            train metric and validation metric of each seed.
        """
        return np.asarray(self._run(tf.constant(start), tf.constant(stop)))

    def _weights(self) -> list[tf.Tensor]:
        return [tf.convert_to_tensor(v) for v in self.variables]

    def _chunk(self, start: tf.Tensor, stop: tf.Tensor) -> tf.Tensor:
        rows = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        epoch = start
        while tf.logical_and(epoch < stop, tf.reduce_any(self.alive)):
            row = tf.concat([self._train_epoch(epoch)[None], self._evaluate()], axis=0)
            row = tf.gather(row, [1, 2, 0, 3, 4])
            finite = tf.reduce_all(tf.math.is_finite(row[:3]), axis=0)
            self.alive.assign(tf.logical_and(self.alive, finite))
            rows = rows.write(epoch - start, row)
            epoch += 1
        return tf.reshape(rows.stack(), [-1, N_SERIES, len(self.seeds)])

    def _train_epoch(self, epoch: tf.Tensor) -> tf.Tensor:
        """Run one epoch of mini-batch steps; return each seed's mean loss over its batches."""
        x, y = self.x_train[None], self.y_train[None]
        if self.shuffle:
            order = SeedNoise(self.seeds, epoch, tf.constant(0)).permutations(self.n_train)
            x, y = tf.gather(self.x_train, order), tf.gather(self.y_train, order)
        if self.n_batches == 1:
            return self._step(x, y, epoch, tf.constant(0))
        total = tf.zeros([len(self.seeds)])
        for step in tf.range(self.n_batches):
            begin = step * self.batch_size
            xb, yb = x[:, begin : begin + self.batch_size], y[:, begin : begin + self.batch_size]
            total += self._step(xb, yb, epoch, step) * tf.cast(tf.shape(xb)[1], tf.float32)
        return total / self.n_train

    def _step(self, x: tf.Tensor, y: tf.Tensor, epoch: tf.Tensor, step: tf.Tensor) -> tf.Tensor:
        """Take one optimizer step on a batch; return each seed's loss before the step."""
        network = self.network
        uses_noise = network.dropout > 0 or network.recurrent_dropout > 0
        noise = SeedNoise(self.seeds, epoch, step) if uses_noise else None
        with tf.GradientTape() as tape:
            weights = self._weights()
            loss = self.objective.total(network.logits(weights, x, noise), y, weights)
            total = tf.reduce_sum(loss)
        gradients = tape.gradient(total, self.variables)
        self.optimizer.apply([self._mask_diverged(g) for g in gradients], self.variables)
        return loss

    def _mask_diverged(self, gradient: tf.Tensor) -> tf.Tensor:
        """Zero the gradient of seeds that diverged, so NaN never reaches the optimizer."""
        alive = tf.reshape(self.alive, [-1] + [1] * (gradient.shape.rank - 1))
        return tf.where(alive, gradient, tf.zeros_like(gradient))

    def _evaluate(self) -> tf.Tensor:
        """Return train loss, val loss, train metric and val metric, shape ``(4, K)``."""
        weights = self._weights()
        logits = self.network.logits(weights, self.x_all)
        train, val = logits[:, : self.n_train], logits[:, self.n_train :]
        objective, y_train = self.objective, self.y_train[None]
        return tf.stack(
            [
                objective.total(train, y_train, weights),
                objective.total(val, self.y_val, weights),
                objective.metric(train, y_train),
                objective.metric(val, self.y_val),
            ]
        )
