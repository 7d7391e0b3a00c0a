"""Figures of the fit map: each parameter's values by fit, and binned pairs of parameters.

Every share is drawn with its count: a bar's label carries its number of trials, a cell its
``n``; cells backed by few trials are drawn faint, and a cell whose top categories tie is
drawn hatched in a neutral colour and labelled ``tie``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from study.reporting._axes import integer_axis, is_few_valued, label, levels, log_axis
from study.reporting._data import ParamInfo
from study.reporting._figures import category_legend, new_figure
from study.reporting._palette import CATEGORY_COLORS, present_categories

TIE_COLOR = "#bdbdbd"
"""The colour of a pair cell whose most common categories are equally common."""
FULL_SUPPORT = 5
"""A pair cell with at least this many trials is drawn at full strength; fewer, fainter."""
SHORT_LABEL = 7
"""A bin label of at most this many characters stays on one line under its column."""


def fit_map_figure(strip: pd.DataFrame, params: list[ParamInfo]) -> Figure:
    """Each parameter's values split by fit category, one panel per parameter.

    A numeric parameter with many values gets a strip plot over a box plot; a choice, or a
    numeric parameter with few distinct values, gets stacked bars of shares per value, each
    bar labelled with its number of trials.

    Args:
        strip: One row per drawn trial with ``category`` and a column per parameter.
        params: The parameters to draw, in order.
    """
    order = present_categories(strip["category"])
    fig, axes = new_figure(len(params), height=0.45 * len(order) + 1.2)
    for ax, p in zip(axes, params, strict=True):
        if p.numeric and not is_few_valued(strip[p.name], p.domain):
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
    values = data[p.name].dropna()
    integer = bool((values == values.round()).all())
    if p.log:
        log_axis(ax.xaxis, float(values.min()), float(values.max()), integer=integer)
    elif integer:
        integer_axis(ax.xaxis)
    ax.set_ylabel("")


def choice_shares(ax: Axes, frame: pd.DataFrame, name: str, order: list[str]) -> Axes:
    """Stacked bars: for each value of a parameter, the share of trials per category.

    Values are in numeric order when numeric; each bar's label ends with its number of
    trials (``False · n=1``).
    """
    labels = frame[name].map(label)
    rows = levels(frame[name])
    counts = pd.crosstab(labels, frame["category"]).reindex(
        index=rows, columns=order, fill_value=0
    )
    totals = counts.sum(axis=1)
    shares = counts.div(totals.where(totals > 0, 1), axis=0)
    positions = np.arange(len(rows))
    left = np.zeros(len(rows))
    for category in order:
        ax.barh(positions, shares[category], left=left, color=CATEGORY_COLORS[category])
        left += shares[category].to_numpy()
    ax.set_yticks(positions, [f"{r} · n={int(totals[r])}" for r in rows])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of trials")
    return ax


def pairs_figure(cells: list[tuple[pd.DataFrame, ParamInfo, ParamInfo]]) -> Figure:
    """Binned pairs of parameters, each cell coloured by its dominant category.

    The colour is lighter where the dominant category has a smaller share and fainter where
    the cell has fewer than :data:`FULL_SUPPORT` trials; each cell shows the share and the
    number of trials; ties are hatched and labelled ``tie``.
    """
    fig, axes = new_figure(len(cells), ncols=3, width=12.0, height=3.6)
    seen: set[str] = set()
    ties = False
    for ax, (frame, x, y) in zip(axes, cells, strict=True):
        dominant_heatmap(frame, ax)
        ax.set_xlabel(x.name)
        ax.set_ylabel(y.name)
        seen.update(frame.loc[~frame["tie"].astype(bool), "dominant"].astype(str))
        ties = ties or bool(frame["tie"].any())
    tie = [Patch(facecolor=TIE_COLOR, hatch="///", edgecolor="#777777", label="tie")]
    category_legend(fig, present_categories(seen), extra=tie if ties else [])
    return fig


def dominant_heatmap(cells: pd.DataFrame, ax: Axes) -> Axes:
    """Draw one pair's cells (columns ``x``, ``y``, ``n``, ``dominant``, ``share``, ``tie``)."""
    xs, ys = _levels(cells["x"]), _levels(cells["y"])
    most = max(int(cells["n"].max()), 1) if len(cells) else 1
    for row in cells.to_dict("records"):
        i, j = ys.index(str(row["y"])), xs.index(str(row["x"]))
        share, n, tie = float(row["share"]), int(row["n"]), bool(row["tie"])
        color = TIE_COLOR if tie else CATEGORY_COLORS[str(row["dominant"])]
        ax.add_patch(
            Rectangle(
                (j - 0.5, i - 0.5),
                1,
                1,
                facecolor=_cell_color(color, share, n, min(most, FULL_SUPPORT)),
                hatch="///" if tie else None,
                edgecolor="#999999" if tie else "white",
                lw=0.6,
            )
        )
        text = f"tie {share:.0%}" if tie else f"{share:.0%}"
        ax.text(j, i, f"{text}\nn={n}", ha="center", va="center", fontsize=7)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_ylim(-0.5, len(ys) - 0.5)
    # A long range on two lines ("1e-3–" over "3e-3") stays within its column, where a
    # slanted one would run into its neighbour's.
    names = [x.replace("–", "–\n") if len(x) > SHORT_LABEL else x for x in xs]
    ax.set_xticks(range(len(xs)), names, fontsize=8)
    ax.set_yticks(range(len(ys)), ys, fontsize=8)
    ax.grid(False)
    return ax


def _cell_color(color: str, share: float, n: int, full: int) -> tuple[float, float, float]:
    """Blend ``color`` with white: weaker for a small share or a small ``n``."""
    weight = (0.3 + 0.7 * share) * (0.25 + 0.75 * min(n / max(full, 1), 1.0))
    mixed = (1 - weight) + weight * np.array(to_rgb(color))
    return (float(mixed[0]), float(mixed[1]), float(mixed[2]))


def _levels(column: pd.Series) -> list[str]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = set(column.astype(str))
        return [str(c) for c in column.cat.categories if str(c) in used]
    return sorted(set(column.astype(str)))
