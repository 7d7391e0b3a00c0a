"""The memory estimate of a trial, and its refusal before training."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import study.parallel._run as run_module
from study.parallel import run_seeds
from study.parallel._memory import (
    MemoryEstimate,
    TrialSizes,
    check_memory,
    estimate_memory,
)
from study.params import TrialParams
from study.tasks import load_task

SMALL = TrialSizes(
    samples=1000,
    timesteps=10,
    features=2,
    outputs=1,
    units=8,
    layers=1,
    recurrent=True,
    cell="lstm",
    bidirectional=False,
    batch_size=32,
    optimizer="adam",
    seeds=2,
    workers=0,
)


def test_the_estimate_counts_data_weights_and_activations() -> None:
    needs = estimate_memory(SMALL)
    assert needs.data == 1000 * (10 * 2 + 1) * 4 * 2  # Two copies in the run's process.
    weights = 4 * (2 * 8 + 8 * 8 + 8) + 8 * 1 + 1  # One LSTM layer and the head.
    assert needs.weights == weights * 2 * (2 + 2) * 4  # Seeds; weights, gradients, 2 slots.
    assert needs.activations == 32 * 10 * (4 + 2) * 8 * 1 * 2 * 4
    assert needs.total == needs.data + needs.weights + needs.activations


def test_each_worker_holds_two_copies_of_the_data() -> None:
    alone = estimate_memory(SMALL).data
    assert estimate_memory(dataclasses.replace(SMALL, workers=3)).data == alone // 2 * 7


def test_the_largest_sizes_within_bounds_need_more_than_any_machine() -> None:
    big = dataclasses.replace(SMALL, units=4096, layers=8, seeds=256, bidirectional=True)
    assert estimate_memory(big).total > 2**40


def test_a_trial_that_fits_is_not_refused() -> None:
    assert check_memory(MemoryEstimate(data=1, weights=2, activations=3), 6) is None
    assert check_memory(MemoryEstimate(data=1, weights=2, activations=3), None) is None


def test_a_trial_beyond_the_memory_is_refused_with_its_estimate() -> None:
    needs = MemoryEstimate(data=2**30, weights=100 * 2**30, activations=2**29)
    message = check_memory(needs, 60 * 2**30)
    assert message is not None and "\n" not in message
    assert "needs about 101.5 GiB" in message and "but 60.0 GiB are available" in message
    assert "weights 100.0 GiB" in message and "lower units" in message


def test_run_seeds_refuses_before_training(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "available_memory", lambda: 2**20)
    monkeypatch.setattr(run_module, "_train", lambda *a: pytest.fail("trained"))
    params = TrialParams(units=4096, layers=8, epochs=3)
    curves = run_seeds("lstm", params, load_task("sequence"), [0, 1])
    assert [c.seed for c in curves] == [0, 1]
    assert all(c.stop == "error" and c.epochs_trained == 0 for c in curves)
    assert all(str(c.error).startswith("MemoryError: the trial needs about") for c in curves)
    assert np.all([len(c.train_loss) == 0 for c in curves])
