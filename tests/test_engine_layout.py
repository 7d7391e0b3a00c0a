"""The seeds of a worker split into stacks only above the memory budget; curves never change."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest

from study.curves import SeedCurves
from study.engine._layout import STACK_SEED_BYTES, plan_stacks, step_bytes
from study.params import TrialParams
from study.tasks import TaskData

LSTM128_B128 = TrialParams(units=128, batch_size=128)


def test_seeds_form_one_stack_within_the_budget() -> None:
    assert plan_stacks("lstm", LSTM128_B128, (30, 1), 10_000, [3, 1, 2, 5, 4]) == [[3, 1, 2, 5, 4]]


def test_seeds_split_into_the_fewest_equal_stacks_that_fit() -> None:
    per_seed = step_bytes("lstm", LSTM128_B128, (30, 1), 10_000)
    stacks = plan_stacks("lstm", LSTM128_B128, (30, 1), 10_000, range(5), budget=2 * per_seed)
    assert stacks == [[0, 1], [2, 3], [4]]


def test_seeds_with_large_steps_train_alone() -> None:
    large = TrialParams(units=128, batch_size=512)
    assert step_bytes("lstm", large, (30, 1), 10_000) > STACK_SEED_BYTES
    assert plan_stacks("lstm", large, (30, 1), 10_000, [1, 2, 3]) == [[1], [2], [3]]


def test_a_seed_above_the_budget_trains_alone() -> None:
    assert plan_stacks("mlp", TrialParams(), (3,), 100, [7, 8], budget=1) == [[7], [8]]


def test_a_batch_never_holds_more_than_the_training_set() -> None:
    small = step_bytes("mlp", TrialParams(batch_size=4096), (3,), 10)
    assert small == step_bytes("mlp", TrialParams(batch_size=10), (3,), 10)


def test_a_bidirectional_layer_keeps_twice_the_activations() -> None:
    one = step_bytes("lstm", TrialParams(), (30, 1), 1000)
    both = step_bytes("lstm", TrialParams(bidirectional=True), (30, 1), 1000)
    assert both == 2 * one


def test_rejects_a_budget_below_one_byte() -> None:
    with pytest.raises(ValueError, match="`budget` must be a positive"):
        plan_stacks("mlp", TrialParams(), (3,), 10, [1], budget=0)


def _windows(n: int = 8) -> TaskData:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2 * n, 4, 2)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None].astype(np.float32)
    return TaskData("win", "regression", x[:n], y[:n], x[n:], y[n:], "mse", shuffle=True)


def _assert_same(first: Sequence[SeedCurves], second: Sequence[SeedCurves]) -> None:
    for a, b in zip(first, second, strict=True):
        assert (a.seed, a.stop, a.epochs_trained) == (b.seed, b.stop, b.epochs_trained)
        for name in ("train_loss", "val_loss", "fit_loss"):
            np.testing.assert_allclose(
                getattr(a, name), getattr(b, name), rtol=1e-6, atol=1e-7, err_msg=name
            )


@pytest.mark.e2e
def test_a_seed_has_the_same_curves_in_a_stack_of_five_or_alone() -> None:
    from study.engine import train_seeds

    params = TrialParams(units=5, epochs=5, batch_size=3, dropout=0.2, recurrent_dropout=0.1)
    seeds = [4, 5, 6, 7, 8]
    stacked = train_seeds("lstm", params, _windows(), seeds, chunk_epochs=2)
    alone = train_seeds("lstm", params, _windows(), seeds, chunk_epochs=2, stack_memory=1)
    _assert_same(stacked, alone)


@pytest.mark.e2e
def test_stacks_of_unequal_size_keep_each_seeds_curves() -> None:
    from study.engine import step_bytes, train_seeds

    params = TrialParams(units=4, epochs=4, batch_size=4)
    budget = 2 * step_bytes("mlp", params, (8,), 8)
    stacked = train_seeds("mlp", params, _windows(), [1, 2, 3], chunk_epochs=3)
    split = train_seeds("mlp", params, _windows(), [1, 2, 3], chunk_epochs=3, stack_memory=budget)
    _assert_same(stacked, split)


@pytest.mark.e2e
def test_split_stacks_diverge_as_they_would_together() -> None:
    from study.engine import train_seeds

    data = _windows()
    data = dataclasses.replace(data, y_train=data.y_train * 1e6)
    params = TrialParams(units=8, epochs=200, optimizer="sgd", learning_rate=10.0, batch_size=2)
    stacked = train_seeds("mlp", params, data, [1, 2], chunk_epochs=30)
    split = train_seeds("mlp", params, data, [1, 2], chunk_epochs=30, stack_memory=1)
    assert all(c.stop == "diverged" for c in split)
    _assert_same(stacked, split)


class _StopAfterTwo:
    def __init__(self) -> None:
        self.seen: list[list[int]] = []

    def update(self, curves: Sequence[SeedCurves]) -> None:
        self.seen.append([c.epochs_trained for c in curves])

    def should_stop(self) -> bool:
        return len(self.seen) >= 2


@pytest.mark.e2e
def test_split_stacks_reach_the_monitor_at_the_same_epoch() -> None:
    from study.engine import train_seeds

    monitor = _StopAfterTwo()
    params = TrialParams(units=4, epochs=50)
    curves = train_seeds(
        "mlp", params, _windows(), [1, 2, 3], chunk_epochs=7, monitor=monitor, stack_memory=1
    )
    assert monitor.seen == [[7, 7, 7], [14, 14, 14]]
    assert [c.stop for c in curves] == ["pruned"] * 3
