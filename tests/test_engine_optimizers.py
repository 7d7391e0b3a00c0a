"""Each stacked optimizer step equals the step of the Keras optimizer it reproduces."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from study.engine._optimizers import StackedOptimizer
from study.models import make_optimizer
from study.params import TrialParams

STEPS = 5
SEEDS = 2
# TensorFlow's fused Adam kernel contracts Keras' arithmetic into fused multiply-adds: after a few
# steps at learning rate 0.05 the weights differ by up to ~1e-6 (a wrong rule differs by ~1e-2).
ATOL = 2e-6


@pytest.mark.parametrize("kind", ["adam", "adamw", "sgd", "rmsprop"])
def test_every_step_equals_keras(kind: str) -> None:
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,)]
    starts = [rng.normal(size=(SEEDS, *s)).astype(np.float32) for s in shapes]
    stacked = [tf.Variable(w) for w in starts]
    ours = StackedOptimizer(kind, stacked)
    ours.reset(0.05)
    references = [
        make_optimizer(TrialParams(optimizer=kind, learning_rate=0.05)) for _ in range(SEEDS)
    ]
    per_seed = [[keras.Variable(w[k]) for w in starts] for k in range(SEEDS)]
    for _ in range(STEPS):
        grads = [rng.normal(size=(SEEDS, *s)).astype(np.float32) for s in shapes]
        ours.apply([tf.constant(g) for g in grads], stacked)
        for k, (reference, weights) in enumerate(zip(references, per_seed, strict=True)):
            reference.apply_gradients(
                [(tf.constant(g[k]), w) for g, w in zip(grads, weights, strict=True)]
            )
            for mine, theirs in zip(stacked, weights, strict=True):
                np.testing.assert_allclose(mine.numpy()[k], theirs.numpy(), rtol=1e-6, atol=ATOL)
