"""Projecting a recurrent layer's inputs step by step computes what the all-steps product does."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from study.engine._random import SeedNoise
from study.engine._recurrent import GATES, Dropout, recurrent_layer

pytestmark = pytest.mark.e2e

SEEDS, BATCH, STEPS, FEATURES, UNITS = 2, 3, 5, 2, 4


def _layer(cell: str, directions: int) -> list[tf.Variable]:
    rng = np.random.default_rng(1)
    width = GATES[cell] * UNITS
    bias_shape = (SEEDS, 2, width) if cell == "gru" else (SEEDS, width)
    weights = []
    for _ in range(directions):
        weights += [
            rng.normal(size=(SEEDS, FEATURES, width)),
            rng.normal(size=(SEEDS, UNITS, width)),
            rng.normal(size=bias_shape),
        ]
    return [tf.Variable(w.astype(np.float32) * 0.5) for w in weights]


def _run(
    cell: str, weights: list[tf.Variable], dropout: Dropout | None, *, step_inputs: bool
) -> tuple[np.ndarray, list[np.ndarray]]:
    x = tf.constant(
        np.random.default_rng(2).normal(size=(SEEDS, BATCH, STEPS, FEATURES)), tf.float32
    )
    with tf.GradientTape() as tape:
        out = recurrent_layer(
            cell, weights, x, 0, dropout, return_sequences=True, step_inputs=step_inputs
        )
        total = tf.reduce_sum(tf.square(out))
    return out.numpy(), [g.numpy() for g in tape.gradient(total, weights)]


@pytest.mark.parametrize(("cell", "directions"), [("lstm", 1), ("gru", 1), ("lstm", 2)])
@pytest.mark.parametrize("input_dropout", [False, True])
def test_step_inputs_equal_the_all_steps_projection(
    cell: str, directions: int, input_dropout: bool
) -> None:
    weights = _layer(cell, directions)
    noise = SeedNoise(tf.constant([3, 4], tf.int64), tf.constant(0), tf.constant(0))
    dropout = Dropout(noise, tf.constant(0.3), None) if input_dropout else None
    out, grads = _run(cell, weights, dropout, step_inputs=False)
    stepped, stepped_grads = _run(cell, weights, dropout, step_inputs=True)
    np.testing.assert_allclose(stepped, out, rtol=1e-5, atol=1e-6)
    for mine, theirs in zip(stepped_grads, grads, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("seeds", "batch", "expected"), [(1, 32, False), (5, 32, True), (1, 512, True)]
)
def test_large_steps_choose_step_inputs(seeds: int, batch: int, expected: bool) -> None:
    from study.engine._loop import Structure
    from study.params import TrialParams
    from study.tasks import TaskData

    x = np.zeros((1000, 30, 1), np.float32)
    y = np.zeros((1000, 1), np.float32)
    data = TaskData("series", "regression", x, y, x[:10], y[:10], "mse")
    params = TrialParams(units=32, batch_size=batch)
    assert Structure.of("lstm", params, data, seeds).network.step_inputs is expected
