"""What a `study` curve file carries besides the curves: the inputs of its trial's verdict.

An export (``python -m study export``, :func:`study.load`'s curves) carries, in constant
columns (:data:`CONTEXT_COLUMNS`), each seed's validation size and the trial's baseline loss,
the loss the study's other trials reached and the diagnosis settings that differ from the
defaults, so that diagnosing the file gives the verdict the study shows.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from study.errors import InputError

__all__ = ["CONTEXT_COLUMNS", "CurveContext", "context_by_row", "read_context", "val_samples_of"]

CONTEXT_COLUMNS = ("val_samples", "baseline_loss", "reached_loss", "diagnosis_settings")
"""Columns that carry a trial's verdict inputs besides its curves (constant per seed/trial)."""


@dataclasses.dataclass(frozen=True)
class CurveContext:
    """The inputs of a trial's verdict that a curve file carries besides the curves.

    Attributes:
        baseline_loss: Validation loss of the task's trivial predictor, if recorded.
        reached_loss: The lowest validation loss the study's other trials reached, if recorded.
        settings: Diagnosis settings that differ from the defaults (empty: the defaults).
    """

    baseline_loss: float | None = None
    reached_loss: float | None = None
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def read_context(table: Mapping[str, Any], source: str) -> CurveContext:
    """The trial-level context of columns read from ``source`` (empty when there is none).

    Raises:
        InputError: A context column holds a value of the wrong kind.
    """
    return CurveContext(
        baseline_loss=_context_loss(table, "baseline_loss", source),
        reached_loss=_context_loss(table, "reached_loss", source),
        settings=_context_settings(table, source),
    )


def _first(table: Mapping[str, Any], column: str) -> Any:
    """The first value of a constant column that is not empty; ``None`` when there is none."""
    for value in table.get(column, ()):
        missing = isinstance(value, float) and math.isnan(value)
        blank = isinstance(value, str) and not value.strip()
        if value is not None and not missing and not blank:
            return value
    return None


def val_samples_of(table: Mapping[str, Any], source: str) -> int | None:
    value = _first(table, "val_samples")
    if value is None:
        return None
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if not (np.isfinite(number) and number >= 1 and number == round(number)):
        raise InputError(
            f"`{source}`: the `val_samples` column must hold a whole number >= 1 (the "
            f"validation set's size), but holds {value!r}; fix it or drop the column."
        )
    return int(number)


def _context_loss(table: Mapping[str, Any], column: str, source: str) -> float | None:
    value = _first(table, column)
    if value is None:
        return None
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if not (np.isfinite(number) and number > 0):
        raise InputError(
            f"`{source}`: the `{column}` column must hold a positive number, but holds "
            f"{value!r}; fix it or drop the column."
        )
    return float(number)


def _context_settings(table: Mapping[str, Any], source: str) -> dict[str, Any]:
    value = _first(table, "diagnosis_settings")
    if value is None:
        return {}
    try:
        settings = json.loads(str(value))
    except json.JSONDecodeError:
        settings = None
    if not isinstance(settings, dict):
        raise InputError(
            f"`{source}`: the `diagnosis_settings` column must hold a JSON object of "
            f"diagnosis settings, but holds {str(value)[:60]!r}; fix it or drop the column."
        )
    return settings


def context_by_row(
    frame: pd.DataFrame, wide: pd.DataFrame, keys: list[str]
) -> dict[str, np.ndarray]:
    """The long layout's context columns, one value per row of the pivoted table."""
    out: dict[str, np.ndarray] = {}
    for column in (c for c in CONTEXT_COLUMNS if c in frame):
        if column == "val_samples" and "seed" in keys:
            per_seed = frame.groupby("seed")[column].first()
            out[column] = wide["seed"].map(per_seed).to_numpy()
        else:
            value = _first({column: frame[column].to_numpy()}, column)
            out[column] = np.full(len(wide), value, dtype=object)
    return out
