"""The time-to-quality goal read round by round: ``study`` beside each round's best anchor.

A median of each arm's own times hides which arm set the target: an anchor that reached the
target in one round of three shows that round's time. Here every round is read on its own:

* **time**: the anchor with the lowest final validation loss sets the round's target; its
  time is when it reached that loss. ``study``'s time to the same loss, divided by it, is the
  round's ratio (the goal: at most 0.5). A round ``study`` never reached reads as infinite.
* **test**: ``study``'s pick beside the anchor pick with the lowest test loss, sample by sample
  on the same test split: the mean difference and its 95 % bootstrap interval over the test
  samples (``scipy.stats.bootstrap``), so that a difference the test split cannot measure
  reads as a tie rather than a loss.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from benchmarks.ttq_common import ANCHORS

RATIO_GOAL = 0.5


def paired_difference(
    ours: Sequence[float], theirs: Sequence[float]
) -> tuple[float, float, float]:
    """Mean of ``ours - theirs`` over paired samples and its 95 % bootstrap interval."""
    diff = np.asarray(ours, dtype=np.float64) - np.asarray(theirs, dtype=np.float64)
    if np.allclose(diff, diff[0]):
        return float(diff.mean()), float(diff.mean()), float(diff.mean())
    result = stats.bootstrap(
        (diff,), np.mean, confidence_level=0.95, n_resamples=4000, random_state=0
    )
    low, high = result.confidence_interval
    return float(diff.mean()), float(low), float(high)


def round_goal(same: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The goal read on one task's round (its records, one per arm), or ``None`` without
    ``study`` or an anchor that finished a configuration."""
    ours = next((r for r in same if r["arm"] == "study"), None)
    anchors = [r for r in same if r["arm"] in ANCHORS and r.get("best_val_loss") is not None]
    if ours is None or not anchors:
        return None
    leader = min(anchors, key=lambda r: (r["best_val_loss"], r["time_to_target_s"] or math.inf))
    ours_time = ours["time_to_target_s"]
    row: dict[str, Any] = {
        "task": ours["task"],
        "repeat": ours["repeat"],
        "leader": leader["arm"],
        "leader_time_s": leader["time_to_target_s"],
        "study_time_s": ours_time,
        "ratio": math.inf if ours_time is None else ours_time / leader["time_to_target_s"],
    }
    scored = [r for r in anchors if r.get("test_losses")]
    if ours.get("test_losses") and scored:
        best = min(scored, key=lambda r: r["test_loss"])
        mean, low, high = paired_difference(ours["test_losses"], best["test_losses"])
        row.update(test_anchor=best["arm"], test_diff=mean, test_low=low, test_high=high)
    return row


def goal_rounds(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`round_goal` of every task and round."""
    keys = dict.fromkeys((r["task"], r["repeat"]) for r in records)
    rows = [round_goal([r for r in records if (r["task"], r["repeat"]) == k]) for k in keys]
    return [row for row in rows if row is not None]


def goal_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One row per task: the median ratio, the rounds within the goal and the test verdicts."""
    rounds = goal_rounds(records)
    rows = []
    for task in dict.fromkeys(r["task"] for r in rounds):
        mine = [r for r in rounds if r["task"] == task]
        ratios = [r["ratio"] for r in mine]
        median = statistics.median(ratios)
        tests = [r for r in mine if "test_diff" in r]
        rows.append(
            {
                "task": task,
                "rounds": str(len(mine)),
                "median_ratio": "not reached" if math.isinf(median) else f"{median:.2f}",
                "rounds_within_goal": f"{sum(x <= RATIO_GOAL for x in ratios)} of {len(mine)}",
                "test_vs_best_anchor": ", ".join(_test_word(r) for r in tests) or "—",
            }
        )
    return rows


def _test_word(row: Mapping[str, Any]) -> str:
    """``better``, ``tie`` or ``worse`` with the difference and its interval."""
    word = "worse" if row["test_low"] > 0 else "better" if row["test_high"] < 0 else "tie"
    return (
        f"{word} ({row['test_diff']:+.3f} [{row['test_low']:+.3f}, {row['test_high']:+.3f}] "
        f"vs {row['test_anchor']})"
    )
