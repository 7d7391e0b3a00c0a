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
_BACKWARD_SITES = 32  # The backward layer of a bidirectional pair draws from sites 32 and up.


def site(layer: int, kind: int, direction: int = 0) -> int:
    """Return the site number of a dropout draw.

    Args:
        layer: The hidden layer's index.
        kind: 0 for the inputs' mask, 1 for the recurrent state's.
        direction: 0 for a forward layer, 1 for the backward layer of a bidirectional pair.
    """
    return 1 + 2 * layer + kind + _BACKWARD_SITES * direction


class SeedNoise:
    """Stateless random draws for a stack of seeds at one training step.

    Args:
        seeds: The seeds, int64 of shape ``(n_seeds,)``, one per slice of the seed axis.
        epoch: The epoch (int32 scalar tensor).
        step: The mini-batch step within the epoch (int32 scalar tensor).
    """

    def __init__(self, seeds: tf.Tensor, epoch: tf.Tensor, step: tf.Tensor) -> None:
        self._seeds = seeds
        self._n_seeds = int(seeds.shape[0])
        counter = tf.cast(epoch, tf.int64) * (2**_STEP_BITS) + tf.cast(step, tf.int64)
        self._counter = counter * (2**_SITE_BITS)

    def uniform(self, site_number: int, shape: Sequence[int] | tf.Tensor) -> tf.Tensor:
        """Return uniform [0, 1) draws of shape ``(n_seeds, *shape)``."""
        stream = self._counter + site_number
        return tf.stack(
            [
                tf.random.stateless_uniform(shape, seed=tf.stack([self._seeds[k], stream]))
                for k in range(self._n_seeds)
            ]
        )

    def dropout_mask(
        self, site_number: int, shape: Sequence[int] | tf.Tensor, rate: tf.Tensor
    ) -> tf.Tensor:
        """Return an inverted-dropout mask of shape ``(n_seeds, *shape)``.

        Entries are 0 with probability ``rate`` and ``1 / (1 - rate)`` otherwise, as Keras'
        dropout multiplies its inputs by.
        """
        keep = self.uniform(site_number, shape) >= rate
        return tf.cast(keep, tf.float32) * (1.0 / (1.0 - rate))

    def permutations(self, n: tf.Tensor) -> tf.Tensor:
        """Return one shuffling order of ``n`` samples per seed, shape ``(n_seeds, n)``."""
        return tf.argsort(self.uniform(SHUFFLE_SITE, tf.reshape(n, [1])), axis=-1, stable=True)
