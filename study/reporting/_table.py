"""The trial table: one row per trial, each cell with its text and its sort key."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

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


def trial_table(frame: pd.DataFrame, params: list[ParamInfo], objective: str) -> Table:
    """The table of :func:`~study.reporting._data.trials_frame`'s rows."""
    names = [p.name for p in params]
    columns = ["trial", "state", *names, objective, "fit", "pruned at", "advice"]
    rows = []
    for row in frame.to_dict("records"):
        category = str(row["category"])
        fit = "" if category == NO_CATEGORY else f"{category} {row['agreement']}"
        pruned = row["pruned_epoch"]
        rows.append(
            [
                _number(row["number"]),
                Cell(str(row["state"]), str(row["state"])),
                *[_number(row[n]) for n in names],
                _number(row["value"]),
                Cell(fit or "—", fit, "" if category == NO_CATEGORY else category),
                _number(
                    pruned if isinstance(pruned, float) and math.isnan(pruned) else int(pruned)
                ),
                Cell(str(row["error"] or row["advice"]), str(row["error"] or row["advice"])),
            ]
        )
    return Table(columns, rows)
