"""Training a user's own Keras model (a builder's) for several seeds.

Each seed's model comes from the builder (:mod:`study.engine._builder_model`), seeded. One
compiled ``tf.function`` runs a whole chunk of epochs: the epoch and mini-batch loops are graph
loops, and at every epoch end the training and validation losses are evaluated in batches with
``training=False`` (dropout off), as ``model.evaluate`` does, by the engine's own evaluation:
the same training samples and batches as a built-in model's, so a builder's curves mean what
the engine's mean. Seeds advance together chunk by chunk, so a monitor (the pruner) sees all of
them at the same epoch, as with :func:`study.engine.train_seeds`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import keras
import numpy as np
import numpy.typing as npt
import tensorflow as tf

from study.builders import CustomModel, standard_params
from study.curves import SERIES, TRIMMED_SAMPLES, SeedCurves, StopReason
from study.engine._builder_model import build_model
from study.engine._evaluate import (
    EVAL_BATCH_SIZE,
    TRAIN_EVAL_LIMIT,
    batched_mean,
    eval_indices,
    train_eval_size,
)
from study.engine._train import TrainingMonitor
from study.models import make_optimizer
from study.tasks import TaskData

__all__ = ["train_custom"]

_EPOCH = tf.TensorSpec([], tf.int32)


def train_custom(
    custom: CustomModel,
    data: TaskData,
    seeds: Sequence[int],
    *,
    chunk_epochs: int = 50,
    monitor: TrainingMonitor | None = None,
) -> list[SeedCurves]:
    """Train the builder's model once per seed and return each seed's curves.

    The curves hold what :func:`study.engine.train_seeds` records: ``train_loss`` and
    ``val_loss`` evaluated with dropout off at each epoch end (the model's regularisation
    losses included, as ``model.evaluate`` reports them), ``fit_loss`` (the mean of the
    epoch's batch losses) and, for classification, the accuracies. A seed whose loss turns
    NaN or infinite stops as ``diverged``; every other seed's curves carry its model's final
    weights (``model.get_weights()``) and those at the end of its epoch of lowest
    ``val_loss`` (``best_weights``, as ``EarlyStopping(restore_best_weights=True)`` keeps
    them), copied inside the compiled loop at each epoch end where it improved. An exception
    (the builder raising for these parameters, say) propagates: the caller records it
    against the seeds (:func:`study.parallel.failed_seeds`), so a trial fails alone with its
    traceback.
    """
    started = time.perf_counter()
    planned = int(standard_params(custom.values).epochs)
    runs = [_SeedRun(custom, data, int(s)) for s in seeds]
    stop = _run(runs, planned, chunk_epochs, monitor, started)
    share = (time.perf_counter() - started) / len(runs)
    return [r.curves(planned, stop, share, with_weights=True) for r in runs]


def _run(
    runs: list[_SeedRun],
    planned: int,
    chunk_epochs: int,
    monitor: TrainingMonitor | None,
    started: float,
) -> StopReason:
    """Run chunks until every seed has its epochs or diverged, or the monitor stops them."""
    epoch = 0
    while epoch < planned and any(r.alive for r in runs):
        stop = min(epoch + chunk_epochs, planned)
        for run in runs:
            if run.alive:
                run.advance(epoch, stop)
        epoch = stop
        if monitor is not None:
            share = (time.perf_counter() - started) / len(runs)
            monitor.update([r.curves(planned, "completed", share) for r in runs])
            if monitor.should_stop():
                return "pruned"
    return "completed"


class _SeedRun:
    """One seed's model, optimizer, loss and compiled chunk of epochs, and its rows so far."""

    def __init__(self, custom: CustomModel, data: TaskData, seed: int) -> None:
        self.seed, self.rows, self.alive = seed, np.zeros((0, len(SERIES)), np.float32), True
        self.diverged = False
        keras.utils.set_random_seed(seed)
        params = standard_params(custom.values)
        self.model = build_model(custom, data)
        compiled = getattr(self.model, "optimizer", None) is not None
        self.optimizer = self.model.optimizer if compiled else make_optimizer(params)
        self.optimizer.build(self.model.trainable_variables)
        # Every weight of get_weights(), as a copy the compiled loop overwrites on improvement.
        self.best = [
            tf.Variable(tf.convert_to_tensor(w), trainable=False) for w in self.model.weights
        ]
        self.best_val = tf.Variable(np.inf, dtype=tf.float32, trainable=False)
        self.loss = _loss_function(self.model.loss if compiled else data.loss)
        self.kind = data.kind
        self.x_train, self.y_train = _tensor(data.x_train), _tensor(data.y_train)
        self.x_val, self.y_val = _tensor(data.x_val), _tensor(data.y_val)
        self.n_train, self.n_val = len(data.x_train), len(data.x_val)
        # The training samples the engine evaluates each epoch (all but for large sets).
        size = train_eval_size(self.n_train, self.n_val, TRAIN_EVAL_LIMIT)
        self.train_rows = tf.constant(eval_indices(self.n_train, size), tf.int32)
        self.val_rows = tf.range(self.n_val, dtype=tf.int32)
        self.batch_size = min(params.batch_size, self.n_train)
        self.n_batches = math.ceil(self.n_train / self.batch_size)
        self.shuffle = data.shuffle and self.n_batches > 1
        self._chunk = tf.function(self._epochs, input_signature=[_EPOCH, _EPOCH])

    def advance(self, start: int, stop: int) -> None:
        """Train epochs ``start`` to ``stop - 1``; a non-finite loss ends the seed there."""
        rows = np.asarray(self._chunk(tf.constant(start), tf.constant(stop)), np.float32)
        bad = ~np.isfinite(rows[:, :3]).all(axis=1)
        if bad.any():
            rows, self.alive, self.diverged = rows[: int(np.argmax(bad))], False, True
        self.rows = np.concatenate([self.rows, rows])

    def curves(
        self,
        planned: int,
        stop: StopReason,
        seconds: float,
        *,
        with_weights: bool = False,
    ) -> SeedCurves:
        """The seed's curves so far, with its model's weights if asked and it did not diverge."""
        weights = best = None
        if with_weights and not self.diverged:
            weights = tuple(np.asarray(w, np.float32) for w in self.model.get_weights())
            if len(self.rows):
                best = tuple(np.asarray(w.numpy(), np.float32) for w in self.best)
        series: dict[str, Any] = dict(zip(SERIES, self.rows.T, strict=True))
        if self.kind == "regression":
            series["train_metric"] = series["val_metric"] = None
        return SeedCurves(
            seed=self.seed,
            epochs_planned=planned,
            seconds=seconds,
            stop="diverged" if self.diverged else stop,
            val_samples=self.n_val,
            weights=weights,
            best_weights=best,
            **series,
        )

    def _epochs(self, start: tf.Tensor, stop: tf.Tensor) -> tf.Tensor:
        rows = tf.TensorArray(tf.float32, size=stop - start)
        for i in tf.range(stop - start):
            fit = self._train_epoch(start + i)
            train = (self.x_train, self.y_train)
            train_loss, train_metric, _ = self._evaluate(train, self.train_rows)
            val = (self.x_val, self.y_val)
            val_loss, val_metric, trimmed = self._evaluate(val, self.val_rows, TRIMMED_SAMPLES)
            row = [train_loss, val_loss, fit, train_metric, val_metric, trimmed]
            self._keep_best(tf.stack(row[:3]))
            rows = rows.write(i, tf.stack(row))
        return rows.stack()

    def _keep_best(self, losses: tf.Tensor) -> None:
        """Copy the weights when the validation loss (``losses[1]``) fell below its best."""
        finite = tf.reduce_all(tf.math.is_finite(losses))
        improved = tf.logical_and(finite, losses[1] < self.best_val)
        self.best_val.assign(tf.where(improved, losses[1], self.best_val))
        for best, weight in zip(self.best, self.model.weights, strict=True):
            best.assign(tf.where(improved, tf.convert_to_tensor(weight), best))

    def _train_epoch(self, epoch: tf.Tensor) -> tf.Tensor:
        """One epoch of mini-batch steps; return the mean of its batch losses."""
        x, y = self.x_train, self.y_train
        if self.shuffle:
            noise = tf.random.stateless_uniform([self.n_train], seed=tf.stack([self.seed, epoch]))
            order = tf.argsort(noise)
            x, y = tf.gather(x, order), tf.gather(y, order)
        total = tf.constant(0.0)
        for step in tf.range(self.n_batches):
            begin = step * self.batch_size
            xb, yb = x[begin : begin + self.batch_size], y[begin : begin + self.batch_size]
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(self.loss(yb, self.model(xb, training=True)))
                loss += self._penalty()
            variables = self.model.trainable_variables
            self.optimizer.apply(tape.gradient(loss, variables), variables)
            total += loss * tf.cast(tf.shape(xb)[0], tf.float32)
        return total / self.n_train

    def _evaluate(
        self, data: tuple[tf.Tensor, tf.Tensor], rows: tf.Tensor, trim: int = 0
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """Mean loss (plus penalty), accuracy and trimmed loss over ``rows``, dropout off.

        The engine's evaluation (:func:`study.engine._evaluate.batched_mean`) with this model
        as a stack of one seed, so the curves mean what a built-in model's mean: the same
        training samples, the same batching, the same trimmed loss (the ``trim`` samples of
        largest loss left out, see :data:`study.curves.TRIMMED_SAMPLES`).
        """

        def score(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            predicted = self.model(x[0], training=False)
            losses = tf.reshape(self.loss(y[0], predicted), [-1])
            hits = tf.reduce_mean(_hits(self.kind, y[0], predicted))
            return tf.stack([tf.reduce_mean(losses), hits])[:, None], losses[None]

        batch = tf.constant(EVAL_BATCH_SIZE)
        means, trimmed = batched_mean(score, (2, 1), data, rows, batch, trim)
        return means[0, 0] + self._penalty(), means[1, 0], trimmed[0] + self._penalty()

    def _penalty(self) -> tf.Tensor:
        losses = self.model.losses
        return tf.add_n([tf.cast(v, tf.float32) for v in losses]) if losses else tf.constant(0.0)


def _loss_function(loss: Any) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """A per-sample loss from a name, a function or a ``keras.losses.Loss``."""
    if isinstance(loss, keras.losses.Loss):
        return cast("Callable[[Any, Any], Any]", loss.call)
    if isinstance(loss, (Mapping, list, tuple)):
        raise ValueError("a compiled model must have one loss, not one per output.")
    return cast("Callable[[Any, Any], Any]", keras.losses.get(loss))


def _hits(kind: str, y: tf.Tensor, predicted: tf.Tensor) -> tf.Tensor:
    if kind == "binary":
        return tf.cast(tf.equal(tf.cast(predicted > 0.5, tf.float32), y), tf.float32)[:, 0]
    if kind == "multiclass":
        labels = tf.cast(y[:, 0], tf.int64)
        return tf.cast(tf.equal(tf.argmax(predicted, axis=-1), labels), tf.float32)
    return tf.zeros([tf.shape(y)[0]])


def _tensor(values: npt.NDArray[np.float32]) -> tf.Tensor:
    return tf.constant(values, tf.float32)
