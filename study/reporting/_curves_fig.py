"""Learning-curve figures: one trial's panel, and small multiples of several trials."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from study.reporting._axes import log_axis
from study.reporting._curves_data import CurvePanel, log_scale
from study.reporting._palette import CATEGORY_COLORS, TRAIN_COLOR, VAL_COLOR

SEED_ALPHA = 0.18
BAND_ALPHA = 0.22


def draw_curves(panel: CurvePanel, ax: Axes, *, log_y: bool | None = None) -> Axes:
    """Draw train and validation loss of one trial on ``ax``.

    Each series is drawn as the mean over seeds with a band from the lowest to the highest
    seed, each seed faint beneath; dashed lines mark the best-validation epoch and the epoch
    the trial was pruned at. The y-axis is log when ``log_y`` (``None``: by
    :func:`~study.reporting._curves_data.log_scale` of this panel alone).
    """
    for series, color, label in (
        ("train", TRAIN_COLOR, "train"),
        ("val", VAL_COLOR, "validation"),
    ):
        for seed in getattr(panel, series):
            ax.plot(panel.epochs, seed, color=color, alpha=SEED_ALPHA, lw=0.7)
        mean, low, high = panel.spread(series)
        ax.fill_between(panel.epochs, low, high, color=color, alpha=BAND_ALPHA, lw=0)
        ax.plot(panel.epochs, mean, color=color, lw=1.6, label=label)
    if panel.best_epoch is not None:
        ax.axvline(panel.best_epoch, color="#2b2b2b", ls="--", lw=0.9, label="best validation")
    if panel.prune_epoch is not None:
        ax.axvline(
            panel.prune_epoch, color=CATEGORY_COLORS["overfit"], ls=":", lw=1.4, label="pruned"
        )
    if log_scale([panel]) if log_y is None else log_y:
        ax.set_yscale("log")
        log_axis(ax.yaxis, *_positive_range(panel))
    ax.set_xlim(0, panel.planned_epochs + 1)
    ax.set_title(panel.title, fontsize=10, color=CATEGORY_COLORS.get(panel.category, "#000000"))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return ax


def _positive_range(panel: CurvePanel) -> tuple[float, float]:
    values = np.concatenate([panel.train.ravel(), panel.val.ravel()])
    positive = values[np.isfinite(values) & (values > 0)]
    return (float(positive.min()), float(positive.max())) if positive.size else (1.0, 10.0)


LEGEND_ENTRY_INCHES = 1.5
"""Width a legend entry takes ("best validation" with its line), in inches."""


def curves_figure(
    panels: list[CurvePanel], *, ncols: int = 3, log_y: bool | None = None
) -> Figure:
    """Small multiples: one panel per trial, in the order given, with one shared legend.

    Every panel has the same y-scale: log when ``log_y`` (``None``: by
    :func:`~study.reporting._curves_data.log_scale` of all the panels).
    """
    log_y = log_scale(panels) if log_y is None else log_y
    ncols = max(1, min(ncols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    fig = Figure(figsize=(4.0 * ncols, 2.9 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        draw_curves(panel, ax, log_y=log_y)
    for ax in axes[len(panels) :]:
        ax.remove()
    _shared_legend(fig, axes[0])
    return fig


def trial_figure(panel: CurvePanel, *, log_y: bool | None = None) -> Figure:
    """One trial's learning curves as a figure of its own (``log_y`` as in :func:`draw_curves`)."""
    fig = Figure(figsize=(9.0, 3.8), layout="constrained")
    draw_curves(panel, fig.subplots(), log_y=log_y)
    _shared_legend(fig, fig.axes[0])
    return fig


def _shared_legend(fig: Figure, ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    extra = {"best validation", "pruned"}
    for other in fig.axes:  # some panels have a prune line where the first has none
        for h, label in zip(*other.get_legend_handles_labels(), strict=True):
            if label in extra and label not in labels:
                handles.append(h)
                labels.append(label)
    # As many entries a row as the figure's width holds, so a one-panel figure's legend wraps
    # onto a second row instead of running past the figure's edges.
    per_row = max(1, int(fig.get_figwidth() / LEGEND_ENTRY_INCHES))
    fig.legend(
        handles, labels, loc="outside upper center", ncols=min(len(labels), per_row), frameon=False
    )
