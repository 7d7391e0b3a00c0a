"""The time-to-quality goal read round by round (``benchmarks/ttq_goal.py``), on scripted
records: no training."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from benchmarks.ttq_goal import goal_rows, paired_difference, round_goal
from benchmarks.ttq_summary import summary_rows


def _record(arm: str, best: float | None, reached: float | None, **more: Any) -> dict[str, Any]:
    return {
        "task": "digits",
        "repeat": more.pop("repeat", 0),
        "arm": arm,
        "trials": 3,
        "best_val_loss": best,
        "time_to_target_s": reached,
        "test_loss": more.pop("test_loss", None),
        **more,
    }


def test_the_anchor_with_the_lowest_final_loss_sets_the_round() -> None:
    same = [
        _record("study", 0.10, 20.0),
        _record("optuna", 0.30, None),
        _record("floor", 0.20, 80.0),
    ]
    row = round_goal(same)
    assert row is not None
    assert (row["leader"], row["leader_time_s"], row["ratio"]) == ("floor", 80.0, 0.25)


def test_a_round_study_never_reached_is_infinitely_slow() -> None:
    row = round_goal([_record("study", 0.5, None), _record("random", 0.2, 30.0)])
    assert row is not None and math.isinf(row["ratio"])


def test_median_ratio_counts_rounds_not_reached() -> None:
    records = [
        *[_record("study", 0.5, None, repeat=r) for r in (0, 1)],
        *[_record("random", 0.2, 30.0, repeat=r) for r in (0, 1, 2)],
        _record("study", 0.1, 3.0, repeat=2),
    ]
    (row,) = goal_rows(records)
    assert row["median_ratio"] == "not reached"
    assert row["rounds_within_goal"] == "1 of 3"


def test_an_arm_that_reached_the_target_in_one_round_of_three_has_not_reached_it() -> None:
    records = [_record("optuna", 0.3, t, repeat=r) for r, t in enumerate((40.0, None, None))]
    (row,) = summary_rows(records)
    assert row["time_to_target"] == "not reached"


def test_a_difference_the_test_samples_cannot_measure_is_a_tie() -> None:
    rng = np.random.default_rng(0)
    theirs = rng.exponential(0.1, 100)
    ours = theirs + rng.normal(0.0, 0.05, 100)
    mean, low, high = paired_difference(ours, theirs)
    assert low < 0 < high
    assert low < mean < high


def test_a_loss_higher_on_every_sample_is_worse() -> None:
    theirs = [0.1, 0.2, 0.3, 0.4]
    mean, low, _ = paired_difference([t + 0.05 for t in theirs], theirs)
    assert math.isclose(mean, 0.05) and math.isclose(low, 0.05)


def test_study_test_loss_is_compared_with_the_best_anchor_test_loss() -> None:
    same = [
        _record("study", 0.1, 5.0, test_loss=0.25, test_losses=[0.2, 0.3]),
        _record("floor", 0.2, 50.0, test_loss=0.15, test_losses=[0.1, 0.2]),
        _record("random", 0.3, None, test_loss=0.35, test_losses=[0.3, 0.4]),
    ]
    row = round_goal(same)
    assert row is not None
    assert row["test_anchor"] == "floor" and math.isclose(row["test_diff"], 0.1)
    (summary,) = goal_rows(same)
    assert summary["test_vs_best_anchor"].startswith("worse (+0.100")
