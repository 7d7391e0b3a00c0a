"""Dropout-off evaluation of a stack of seeds, in mini-batches inside the graph.

Memory is bounded by the evaluation batch, not by the data. A loss is the mean of per-sample
losses over the whole set (each batch's mean weighted by its size, as ``model.evaluate``
does), so the result equals one pass over all samples up to float rounding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import tensorflow as tf

TRAIN_EVAL_FLOOR = 2_048
"""Training samples evaluated per epoch at least, when the training set has that many."""

TRAIN_EVAL_LIMIT = 10_000
"""Training samples evaluated per epoch at most, by default (see :func:`train_eval_size`)."""

EVAL_BATCH_SIZE = 512
"""Samples per batch of the end-of-epoch evaluation, by default; bounds its memory."""


@dataclasses.dataclass(frozen=True)
class Tensors:
    """One task's data as graph inputs.

    Attributes:
        x_train: Training inputs, shape ``(n_train, ...)``.
        y_train: Training targets, shape ``(n_train, outputs)``.
        x_val: Validation inputs.
        y_val: Validation targets.
        train_eval: Indices of the training samples the end-of-epoch ``train_loss`` and
            ``train_metric`` are computed on, shape ``(n,)``, int32.
    """

    x_train: tf.Tensor
    y_train: tf.Tensor
    x_val: tf.Tensor
    y_val: tf.Tensor
    train_eval: tf.Tensor

    @classmethod
    def of(
        cls,
        x_train: npt.NDArray[np.float32],
        y_train: npt.NDArray[np.float32],
        validation: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]],
        train_eval_limit: int | None,
    ) -> Tensors:
        """Convert the arrays; choose the evaluated training samples (:func:`train_eval_size`)."""
        size = train_eval_size(len(x_train), len(validation[0]), train_eval_limit)
        return cls(
            tf.constant(x_train, tf.float32),
            tf.constant(y_train, tf.float32),
            tf.constant(validation[0], tf.float32),
            tf.constant(validation[1], tf.float32),
            tf.constant(eval_indices(len(x_train), size), tf.int32),
        )

    def as_args(self) -> tuple[tf.Tensor, ...]:
        """Return the tensors in the order the compiled loop takes them."""
        return (self.x_train, self.y_train, self.x_val, self.y_val, self.train_eval)


def train_eval_size(n_train: int, n_val: int, limit: int | None) -> int:
    """Return how many training samples the end-of-epoch ``train_loss`` is evaluated on.

    As many as the validation set has, at least :data:`TRAIN_EVAL_FLOOR` and at most
    ``limit`` (all of them when the training set is smaller, or when ``limit`` is ``None``):
    the training and validation curves then carry comparable sampling precision, the
    quantity the diagnosis compares, and a large training set costs a bounded forward pass
    per epoch. Measured with ``python -m benchmarks.engine_eval_sample`` (2 seeds, the same
    training evaluated on the sample and on every training sample; seconds per seed-epoch of
    two runs on a shared machine): LSTM(32) on 10k windows of a noisy sine, batch 256, 20
    epochs (2,048 of 10,000 evaluated): largest relative gap between the two training curves
    2.1 % (median 1.2 %), 1.17-1.29x faster; 100k windows, batch 512, 6 epochs (10,000 of
    100,000): 1.9 % (median 1.4 %), 1.33-1.52x faster; an MLP 2x256 on 50k tabular rows, batch
    128, 20 epochs (10,000 of 50,000): 11.7 % (median 4.2 %, on a cross-entropy that ends at
    0.014, where a few misclassified rows dominate the mean, as they do the validation
    loss's), 1.05-1.79x faster. The diagnosis (:func:`study.diagnosis.diagnose_seeds`) was
    the same on the sample and on the whole set in all three.
    """
    if limit is None:
        return n_train
    return min(n_train, limit, max(TRAIN_EVAL_FLOOR, n_val))


def eval_indices(n_train: int, size: int) -> npt.NDArray[np.int32]:
    """Return the training samples evaluated each epoch: all, or ``size`` evenly spaced.

    The sample depends on the sizes alone: it is the same for every seed, every epoch and
    every trial, so the training curve carries no sampling noise from epoch to epoch, and it
    spans the whole training set (for series windows, the whole training period).
    """
    if n_train <= size:
        return np.arange(n_train, dtype=np.int32)
    return np.unique(np.linspace(0, n_train - 1, size).round().astype(np.int32))


def batched_mean(
    score: Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]],
    shape: Sequence[int],
    data: tuple[tf.Tensor, tf.Tensor],
    rows: tf.Tensor,
    batch_size: tf.Tensor,
    trim: int = 0,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Return the means over ``rows`` of ``score(x_batch, y_batch)``, batch by batch.

    Args:
        score: A function of an input batch ``(1, b, ...)`` and its targets returning per-seed
            means over the batch, of shape ``shape`` (``(values, K)``, the first value each
            seed's mean loss), and the per-sample losses behind that mean, shape ``(K, b)``.
        shape: The shape of ``score``'s means, e.g. ``(values, K)``.
        data: All inputs and all targets.
        rows: The indices of the samples to average over, shape ``(n,)``.
        batch_size: Samples per evaluation batch (0-d int32).
        trim: Samples of largest loss to leave out of the trimmed mean, per seed.

    Returns:
        The means, shape ``shape``, and each seed's mean loss without its ``trim`` largest
        per-sample losses, shape ``(K,)`` (the plain mean when ``n <= 2 * trim``).
    """
    x, y = data
    n = tf.shape(rows)[0]
    total = tf.zeros(shape)
    # The largest losses so far, per seed: only ``trim`` values are kept across batches.
    worst = tf.fill([shape[-1], trim], -np.inf)
    for begin in tf.range(0, n, batch_size):
        # One batch at a time: a graph loop runs up to 10 independent iterations at once,
        # which kept up to 10 batches' activations alive (3.2 GB for LSTM(128) at 10k windows).
        tf.autograph.experimental.set_loop_options(parallel_iterations=1)
        chunk = rows[begin : begin + batch_size]
        values, losses = score(tf.gather(x, chunk)[None], tf.gather(y, chunk)[None])
        total += values * tf.cast(tf.shape(chunk)[0], tf.float32)
        if trim:
            worst = keep_largest(worst, losses, trim)
    return total / tf.cast(n, tf.float32), trimmed_mean(total[0], worst, n, trim)


def keep_largest(worst: tf.Tensor, losses: tf.Tensor, trim: int) -> tf.Tensor:
    """The ``trim`` largest of ``worst`` and a batch's ``losses``, along the last axis."""
    return tf.math.top_k(tf.concat([worst, losses], axis=-1), trim, sorted=False).values


def trimmed_mean(total: tf.Tensor, worst: tf.Tensor, n: tf.Tensor | int, trim: int) -> tf.Tensor:
    """The mean of ``n`` losses summing to ``total`` without the ``trim`` largest (``worst``).

    The plain mean when ``n <= 2 * trim``: too few samples to leave any out.
    """
    count = tf.cast(n, tf.float32)
    trimmed = (total - tf.reduce_sum(worst, axis=-1)) / (count - trim)
    return tf.where(n > 2 * trim, trimmed, total / count)
