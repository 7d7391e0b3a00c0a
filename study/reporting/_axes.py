"""Axes that read: compact numbers, bounded plain log ticks, integer ticks, few-valued levels.

Every figure of the report sets its parameter axes through :func:`param_axis`, so a log range
reads ``1e-3 3e-3 1e-2`` (never ``3×10⁻³4×10⁻³``), an integer parameter reads ``4 8 16``
(never ``4×10⁰``), and a parameter with few distinct values is drawn as categories.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, Locator, LogLocator, MaxNLocator, NullFormatter

FEW_VALUES = 5
"""A numeric parameter with at most this many distinct values is drawn as categories."""
LOG_MAX_TICKS = 7
"""At most about this many labelled ticks on a log axis."""


def compact(value: float, digits: int = 2) -> str:
    """``value`` to ``digits`` significant digits, plain where short (``390``, ``0.05``),
    else as mantissa and exponent without padding (``3e-3``, ``1.5e6``)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    rounded = float(f"{value:.{digits}g}")
    exponent = math.floor(math.log10(abs(rounded)))
    if -2 <= exponent < 5:
        return np.format_float_positional(rounded, trim="-")
    mantissa = np.format_float_positional(rounded / 10.0**exponent, precision=digits, trim="-")
    return f"{mantissa}e{exponent}"


def range_label(low: float, high: float) -> str:
    """A bin's label such as ``390–480`` or ``1e-3–3e-3`` (2 significant digits)."""
    return range_labels([low, high])[0]


def range_labels(edges: Iterable[float]) -> list[str]:
    """Labels of the bins between consecutive ``edges``, with the fewest digits that differ."""
    pairs = list(itertools.pairwise(float(e) for e in edges))
    names: list[str] = []
    for digits in range(2, 8):
        names = [f"{compact(a, digits)}–{compact(b, digits)}" for a, b in pairs]
        if len(set(names)) == len(names):
            return names
    return names


def is_few_valued(values: pd.Series, domain: int | None = None) -> bool:
    """Whether a numeric parameter is drawn as categories, one bar or column per value.

    It is when its range allows at most :data:`FEW_VALUES` values (``layers`` 1..2), or when
    the trials repeat at most that many values (a grid); a handful of trials that each drew
    their own value of a wide range stay on a numeric axis, where their spacing shows.

    Args:
        values: The parameter's value in each trial.
        domain: The number of values its range allows (``None``: a continuous range).
    """
    if domain is not None and domain <= FEW_VALUES:
        return True
    present = values.dropna()
    return present.nunique() <= FEW_VALUES and present.nunique() < len(present)


def levels(values: pd.Series) -> list[str]:
    """The distinct values as labels, in numeric order when numeric (``2`` before ``10``)."""
    distinct = values.dropna().unique()
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    if len(distinct) and numbers.notna().all() and not _all_bool(distinct):
        return [label(v) for v in sorted(distinct, key=float)]
    return sorted(label(v) for v in distinct)


def label(value: object) -> str:
    """The text of one parameter value: ``4`` not ``4.0``, ``0.001`` as ``1e-3``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e5:
        return str(int(number))
    return compact(number, 4)


def _all_bool(values: Iterable[object]) -> bool:
    return all(isinstance(v, bool | np.bool_) for v in values)


def log_axis(axis: Axis, low: float, high: float, *, integer: bool = False) -> None:
    """Plain, bounded ticks on a log ``axis`` showing ``low``..``high``.

    Integer ranges of at most 9 doublings get powers of two (``4 8 16 32``); other ranges get
    ``1 2 5`` per decade within one and a half decades, ``1 3`` within three, else only the
    powers of ten; a range within half a decade gets evenly spaced round numbers.
    """
    decades = math.log10(high / low) if low > 0 and high > low else 0.0
    digits = 2
    if integer and 1 <= decades / math.log10(2) <= 9:
        locator: Locator = LogLocator(base=2, subs=(1.0,), numticks=LOG_MAX_TICKS + 3)
    elif decades <= 0.5:  # too narrow for ticks per decade: round numbers, as on a linear axis
        locator, digits = MaxNLocator(nbins=5), 3
    else:
        subs = (1.0, 2.0, 5.0) if decades <= 1.5 else (1.0, 3.0) if decades <= 3 else (1.0,)
        locator = LogLocator(base=10, subs=subs, numticks=LOG_MAX_TICKS)
    axis.set_major_locator(locator)
    axis.set_major_formatter(
        FuncFormatter(lambda v, _: label(v) if integer else compact(v, digits))
    )
    axis.set_minor_formatter(NullFormatter())


def integer_axis(axis: Axis) -> None:
    """Integer ticks (``2 4 6``) on a linear ``axis``, even when its view holds one integer."""
    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def plain_axis(axis: Axis, *, log: bool) -> None:
    """An objective or loss ``axis``: bounded plain ticks on a log scale, else matplotlib's own."""
    if not log:
        return
    low, high = sorted(axis.get_view_interval())
    log_axis(axis, max(low, 1e-300), high)
