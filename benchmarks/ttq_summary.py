"""The time-to-quality benchmark's tables and figure, from its records.

One row per task and arm (medians over rounds) and the best-so-far figure; the goal, read
round by round, is :mod:`benchmarks.ttq_goal`'s.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from benchmarks.ttq_common import ARMS


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None and pd.notna(v)]
    return statistics.median(known) if known else None


def _median_time(values: Sequence[float | None]) -> float | None:
    """Median time over rounds, a round that never reached counting as infinitely long."""
    times = [math.inf if v is None or pd.isna(v) else float(v) for v in values]
    median = statistics.median(times) if times else math.inf
    return None if math.isinf(median) else median


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


def _reached(seconds: float | None) -> str:
    return "not reached" if seconds is None else f"{seconds:.3g} s"


def summary_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One row per task and arm: medians over repeats."""
    frame = pd.DataFrame(list(records))
    rows = []
    for (task, arm), group in frame.groupby(["task", "arm"], sort=False):
        reached = group["time_to_target_s"].tolist()
        rows.append(
            {
                "task": str(task),
                "arm": str(arm),
                "trials": _fmt(_median(group["trials"].tolist())),
                "best_val_loss": _fmt(_median(group["best_val_loss"].tolist())),
                "test_loss": _fmt(_median(group["test_loss"].tolist())),
                "time_to_target": _reached(_median_time(reached)),
            }
        )
    return rows


def plot(records: Sequence[Mapping[str, Any]], budget: float) -> Figure:
    """Best-so-far validation loss against wall time, one panel per task, one line per arm."""
    tasks = list(dict.fromkeys(r["task"] for r in records))
    figure, axes = plt.subplots(1, len(tasks), figsize=(5 * len(tasks), 3.6), squeeze=False)
    colours = {arm: f"C{index}" for index, arm in enumerate(ARMS)}
    for ax, task in zip(axes[0], tasks, strict=True):
        for record in (r for r in records if r["task"] == task and r["curve"]):
            times, values = zip(*record["curve"], strict=True)
            label = record["arm"] if record["repeat"] == 0 else None
            ax.step(
                [*times, max(budget, times[-1])],
                [*values, values[-1]],
                where="post",
                color=colours[record["arm"]],
                label=label,
            )
            # An arm whose only configuration ended after the budget is a single point.
            ax.plot(times, values, "o", color=colours[record["arm"]], markersize=4)
        ax.set(title=task, xlabel="wall time (s)", ylabel="best validation loss", yscale="log")
        ax.legend(fontsize="small")
    figure.tight_layout()
    return figure
