"""The compiled training loop of a stack of seeds.

One call of :meth:`Trainer.run` trains every seed for a range of epochs inside a single
TensorFlow graph: the epoch and mini-batch loops are graph loops, each epoch's values are
written to a ``TensorArray``, and one optimizer step updates the stacked weights of all seeds.
A trainer depends only on the :class:`Structure` of a trial; learning rate, L2 weight,
dropout rates, batch size, seeds and initial weights are loaded into its variables, so a
second trial of the same structure reuses the compiled graph.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from study.curves import TRIMMED_SAMPLES
from study.engine._evaluate import Tensors, batched_mean
from study.engine._network import Network
from study.engine._objective import Objective
from study.engine._optimizers import StackedOptimizer
from study.engine._random import SeedNoise
from study.engine._recurrent import GATES, STEP_INPUTS_FLOATS, Dropout
from study.params import Family, TrialParams
from study.tasks import TaskData

N_SERIES = 6
"""Values recorded per epoch and seed: train, validation and fit loss, train and val metric,
and the trimmed validation loss (:data:`study.curves.TRIMMED_SAMPLES`)."""


@dataclasses.dataclass(frozen=True)
class Structure:
    """Everything a compiled training graph depends on; trials that share it share a graph.

    Attributes:
        network: The network's structure.
        objective: Loss, metric and penalised weights.
        optimizer: The optimizer's name.
        n_seeds: Seeds trained together.
        input_shape: One sample's input shape.
        target_width: Columns of the targets.
        shuffle: Whether mini-batches are reshuffled every epoch.
        keep_best: Whether the graph also keeps each seed's weights of its best validation
            epoch (a second set of stacked weights, updated at every epoch end).
    """

    network: Network
    objective: Objective
    optimizer: str
    n_seeds: int
    input_shape: tuple[int, ...]
    target_width: int
    shuffle: bool
    keep_best: bool = True

    @classmethod
    def of(
        cls,
        family: Family,
        params: TrialParams,
        data: TaskData,
        n_seeds: int,
        *,
        keep_best: bool = True,
    ) -> Structure:
        """Describe the graph that trains ``params`` on ``data`` (laid out for ``family``)."""
        input_shape = tuple(int(d) for d in data.x_train.shape[1:])
        network = Network.of(
            family,
            params,
            step_inputs=_projection_floats(params, input_shape, n_seeds, len(data.x_train))
            >= STEP_INPUTS_FLOATS,
        )
        return cls(
            network=network,
            objective=Objective.of(data, params.l2, network.penalised()),
            optimizer=params.optimizer,
            n_seeds=n_seeds,
            input_shape=input_shape,
            target_width=int(data.y_train.shape[1]),
            shuffle=data.shuffle,
            keep_best=keep_best,
        )


def _projection_floats(
    params: TrialParams, input_shape: tuple[int, ...], n_seeds: int, n_train: int
) -> int:
    """Floats of one recurrent layer's all-steps input projection for a training batch.

    Trials that differ only in the batch size share one graph unless the batch size moves
    this across :data:`STEP_INPUTS_FLOATS`.
    """
    steps = input_shape[0] if len(input_shape) > 1 else 1
    batch = min(params.batch_size, max(n_train, 1))
    return batch * n_seeds * steps * GATES.get(params.cell, 4) * params.units


class _Settings:
    """The per-trial values of a trainer, as variables its graph reads."""

    def __init__(self, n_seeds: int) -> None:
        self.seeds = tf.Variable(tf.zeros([n_seeds], tf.int64), trainable=False)
        self.l2 = tf.Variable(0.0, trainable=False)
        self.dropout = tf.Variable(0.0, trainable=False)
        self.recurrent_dropout = tf.Variable(0.0, trainable=False)
        self.batch_size = tf.Variable(1, trainable=False)
        self.eval_batch_size = tf.Variable(1, trainable=False)

    def load(self, params: TrialParams, seeds: Sequence[int], eval_batch_size: int) -> None:
        self.seeds.assign(np.asarray(seeds, np.int64))
        self.l2.assign(params.l2)
        self.dropout.assign(params.dropout)
        self.recurrent_dropout.assign(params.recurrent_dropout)
        self.batch_size.assign(params.batch_size)
        self.eval_batch_size.assign(eval_batch_size)


class Trainer:
    """The stacked weights, optimizer state and compiled epoch loop of one structure.

    Args:
        structure: The structure it trains.
        shapes: The shape of each stacked weight, in the order of ``model.get_weights()``
            with the seed axis first.
    """

    def __init__(self, structure: Structure, shapes: Sequence[tuple[int, ...]]) -> None:
        self.structure = structure
        self.network = structure.network
        self.objective = structure.objective
        self.variables = [
            tf.Variable(tf.zeros(shape), name=f"seed_stack_{i}") for i, shape in enumerate(shapes)
        ]
        self.optimizer = StackedOptimizer(structure.optimizer, self.variables)
        self.best = [
            tf.Variable(tf.zeros(shape), trainable=False, name=f"best_stack_{i}")
            for i, shape in enumerate(shapes)
            if structure.keep_best
        ]
        self.best_val = tf.Variable(tf.zeros([structure.n_seeds]), trainable=False)
        self.settings = _Settings(structure.n_seeds)
        self.alive = tf.Variable(tf.ones([structure.n_seeds], tf.bool), trainable=False)
        self.lock = threading.Lock()
        self._run = tf.function(self._chunk, input_signature=_signature(structure))

    def start(
        self,
        params: TrialParams,
        seeds: Sequence[int],
        weights: Sequence[npt.NDArray[np.float32]],
        eval_batch_size: int,
    ) -> None:
        """Load a new trial: its seeds' initial weights (stacked), its values, a fresh state."""
        for variable, value in zip(self.variables, weights, strict=True):
            variable.assign(value)
        for best, value in zip(self.best, weights if self.best else [], strict=True):
            best.assign(value)
        self.best_val.assign(tf.fill(tf.shape(self.best_val), np.inf))
        self.optimizer.reset(params.learning_rate)
        self.settings.load(params, seeds, eval_batch_size)
        self.alive.assign(tf.ones_like(self.alive))

    def state(self) -> list[npt.NDArray[np.generic]]:
        """Return a copy of the loaded trial's state.

        The state is the weights, the best epoch's weights (when kept), the optimizer state,
        the seeds, the live seeds and the best validation losses, in this order.

        With :meth:`restore`, one trainer trains several stacks of seeds of the same structure
        in turn, chunk by chunk, each from where it stopped.
        """
        return [np.array(v.numpy()) for v in self._state()]

    def restore(self, state: Sequence[npt.NDArray[np.generic]]) -> None:
        """Load a state that :meth:`state` returned."""
        for variable, value in zip(self._state(), state, strict=True):
            variable.assign(value)

    def _state(self) -> list[tf.Variable]:
        return [
            *self.variables,
            *self.best,
            *self.optimizer.state(),
            self.settings.seeds,
            self.alive,
            self.best_val,
        ]

    def run(self, start: int, stop: int, data: Tensors) -> npt.NDArray[np.float32]:
        """Train epochs ``start`` to ``stop - 1`` (0-based) and return their values.

        Training stops before ``stop`` when every seed has diverged.

        Returns:
            Shape ``(epochs_run, 6, K)``: per epoch, the train loss, validation loss, fit loss,
            train metric, validation metric and trimmed validation loss of each seed.
        """
        return np.asarray(self._run(tf.constant(start), tf.constant(stop), *data.as_args()))

    def _weights(self) -> list[tf.Tensor]:
        return [tf.convert_to_tensor(v) for v in self.variables]

    def _chunk(self, start: tf.Tensor, stop: tf.Tensor, *data: tf.Tensor) -> tf.Tensor:
        x, y, x_val, y_val, train_rows = data
        rows = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        epoch = start
        while tf.logical_and(epoch < stop, tf.reduce_any(self.alive)):
            fit = self._train_epoch(epoch, x, y)
            train = self._evaluate((x, y), train_rows)
            val = self._evaluate((x_val, y_val), tf.range(tf.shape(x_val)[0]), TRIMMED_SAMPLES)
            row = tf.stack([train[0], val[0], fit, train[1], val[1], val[2]])
            finite = tf.reduce_all(tf.math.is_finite(row[:3]), axis=0)
            self.alive.assign(tf.logical_and(self.alive, finite))
            if self.best:
                self._keep_best(val[0])
            rows = rows.write(epoch - start, row)
            epoch += 1
        return tf.reshape(rows.stack(), [-1, N_SERIES, self.structure.n_seeds])

    def _keep_best(self, val_loss: tf.Tensor) -> None:
        """Copy the weights of each live seed whose validation loss fell below its best.

        As Keras' ``EarlyStopping(restore_best_weights=True)``: the first epoch of lowest loss.
        """
        improved = tf.logical_and(self.alive, val_loss < self.best_val)
        self.best_val.assign(tf.where(improved, val_loss, self.best_val))
        for best, variable in zip(self.best, self.variables, strict=True):
            chosen = tf.reshape(improved, [-1] + [1] * (variable.shape.rank - 1))
            best.assign(tf.where(chosen, variable, best))

    def _train_epoch(self, epoch: tf.Tensor, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        """Run one epoch of mini-batch steps; return each seed's mean loss over its batches."""
        n = tf.shape(x)[0]
        size = tf.minimum(self.settings.batch_size, n)
        n_batches = (n + size - 1) // size
        order = None
        if self.structure.shuffle:
            noise = SeedNoise(self.settings.seeds, epoch, tf.constant(0))
            in_order = tf.broadcast_to(tf.range(n)[None], [self.structure.n_seeds, n])
            order = tf.cond(n_batches > 1, lambda: noise.permutations(n), lambda: in_order)
        total = tf.zeros([self.structure.n_seeds])
        for step in tf.range(n_batches):
            begin = step * size
            if order is None:
                xb, yb = x[None, begin : begin + size], y[None, begin : begin + size]
            else:
                chosen = order[:, begin : begin + size]
                xb, yb = tf.gather(x, chosen), tf.gather(y, chosen)
            total += self._step(xb, yb, epoch, step) * tf.cast(tf.shape(xb)[1], tf.float32)
        return total / tf.cast(n, tf.float32)

    def _step(self, x: tf.Tensor, y: tf.Tensor, epoch: tf.Tensor, step: tf.Tensor) -> tf.Tensor:
        """Take one optimizer step on a batch; return each seed's loss before the step."""
        dropout = self._dropout(epoch, step)
        with tf.GradientTape() as tape:
            weights = self._weights()
            logits = self.network.logits(weights, x, dropout)
            loss = self.objective.total(logits, y, weights, self.settings.l2)
            total = tf.reduce_sum(loss)
        gradients = tape.gradient(total, self.variables)
        self.optimizer.apply([self._mask_diverged(g) for g in gradients], self.variables)
        return loss

    def _dropout(self, epoch: tf.Tensor, step: tf.Tensor) -> Dropout | None:
        network = self.network
        if not (network.dropout or network.recurrent_dropout):
            return None
        return Dropout(
            SeedNoise(self.settings.seeds, epoch, step),
            tf.convert_to_tensor(self.settings.dropout) if network.dropout else None,
            tf.convert_to_tensor(self.settings.recurrent_dropout)
            if network.recurrent_dropout
            else None,
        )

    def _mask_diverged(self, gradient: tf.Tensor) -> tf.Tensor:
        """Zero the gradient of seeds that diverged, so NaN never reaches the optimizer."""
        alive = tf.reshape(self.alive, [-1] + [1] * (gradient.shape.rank - 1))
        return tf.where(alive, gradient, 0.0)

    def _evaluate(
        self, data: tuple[tf.Tensor, tf.Tensor], rows: tf.Tensor, trim: int = 0
    ) -> tf.Tensor:
        """Return the dropout-off loss (with the L2 penalty), metric and trimmed loss, ``(3, K)``.

        The trimmed loss leaves out each seed's ``trim`` samples of largest loss.
        """
        weights = self._weights()

        def score(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            logits, objective = self.network.logits(weights, x), self.objective
            losses = objective.sample_losses(logits, y)
            means = tf.stack([tf.reduce_mean(losses, axis=-1), objective.metric(logits, y)])
            return means, losses

        means, trimmed = batched_mean(
            score, [2, self.structure.n_seeds], data, rows, self.settings.eval_batch_size, trim
        )
        penalty = self.objective.penalty(weights, self.settings.l2)
        return tf.stack([means[0] + penalty, means[1], trimmed + penalty])


def _signature(structure: Structure) -> list[tf.TensorSpec]:
    x = tf.TensorSpec([None, *structure.input_shape], tf.float32)
    y = tf.TensorSpec([None, structure.target_width], tf.float32)
    epoch = tf.TensorSpec([], tf.int32)
    return [epoch, epoch, x, y, x, y, tf.TensorSpec([None], tf.int32)]
