"""Learning-curve figures: one trial's panel, and small multiples of several trials."""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from study.report._curves_data import CurvePanel
from study.report._palette import CATEGORY_COLORS, TRAIN_COLOR, VAL_COLOR

SEED_ALPHA = 0.18
BAND_ALPHA = 0.22


def draw_curves(panel: CurvePanel, ax: Axes) -> Axes:
    """Draw train and validation loss of one trial on ``ax``.

    Each series is drawn as the mean over seeds with a band from the lowest to the highest
    seed, each seed faint beneath; dashed lines mark the best-validation epoch and the epoch
    the trial was pruned at.
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
    if panel.log_y:
        ax.set_yscale("log")
    ax.set_xlim(0, panel.planned_epochs + 1)
    ax.set_title(panel.title, fontsize=10, color=CATEGORY_COLORS.get(panel.category, "#000000"))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    return ax


def curves_figure(panels: list[CurvePanel], *, ncols: int = 3) -> Figure:
    """Small multiples: one panel per trial, in the order given, with one shared legend."""
    ncols = max(1, min(ncols, len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    fig = Figure(figsize=(4.0 * ncols, 2.9 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        draw_curves(panel, ax)
    for ax in axes[len(panels) :]:
        ax.remove()
    _shared_legend(fig, axes[0])
    return fig


def trial_figure(panel: CurvePanel) -> Figure:
    """One trial's learning curves as a figure of its own."""
    fig = Figure(figsize=(9.0, 3.8), layout="constrained")
    draw_curves(panel, fig.subplots())
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
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels), frameon=False)
