"""Figures of the objective: against each parameter, and by trial number.

Completed and pruned trials are both drawn, coloured by fit; a pruned trial is a cross at
its stored value (the objective where it stopped), so trials the pruner stopped stay visible
next to the ones that finished.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from study.reporting._axes import integer_axis, is_few_valued, label, levels, log_axis
from study.reporting._curves_data import needs_log
from study.reporting._data import ParamInfo
from study.reporting._figures import category_legend, new_figure
from study.reporting._palette import CATEGORY_COLORS, present_categories

PRUNED_MARKER = "X"
"""The marker of a pruned trial (a completed one is a dot)."""
JITTER = 0.25
"""Half-width of the spread of points at one categorical value."""


def pruned_handle() -> Artist:
    """The legend entry of the pruned marker."""
    return Line2D(
        [],
        [],
        ls="",
        marker=PRUNED_MARKER,
        color="#777777",
        markeredgecolor="#222222",
        markersize=7,
        label="pruned (value at the stop)",
    )


def scatter_trials(ax: Axes, x: np.ndarray, rows: pd.DataFrame) -> None:
    """Dots for completed trials and crosses for pruned ones at (``x``, ``rows["value"]``)."""
    pruned = rows["pruned"].to_numpy(dtype=bool)
    colors = [CATEGORY_COLORS.get(str(c), "#000000") for c in rows["category"]]
    y = rows["value"].to_numpy(dtype=float)
    styles = ((~pruned, "o", 18, "none"), (pruned, PRUNED_MARKER, 46, "#222222"))
    for mask, marker, size, edge in styles:
        if mask.any():
            ax.scatter(
                x[mask],
                y[mask],
                c=[colors[i] for i in np.flatnonzero(mask)],
                marker=marker,
                s=size,
                alpha=0.8,
                edgecolors=edge,
                linewidths=0.6,
                zorder=3,
            )


def objective_figure(done: pd.DataFrame, params: list[ParamInfo], objective: str) -> Figure:
    """The objective against each parameter, one point per trial, coloured by category.

    Args:
        done: One row per trial with a finite objective: ``value``, ``category``, ``pruned``
            and a column per parameter.
        params: The parameters to draw, in order.
        objective: The objective's name (the y label).
    """
    order = present_categories(done["category"])
    fig, axes = new_figure(len(params), ncols=3, width=12.0, height=3.0)
    log_y = needs_log(done["value"].to_numpy(dtype=float))
    for ax, p in zip(axes, params, strict=True):
        if p.numeric and not is_few_valued(done[p.name], p.domain):
            _numeric_x(ax, done, p)
        else:
            _categorical_x(ax, done, p)
        if log_y:
            ax.set_yscale("log")
            log_axis(ax.yaxis, *_positive_range(done["value"]))
        ax.set_xlabel(p.name)
        ax.set_ylabel(objective)
    pruned = [pruned_handle()] if done["pruned"].any() else []
    category_legend(fig, order, extra=pruned)
    return fig


def _numeric_x(ax: Axes, done: pd.DataFrame, p: ParamInfo) -> None:
    values = pd.to_numeric(done[p.name], errors="coerce")
    shown = done[values.notna()]
    x = values[values.notna()].to_numpy(dtype=float)
    scatter_trials(ax, x, shown)
    integer = bool(np.all(x == np.round(x)))
    if p.log:
        ax.set_xscale("log")
        log_axis(ax.xaxis, float(x.min()), float(x.max()), integer=integer)
    elif integer:
        integer_axis(ax.xaxis)


def _categorical_x(ax: Axes, done: pd.DataFrame, p: ParamInfo) -> None:
    shown = done[done[p.name].notna()]
    names = levels(shown[p.name])
    position = {n: i for i, n in enumerate(names)}
    rng = np.random.default_rng(0)
    x = np.array([position[label(v)] for v in shown[p.name]], dtype=float)
    scatter_trials(ax, x + rng.uniform(-JITTER, JITTER, len(x)), shown)
    ax.set_xticks(range(len(names)), names)
    ax.set_xlim(-0.5, len(names) - 0.5)


def _positive_range(values: pd.Series) -> tuple[float, float]:
    positive = values[values > 0]
    return float(positive.min()), float(positive.max())


def history_figure(history: pd.DataFrame, objective: str) -> Figure:
    """The objective of each trial by trial number, with the best completed so far.

    Args:
        history: Columns ``number``, ``value``, ``category``, ``pruned`` and ``best``.
        objective: The objective's name (the y label).
    """
    fig = Figure(figsize=(11.0, 3.4), layout="constrained")
    ax = fig.subplots()
    scatter_trials(ax, history["number"].to_numpy(dtype=float), history)
    (best,) = ax.step(
        history["number"],
        history["best"],
        where="post",
        color="#111111",
        lw=1.8,
        zorder=2,  # under the trials' markers, so a trial on the line stays visible
        label="best completed so far",
    )
    _history_axes(ax, history)
    ax.set_xlabel("trial")
    ax.set_ylabel(objective)
    extra: list[Artist] = [best]
    if history["pruned"].any():
        extra.append(pruned_handle())
    category_legend(fig, present_categories(history["category"]), extra=extra)
    return fig


def _history_axes(ax: Axes, history: pd.DataFrame) -> None:
    """Whole trial numbers on x; a log y for values over decades; room around a lone value."""
    integer_axis(ax.xaxis)
    ax.set_xlim(-0.5, float(history["number"].max()) + 0.5)
    values = history["value"].to_numpy(dtype=float)
    if needs_log(values):
        ax.set_yscale("log")
        log_axis(ax.yaxis, *_positive_range(history["value"]))
    elif np.nanmin(values) == np.nanmax(values):
        middle = float(values[0])
        half = abs(middle) * 0.1 or 1.0
        ax.set_ylim(middle - half, middle + half)
