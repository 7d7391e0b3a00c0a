"""Figures of the fit map, importance, objective and history (render only: data comes prepared)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from study.report._curves_data import needs_log
from study.report._data import ParamInfo
from study.report._palette import CATEGORY_COLORS, present_categories

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


def fit_map_figure(strip: pd.DataFrame, params: list[ParamInfo]) -> Figure:
    """Each parameter's values split by fit category: one strip plot per parameter.

    Args:
        strip: One row per drawn trial with ``category`` and a column per parameter.
        params: The parameters to draw, in order.
    """
    order = present_categories(strip["category"])
    fig, axes = new_figure(len(params), height=0.45 * len(order) + 1.2)
    for ax, p in zip(axes, params, strict=True):
        if p.numeric:
            _strip(ax, strip, p, order)
        else:
            choice_shares(ax, strip, p.name, order)
        ax.set_title(f"{p.name}  ({p.description})", fontsize=10)
    category_legend(fig, order)
    return fig


def _strip(ax: Axes, strip: pd.DataFrame, p: ParamInfo, order: list[str]) -> None:
    data = strip.assign(**{p.name: pd.to_numeric(strip[p.name], errors="coerce")})
    log = p.log or None
    with warnings.catch_warnings():  # seaborn 0.13 passes boxplot's deprecated `vert`
        warnings.filterwarnings("ignore", "vert: bool", DeprecationWarning)
        sns.boxplot(
            data=data,
            x=p.name,
            y="category",
            order=order,
            ax=ax,
            fill=False,
            color="#555555",
            showfliers=False,
            width=0.6,
            linewidth=0.8,
            log_scale=log,
        )
    sns.stripplot(
        data=data,
        x=p.name,
        y="category",
        hue="category",
        order=order,
        palette=CATEGORY_COLORS,
        ax=ax,
        size=3.5,
        alpha=0.6,
        jitter=0.25,
        legend=False,
        log_scale=log,
    )
    ax.set_ylabel("")


def choice_shares(ax: Axes, frame: pd.DataFrame, name: str, order: list[str]) -> Axes:
    """Stacked bars: for each value of a choice parameter, the share of trials per category."""
    shares = pd.crosstab(frame[name].astype(str), frame["category"], normalize="index")
    shares = shares.reindex(columns=order, fill_value=0.0)
    left = np.zeros(len(shares))
    for category in order:
        ax.barh(shares.index, shares[category], left=left, color=CATEGORY_COLORS[category])
        left += shares[category].to_numpy()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of trials")
    return ax


def pairs_figure(cells: list[tuple[pd.DataFrame, ParamInfo, ParamInfo]]) -> Figure:
    """Binned pairs of parameters, each cell coloured by its dominant category.

    The colour is lighter where the dominant category has a smaller share; each cell shows
    the share and the number of trials.
    """
    fig, axes = new_figure(len(cells), ncols=3, width=12.0, height=3.6)
    seen: set[str] = set()
    for ax, (frame, x, y) in zip(axes, cells, strict=True):
        dominant_heatmap(frame, ax)
        ax.set_xlabel(x.name)
        ax.set_ylabel(y.name)
        seen.update(frame["dominant"].astype(str))
    category_legend(fig, present_categories(seen))
    return fig


def dominant_heatmap(cells: pd.DataFrame, ax: Axes) -> Axes:
    """Draw one pair's cells (columns ``x``, ``y``, ``n``, ``dominant``, ``share``) on ``ax``."""
    xs, ys = _levels(cells["x"]), _levels(cells["y"])
    image = np.ones((len(ys), len(xs), 3))
    for row in cells.to_dict("records"):
        i, j = ys.index(str(row["y"])), xs.index(str(row["x"]))
        share, color = float(row["share"]), to_rgb(CATEGORY_COLORS[str(row["dominant"])])
        weight = 0.3 + 0.7 * share
        image[i, j] = (1 - weight) + weight * np.array(color)
        ax.text(j, i, f"{share:.0%}\nn={row['n']}", ha="center", va="center", fontsize=7)
    ax.imshow(image, origin="lower", aspect="auto")
    ax.set_xticks(range(len(xs)), xs, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(ys)), ys, fontsize=8)
    ax.grid(False)
    return ax


def _levels(column: pd.Series) -> list[str]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = set(column.astype(str))
        return [str(c) for c in column.cat.categories if str(c) in used]
    return sorted(set(column.astype(str)))


def importance_figure(importance: pd.DataFrame) -> Figure:
    """Horizontal bars of each parameter's importance per target (objective, overfit, ...)."""
    n = importance["param"].nunique()
    fig = Figure(
        figsize=(8.0, 0.45 * n * importance["target"].nunique() + 1.2), layout="constrained"
    )
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
    return fig


def objective_figure(done: pd.DataFrame, params: list[ParamInfo], objective: str) -> Figure:
    """The objective against each parameter, one point per trial, coloured by category."""
    order = present_categories(done["category"])
    fig, axes = new_figure(len(params), ncols=3, width=12.0, height=3.0)
    log_y = needs_log(done["value"].to_numpy(dtype=float))
    for ax, p in zip(axes, params, strict=True):
        data = done if p.numeric else done.assign(**{p.name: done[p.name].astype(str)})
        style = dict(
            data=data,
            x=p.name,
            y="value",
            hue="category",
            hue_order=order,
            palette=CATEGORY_COLORS,
            ax=ax,
            alpha=0.75,
            legend=False,
        )
        if p.numeric:
            sns.scatterplot(**style, s=18)
        else:
            sns.stripplot(**style, size=4, jitter=0.25)
        if p.log:
            ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        ax.set_ylabel(objective)
    category_legend(fig, order)
    return fig


def history_figure(history: pd.DataFrame, objective: str) -> Figure:
    """The objective of each finished trial by trial number, with the best so far."""
    fig = Figure(figsize=(11.0, 3.4), layout="constrained")
    ax = fig.subplots()
    order = present_categories(history["category"])
    sns.scatterplot(
        data=history,
        x="number",
        y="value",
        hue="category",
        hue_order=order,
        palette=CATEGORY_COLORS,
        ax=ax,
        s=18,
        alpha=0.75,
        legend=False,
    )
    (best,) = ax.step(
        history["number"],
        history["best"],
        where="post",
        color="#111111",
        lw=1.8,
        zorder=5,
        label="best so far",
    )
    if needs_log(history["value"].to_numpy(dtype=float)):
        ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel(objective)
    category_legend(fig, order, extra=[best])
    return fig
