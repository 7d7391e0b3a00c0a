"""Shared figure helpers (grid of axes, category legend) and the importance figure.

Render only: every figure function takes prepared data and returns the figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from study.reporting._palette import CATEGORY_COLORS

TARGET_COLORS = {
    "objective": "#4c4c4c",
    "overfit": CATEGORY_COLORS["overfit"],
    "underfit": CATEGORY_COLORS["underfit"],
}


def new_figure(
    n: int, *, ncols: int = 2, width: float = 11.0, height: float = 2.6
) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` axes in a grid of ``ncols`` columns (unused cells removed)."""
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(width, height * nrows + 0.6), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel())
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n]


def category_legend(fig: Figure, categories: Iterable[str], extra: Iterable[Artist] = ()) -> None:
    """Add one legend of the category colours (and ``extra`` artists) above the axes."""
    handles: list[Artist] = [Patch(color=CATEGORY_COLORS[c], label=c) for c in categories]
    handles += list(extra)
    if handles:
        fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), frameon=False)


def importance_figure(importance: pd.DataFrame) -> Figure:
    """Horizontal bars of each parameter's importance per target (objective, overfit, ...)."""
    n = importance["param"].nunique()
    targets = importance["target"].nunique()
    fig = Figure(figsize=(8.0, 0.25 * n * targets + 1.3), layout="constrained")
    ax = fig.subplots()
    order = importance.groupby("param")["importance"].mean().sort_values(ascending=False).index
    sns.barplot(
        data=importance,
        y="param",
        x="importance",
        hue="target",
        order=list(order),
        palette=TARGET_COLORS,
        ax=ax,
        orient="h",
    )
    ax.set_ylabel("")
    ax.set_xlabel("importance (share of the random forest's impurity decrease)")
    # Above the bars, where it never hides one.
    sns.move_legend(
        ax, "lower center", bbox_to_anchor=(0.5, 1.0), ncols=targets, title=None, frameon=False
    )
    return fig
