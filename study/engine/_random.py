"""Per-seed randomness of training: dropout masks and shuffling orders.

Every random draw is a stateless function of (seed, epoch, step, site), so a seed's draws do
not depend on which other seeds it is trained with, and training is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

SHUFFLE_SITE = 0
"""Site number of the per-epoch shuffling order."""

_STEP_BITS = 36
_SITE_BITS = 6


def site(layer: int, kind: int) -> int:
    """Return the site number of a layer's dropout draw (``kind`` 0: inputs, 1: recurrent)."""
    return 1 + 2 * layer + kind


class SeedNoise:
    """Stateless random draws for a stack of seeds at one training step.

    Args:
        seeds: The seeds, one per slice of the leading seed axis.
        epoch: The epoch (int32 scalar tensor).
        step: The mini-batch step within the epoch (int32 scalar tensor).
    """

    def __init__(self, seeds: Sequence[int], epoch: tf.Tensor, step: tf.Tensor) -> None:
        self._seeds = [int(s) for s in seeds]
        counter = tf.cast(epoch, tf.int64) * (2**_STEP_BITS) + tf.cast(step, tf.int64)
        self._counter = counter * (2**_SITE_BITS)

    def uniform(self, site_number: int, shape: Sequence[int] | tf.Tensor) -> tf.Tensor:
        """Return uniform [0, 1) draws of shape ``(n_seeds, *shape)``."""
        stream = self._counter + site_number
        return tf.stack(
            [
                tf.random.stateless_uniform(
                    shape, seed=tf.stack([tf.constant(s, tf.int64), stream])
                )
                for s in self._seeds
            ]
        )

    def dropout_mask(
        self, site_number: int, shape: Sequence[int] | tf.Tensor, rate: float
    ) -> tf.Tensor:
        """Return an inverted-dropout mask of shape ``(n_seeds, *shape)``.

        Entries are 0 with probability ``rate`` and ``1 / (1 - rate)`` otherwise, as Keras'
        dropout multiplies its inputs by.
        """
        keep = self.uniform(site_number, shape) >= rate
        return tf.cast(keep, tf.float32) * (1.0 / (1.0 - rate))

    def permutations(self, n: int) -> tf.Tensor:
        """Return one shuffling order of ``n`` samples per seed, shape ``(n_seeds, n)``."""
        return tf.argsort(self.uniform(SHUFFLE_SITE, [n]), axis=-1, stable=True)
