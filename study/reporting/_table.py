"""The trial table: one row per trial, each cell with its text and its sort key."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from study.evidence import Recommendation, value_text
from study.reporting._data import ParamInfo
from study.reporting._palette import NO_CATEGORY


@dataclasses.dataclass(frozen=True)
class Cell:
    """One table cell.

    Attributes:
        text: What the cell shows.
        sort: The key the column sorts by (a number as text for numeric columns).
        category: A fit category to colour the cell by, or ``""``.
    """

    text: str
    sort: str
    category: str = ""


@dataclasses.dataclass(frozen=True)
class Table:
    """Column headers, and rows of cells in the same order."""

    columns: list[str]
    rows: list[list[Cell]]


def fmt(value: object) -> str:
    """A short display of a number or text (``"—"`` for missing values)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _number(value: object) -> Cell:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if isinstance(value, bool) or not isinstance(value, int | float) or missing:
        return Cell(fmt(value), "" if missing else str(value))
    return Cell(fmt(value), repr(float(value)))


def trial_table(
    frame: pd.DataFrame,
    params: list[ParamInfo],
    objective: str,
    recommendation: Recommendation | None = None,
) -> Table:
    """The table of :func:`~study.reporting._data.trials_frame`'s rows.

    The objective shows its seeds' interval (``0.104 ± 0.012``); with a ``recommendation``,
    a column says which trial is recommended and which the seeds cannot tell apart from it.
    """
    names = [p.name for p in params]
    versus = [] if recommendation is None else ["vs recommended"]
    columns = ["trial", "state", *names, objective, *versus, "fit", "pruned at", "advice"]
    rows = []
    for row in frame.to_dict("records"):
        category = str(row["category"])
        fit = "" if category == NO_CATEGORY else f"{category} {row['agreement']}"
        pruned = row["pruned_epoch"]
        value = _number(row["value"])
        if value.sort:
            value = Cell(value_text(row["value"], row["value_half"]), value.sort)
        compared = [] if recommendation is None else [_versus(row["number"], recommendation)]
        rows.append(
            [
                _number(row["number"]),
                Cell(str(row["state"]), str(row["state"])),
                *[_number(row[n]) for n in names],
                value,
                *compared,
                Cell(fit or "—", fit, "" if category == NO_CATEGORY else category),
                _number(
                    pruned if isinstance(pruned, float) and math.isnan(pruned) else int(pruned)
                ),
                Cell(str(row["error"] or row["advice"]), str(row["error"] or row["advice"])),
            ]
        )
    return Table(columns, rows)


def _versus(number: int, recommendation: Recommendation) -> Cell:
    """``recommended``, ``as good`` (the seeds cannot tell it apart), or nothing."""
    if number == recommendation.recommended:
        return Cell("recommended", "0")
    if number in recommendation.overlapping:
        return Cell("as good", "1")
    return Cell("—", "2")
