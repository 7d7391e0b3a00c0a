"""The evidence of one trial: its seeds' objective values, their mean and interval."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from scipy import stats

from study.curves import SeedCurves
from study.objectives import Objective

Direction = Literal["minimize", "maximize"]

DEFAULT_LEVEL = 0.9
"""Confidence level of the two-sided interval: each end is a one-sided 95 % bound."""


@dataclasses.dataclass(frozen=True)
class TrialEvidence:
    """What a trial's seeds say about its objective.

    Attributes:
        number: The trial's number.
        values: The finite per-seed objective values, in seed order; shape ``(n,)``.
        diverged: Seeds whose value is not finite (NaN or infinite): counted, never averaged.
        mean: Mean of ``values`` (NaN when no seed is finite).
        std_error: Standard error of the mean, ``std(values, ddof=1) / sqrt(n)``; NaN with
            fewer than two finite seeds.
        low: Lower end of the t-based interval at ``level`` (NaN with fewer than two seeds).
        high: Upper end of the interval (NaN with fewer than two seeds).
        level: Confidence level of the two-sided interval, in (0, 1).
    """

    number: int
    values: tuple[float, ...]
    diverged: int
    mean: float
    std_error: float
    low: float
    high: float
    level: float = DEFAULT_LEVEL

    @property
    def n(self) -> int:
        """Number of finite seeds."""
        return len(self.values)

    @property
    def has_interval(self) -> bool:
        """Whether there are two or more finite seeds, so an interval."""
        return self.n >= 2

    @property
    def half_width(self) -> float:
        """Half the interval's width (NaN without an interval)."""
        return (self.high - self.low) / 2 if self.has_interval else math.nan

    def describe(self) -> str:
        """One phrase, e.g. ``mean 0.104 ± 0.03 over 3 seeds (1 diverged)``."""
        if self.n == 0:
            text = f"no finite seed of {self.diverged}"
        elif not self.has_interval:
            text = f"{self.mean:.3g} from 1 seed (no interval)"
        else:
            text = f"mean {self.mean:.3g} ± {self.half_width:.2g} over {self.n} seeds"
        return text + (f" ({self.diverged} diverged)" if self.diverged and self.n else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (NaN as ``None``); :meth:`from_dict` reads it back."""
        record = dataclasses.asdict(self)
        record["values"] = list(self.values)
        for name in ("mean", "std_error", "low", "high"):
            record[name] = None if math.isnan(record[name]) else record[name]
        return record

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialEvidence:
        """Decode what :meth:`to_dict` produced."""
        nan = float("nan")
        floats = {
            name: nan if data[name] is None else float(data[name])
            for name in ("mean", "std_error", "low", "high")
        }
        return cls(
            number=int(data["number"]),
            values=tuple(float(v) for v in data["values"]),
            diverged=int(data["diverged"]),
            level=float(data["level"]),
            **floats,
        )


def trial_evidence(
    values: Sequence[float], *, number: int = 0, level: float = DEFAULT_LEVEL
) -> TrialEvidence:
    """The evidence of one trial from its per-seed objective values.

    Args:
        values: One objective value per seed; non-finite values count as diverged.
        number: The trial's number.
        level: Confidence level of the two-sided t interval, in (0, 1).

    Raises:
        ValueError: ``level`` outside (0, 1).
    """
    if not 0 < level < 1:
        raise ValueError(f"`level` must be in (0, 1), but got level={level!r}.")
    array = np.asarray(values, dtype=np.float64)
    finite = array[np.isfinite(array)]
    n = len(finite)
    mean = float(finite.mean()) if n else math.nan
    se = float(finite.std(ddof=1) / math.sqrt(n)) if n >= 2 else math.nan
    half = float(stats.t.ppf(0.5 + level / 2, df=n - 1)) * se if n >= 2 else math.nan
    return TrialEvidence(
        number=number,
        values=tuple(float(v) for v in finite),
        diverged=int(len(array) - n),
        mean=mean,
        std_error=se,
        low=mean - half,
        high=mean + half,
        level=level,
    )


def seed_values(objective: Objective, curves: Sequence[SeedCurves]) -> tuple[float, ...]:
    """Each seed's objective quantity, in the order of ``curves``; NaN where there is none.

    ``final_val_loss``: the last validation loss; ``best_val_loss``: the lowest finite one;
    ``final_val_accuracy``: the last validation metric. A trial's Optuna value is the mean
    of the finite ones.
    """
    return tuple(_seed_value(objective, c) for c in curves)


def _seed_value(objective: Objective, curves: SeedCurves) -> float:
    if curves.epochs_trained == 0:
        return math.nan
    if objective == "best_val_loss":
        finite = curves.val_loss[np.isfinite(curves.val_loss)]
        return float(finite.min()) if len(finite) else math.nan
    if objective == "final_val_accuracy":
        return math.nan if curves.val_metric is None else float(curves.val_metric[-1])
    return float(curves.val_loss[-1])


def value_text(value: float | None, half_width: float = math.nan) -> str:
    """A trial's objective as every reader shows it: ``0.1042 ± 0.012``, or ``0.1042``.

    Args:
        value: The trial's stored objective (``None``: ``"-"``).
        half_width: Half the width of its seeds' interval (NaN: none, the value alone).
    """
    if value is None:
        return "-"
    if math.isnan(half_width):
        return f"{value:.4g}"
    return f"{value:.4g} ± {half_width:.2g}"
