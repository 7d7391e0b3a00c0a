"""The study's searched parameters as Optuna stores them, positions within their ranges, and
the range tables a search-space file writes."""

from __future__ import annotations

import math
from typing import Any

from optuna.distributions import (
    BaseDistribution,
    FloatDistribution,
    IntDistribution,
)

from study.params import ParamDef, param_definition
from study.storage import StudyRecord
from study.storage.runs import describe_distribution

NumericDistribution = IntDistribution | FloatDistribution


def study_distributions(record: StudyRecord) -> dict[str, BaseDistribution]:
    """Each searched parameter's distribution, read from the stored trials.

    Optuna stores the distribution with every trial that sampled the parameter; a study keeps
    one search space (resuming requires the same one), so the latest trial's entry stands for
    the study. Parameters come in the order of ``record.searched``, then any others.

    Returns:
        ``{name: distribution}``; empty when no trial has sampled a parameter yet.
    """
    found: dict[str, BaseDistribution] = {}
    for trial in sorted(record.trials, key=lambda t: t.number):
        found.update(trial.distributions)
    order = [n for n in record.searched if n in found] + [
        n for n in found if n not in record.searched
    ]
    return {name: found[name] for name in order}


def is_numeric(distribution: BaseDistribution) -> bool:
    """Whether the distribution ranges over numbers (not choices)."""
    return isinstance(distribution, IntDistribution | FloatDistribution)


describe = describe_distribution
"""The range in words, e.g. ``"2..256 log"``, ``"10..400 step 10"`` or ``"adam | sgd"``."""


def to_unit(distribution: NumericDistribution, value: float) -> float:
    """Where ``value`` lies in the range: 0 at ``low``, 1 at ``high`` (log-scaled if log)."""
    low, high = _scaled(distribution, distribution.low), _scaled(distribution, distribution.high)
    if high == low:
        return 0.0
    return (_scaled(distribution, value) - low) / (high - low)


def from_unit(distribution: NumericDistribution, position: float) -> float:
    """The inverse of :func:`to_unit` (positions outside [0, 1] lie outside the range)."""
    low, high = _scaled(distribution, distribution.low), _scaled(distribution, distribution.high)
    scaled = low + position * (high - low)
    return math.exp(scaled) if distribution.log else scaled


def range_entry(name: str, dist: NumericDistribution, low: float, high: float) -> dict[str, Any]:
    """A ``[params]`` range table for ``dist``'s parameter, with readable bounds.

    Bounds on a step grid stay on the grid of the old range (so every old value with a step
    is still a valid value); other bounds are rounded to two significant digits.
    """
    step = None if dist.step in (None, 1) else dist.step
    grid = 1 if step is None and isinstance(dist.low, int) else step
    if grid is not None:
        lo = dist.low + grid * math.floor((low - dist.low) / grid)
        definition = _definition(name)
        floor = None if definition is None else definition.low
        if floor is not None and lo < floor:  # keep the grid, inside the valid values
            lo += grid * math.ceil((floor - lo) / grid - 1e-9)
        hi = lo + grid * max(0, math.ceil((high - lo) / grid - 1e-9))
        entry: dict[str, Any] = {"low": _tidy(lo), "high": _tidy(hi)}
    else:
        entry = {"low": _round(low), "high": _round(high)}
    if dist.log:
        entry["log"] = True
    if step is not None:
        entry["step"] = _tidy(step)
    return entry


def _tidy(value: float) -> float | int:
    """An integral value as ``int``, else the float rounded off its binary noise."""
    return round(value) if abs(value - round(value)) < 1e-9 else float(f"{value:.12g}")


def clip_to_valid(name: str, low: float, high: float) -> tuple[float, float]:
    """``(low, high)`` clipped to the parameter's valid values.

    A builder's own parameter (neither a model nor a data parameter) is returned as is: only
    the builder knows its valid values.
    """
    definition = _definition(name)
    if definition is None:
        return low, high
    if definition.low is not None:
        low, high = max(low, definition.low), max(high, definition.low)
    if definition.high is not None:
        top = definition.high if definition.high_inclusive else 0.9 * definition.high
        low, high = min(low, top), min(high, top)
    return low, high


def _round(value: float) -> float:
    return float(f"{value:.2g}") if value else 0.0


def _scaled(distribution: NumericDistribution, value: float) -> float:
    return math.log(max(value, 1e-300)) if distribution.log else float(value)


def _definition(name: str) -> ParamDef | None:
    """The definition of a model or data parameter; ``None`` for a builder's own."""
    try:
        return param_definition(name)
    except KeyError:
        return None
