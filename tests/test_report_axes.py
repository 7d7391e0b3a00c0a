"""Axes that read: compact numbers, bounded plain log ticks, integer ticks, few-valued levels."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from study.reporting._axes import (
    LOG_MAX_TICKS,
    compact,
    integer_axis,
    is_few_valued,
    label,
    levels,
    log_axis,
    range_labels,
)


def drawn_labels(low: float, high: float, *, integer: bool = False) -> list[str]:
    """The x tick labels a log axis from ``low`` to ``high`` shows once drawn."""
    fig = Figure(figsize=(5, 2))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    log_axis(ax.xaxis, low, high, integer=integer)
    fig.canvas.draw()
    locs = ax.xaxis.get_majorticklocs()
    ticks = ax.xaxis.get_major_ticks(len(locs))
    return [t.label1.get_text() for loc, t in zip(locs, ticks, strict=True) if low <= loc <= high]


@pytest.mark.parametrize(
    ("value", "text"),
    [(390.0, "390"), (0.05, "0.05"), (0.003, "3e-3"), (0.0039, "3.9e-3"), (1.5e6, "1.5e6")],
)
def test_compact_is_plain_where_short_else_a_short_exponent(value: float, text: str) -> None:
    assert compact(value) == text


def test_range_labels_are_compact() -> None:
    assert range_labels([390, 480, 570]) == ["390–480", "480–570"]
    assert range_labels([1e-3, 3e-3]) == ["1e-3–3e-3"]


def test_range_labels_add_digits_until_bins_differ() -> None:
    labels = range_labels([1.0, 1.001, 1.002])
    assert len(set(labels)) == 2


def test_label_writes_integers_without_a_decimal_point() -> None:
    assert label(4.0) == "4"
    assert label(True) == "True"
    assert label(0.001) == "1e-3"


def test_levels_are_in_numeric_order() -> None:
    assert levels(pd.Series([10, 2, 2, 1])) == ["1", "2", "10"]
    assert levels(pd.Series(["sgd", "adam"])) == ["adam", "sgd"]


def test_few_valued_parameters_are_detected() -> None:
    assert is_few_valued(pd.Series([1, 2, 1, 2]))
    assert not is_few_valued(pd.Series(range(6)))


def test_log_axis_over_two_decades_reads_one_and_three_per_decade() -> None:
    assert drawn_labels(1e-4, 3e-2) == ["1e-4", "3e-4", "1e-3", "3e-3", "0.01", "0.03"]


def test_log_axis_over_many_decades_is_bounded() -> None:
    labels = drawn_labels(1e-9, 1e2)
    assert 2 <= len(labels) <= LOG_MAX_TICKS
    assert all("×" not in t and "^" not in t for t in labels)


def test_log_axis_of_integers_uses_powers_of_two() -> None:
    assert drawn_labels(2, 256, integer=True) == ["2", "4", "8", "16", "32", "64", "128", "256"]


def test_narrow_log_axis_still_gets_several_ticks() -> None:
    assert len(drawn_labels(0.85, 1.2)) >= 3


def test_integer_axis_has_whole_ticks_only() -> None:
    ax = Figure().subplots()
    ax.set_xlim(1.0, 2.0)
    integer_axis(ax.xaxis)
    locs = [x for x in ax.xaxis.get_majorticklocs() if 1.0 <= x <= 2.0]
    assert locs == [1.0, 2.0]
