"""Batched evaluation and reuse of compiled graphs give the same curves."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from study.curves import SeedCurves
from study.engine import clear_graphs, train_seeds
from study.params import TrialParams
from tests.test_engine import _fit, _tabular, _windows

pytestmark = pytest.mark.e2e

_SERIES = ("train_loss", "val_loss", "fit_loss", "train_metric", "val_metric")


def _assert_same(first: list[SeedCurves], second: list[SeedCurves], tol: float) -> None:
    for a, b in zip(first, second, strict=True):
        for name in _SERIES:
            x, y = getattr(a, name), getattr(b, name)
            if x is None:
                assert y is None
                continue
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol, err_msg=name)


@pytest.mark.parametrize("family", ["lstm", "mlp"])
def test_batched_evaluation_equals_one_pass(family: Any) -> None:
    params = TrialParams(units=5, epochs=3, batch_size=3, l2=0.01)
    data = _tabular("multiclass") if family == "mlp" else _windows()
    whole = train_seeds(family, params, data, [1, 2], eval_batch_size=10**6)
    batched = train_seeds(family, params, data, [1, 2], eval_batch_size=5)
    _assert_same(whole, batched, 1e-6)


def test_train_eval_limit_evaluates_a_fixed_sample() -> None:
    params = TrialParams(units=5, epochs=3, batch_size=4)
    data = _windows(40)
    (full,) = train_seeds("mlp", params, data, [1])
    (sampled,) = train_seeds("mlp", params, data, [1], train_eval_limit=10)
    np.testing.assert_array_equal(_fit(full), _fit(sampled))
    np.testing.assert_array_equal(full.val_loss, sampled.val_loss)
    assert not np.allclose(full.train_loss, sampled.train_loss)


def test_reused_graph_gives_the_curves_of_a_fresh_one() -> None:
    params = TrialParams(units=5, epochs=3, batch_size=3, dropout=0.2, learning_rate=0.01)
    other = dataclasses.replace(params, learning_rate=0.05, dropout=0.4, l2=0.1, batch_size=5)
    data = _windows()
    clear_graphs()
    fresh = train_seeds("lstm", dataclasses.replace(other, l2=0.0), data, [1, 2])
    clear_graphs()
    train_seeds("lstm", params, data, [1, 2])
    reused = train_seeds("lstm", dataclasses.replace(other, l2=0.0), data, [1, 2])
    _assert_same(fresh, reused, 0.0)


def test_reused_graph_restarts_the_optimizer() -> None:
    params = TrialParams(units=4, epochs=4, optimizer="adam", learning_rate=0.02)
    data = _tabular()
    clear_graphs()
    first = train_seeds("mlp", params, data, [3])
    again = train_seeds("mlp", params, data, [3])
    _assert_same(first, again, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"eval_batch_size": 0}, "eval_batch_size"),
        ({"train_eval_limit": 0}, "train_eval_limit"),
    ],
)
def test_rejects_bad_evaluation_settings(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        train_seeds("mlp", TrialParams(), _tabular(), [1], **kwargs)
