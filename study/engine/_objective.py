"""Per-seed loss, L2 penalty and accuracy, computed as Keras computes them.

Losses are means over a batch, like Keras' ``sum_over_batch_size`` reduction. A sigmoid or
softmax head's cross-entropy is computed from its logits, as Keras does when the loss follows
that activation. All results have shape ``(K,)``, one value per seed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import tensorflow as tf

from study.tasks import LossName, TaskData, TaskKind

_CROSS_ENTROPY: dict[str, TaskKind] = {
    "binary_crossentropy": "binary",
    "sparse_categorical_crossentropy": "multiclass",
}


@dataclasses.dataclass(frozen=True)
class Objective:
    """What training minimises and what it reports.

    Attributes:
        kind: The task's kind; chooses the head's activation and the metric.
        loss: The loss name.
        penalised: Indices of the weights the L2 penalty applies to; empty without penalty.
    """

    kind: TaskKind
    loss: LossName
    penalised: tuple[int, ...]

    @classmethod
    def of(cls, data: TaskData, l2: float, penalised: Sequence[int]) -> Objective:
        """Describe the objective of ``data``, with an L2 penalty on ``penalised`` if ``l2 > 0``.

        The penalty's weight itself is a tensor of the graph (see :meth:`penalty`), so trials
        that differ only in it share one graph.

        Raises:
            ValueError: A cross-entropy loss that does not match the task's kind.
        """
        expected = _CROSS_ENTROPY.get(data.loss)
        if expected is not None and expected != data.kind:
            raise ValueError(
                f"`loss` {data.loss!r} needs a {expected} task, but got kind={data.kind!r}."
            )
        chosen = tuple(penalised) if l2 > 0 else ()
        return cls(kind=data.kind, loss=data.loss, penalised=chosen)

    @property
    def has_metric(self) -> bool:
        """Whether an accuracy is recorded (classification)."""
        return self.kind != "regression"

    def total(
        self, logits: tf.Tensor, y: tf.Tensor, weights: Sequence[tf.Tensor], l2: tf.Tensor
    ) -> tf.Tensor:
        """Return each seed's data loss plus its L2 penalty, as Keras reports ``loss``."""
        return self.data_loss(logits, y) + self.penalty(weights, l2)

    def data_loss(self, logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        """Return each seed's mean loss over the batch.

        Args:
            logits: Head pre-activations, shape ``(K, batch, outputs)``.
            y: Targets, shape ``(1 or K, batch, columns)``.
        """
        return tf.reduce_mean(self.sample_losses(logits, y), axis=-1)

    def sample_losses(self, logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        """Return each seed's loss of each sample, shape ``(K, batch)``: a mean over columns."""
        if self.loss == "binary_crossentropy":
            labels = tf.broadcast_to(y, tf.shape(logits))
            values = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
            return tf.reduce_mean(values, axis=-1)
        if self.loss == "sparse_categorical_crossentropy":
            return tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=self._labels(logits, y), logits=logits
            )
        error = self.outputs(logits) - y
        values = tf.square(error) if self.loss == "mse" else tf.abs(error)
        return tf.reduce_mean(values, axis=-1)

    def penalty(self, weights: Sequence[tf.Tensor], l2: tf.Tensor) -> tf.Tensor:
        """Return each seed's L2 penalty, ``l2 * sum(w ** 2)`` summed over penalised weights."""
        total = tf.zeros([weights[0].shape[0]])
        for index in self.penalised:
            w = weights[index]
            total += l2 * tf.reduce_sum(tf.square(w), axis=list(range(1, w.shape.rank)))
        return total

    def metric(self, logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        """Return each seed's accuracy (zeros for regression), as Keras' ``accuracy``."""
        if self.kind == "binary":
            hits = tf.equal(tf.cast(tf.sigmoid(logits) > 0.5, tf.float32), y)
            return tf.reduce_mean(tf.cast(hits, tf.float32), axis=[1, 2])
        if self.kind == "multiclass":
            predicted = tf.argmax(tf.nn.softmax(logits), axis=-1, output_type=tf.int32)
            hits = tf.equal(predicted, self._labels(logits, y))
            return tf.reduce_mean(tf.cast(hits, tf.float32), axis=-1)
        return tf.zeros([logits.shape[0]])

    def outputs(self, logits: tf.Tensor) -> tf.Tensor:
        """Return the head's outputs: linear, sigmoid or softmax by task kind."""
        if self.kind == "binary":
            return tf.sigmoid(logits)
        if self.kind == "multiclass":
            return tf.nn.softmax(logits)
        return logits

    @staticmethod
    def _labels(logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        labels = tf.cast(y[..., 0], tf.int32)
        return tf.broadcast_to(labels, tf.shape(logits)[:-1])
