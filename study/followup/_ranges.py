"""The study's searched parameters as Optuna stores them, and positions within their ranges."""

from __future__ import annotations

import math

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from study.storage import StudyRecord

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


def describe(distribution: BaseDistribution) -> str:
    """The range in words, e.g. ``"2..256 log"``, ``"10..400 step 10"`` or ``"adam | sgd"``."""
    if isinstance(distribution, CategoricalDistribution):
        return " | ".join(str(c) for c in distribution.choices)
    if not isinstance(distribution, IntDistribution | FloatDistribution):
        return repr(distribution)
    text = f"{_num(distribution.low)}..{_num(distribution.high)}"
    if distribution.log:
        text += " log"
    step = distribution.step
    if step is not None and not (isinstance(distribution, IntDistribution) and step == 1):
        text += f" step {_num(step)}"
    return text


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


def _scaled(distribution: NumericDistribution, value: float) -> float:
    return math.log(max(value, 1e-300)) if distribution.log else float(value)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
