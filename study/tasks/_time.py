"""The time column of a CSV series: it orders the rows and is never a feature.

Rows out of order are refused rather than sorted: a file whose dates run backwards or jump
about is more often a mistake (a wrong column, a mixed-up export) than a wish, and sorting it
silently would train on an order the user never saw.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from study.errors import InputError


def drop_time_column(path: Path, frame: pd.DataFrame, time: str, target: str) -> pd.DataFrame:
    """Check that column ``time`` orders the rows strictly, and return ``frame`` without it.

    Numbers (a year, a step count) are taken as they are; any other column is parsed as dates.

    Raises:
        InputError: A missing column, the target named as time, values that are not dates,
            or rows out of order or repeated.
    """
    if time not in frame.columns:
        raise InputError(
            f"{path}: time column '{time}' not found; the columns are: "
            + ", ".join(map(str, frame.columns))
            + ". Set `time` in [task] to one of them."
        )
    if time == target:
        raise InputError(
            f"{path}: column '{time}' is both `time` and `target`; name the column that "
            "orders the rows as `time`."
        )
    moments = _parsed(path, frame[time])
    _check_order(path, time, moments)
    return frame.drop(columns=[time])


def _parsed(path: Path, column: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column):
        return column
    try:
        with warnings.catch_warnings():
            # pandas warns when it guesses a format per element; the order check follows.
            warnings.simplefilter("ignore", UserWarning)
            return pd.Series(pd.to_datetime(column, format="mixed"))
    except (ValueError, TypeError, OverflowError):
        raise InputError(
            f"{path}: time column '{column.name}' holds values that are neither numbers nor "
            "dates (e.g. 2024-01-31); fix the column or name another as `time`."
        ) from None


def _check_order(path: Path, time: str, moments: pd.Series) -> None:
    if moments.isna().any():
        row = int(moments.isna().to_numpy().argmax()) + 1
        raise InputError(
            f"{path}: time column '{time}' is empty in data row {row}; fill or drop that row."
        )
    values = moments.to_numpy()
    repeated = values[1:] == values[:-1]
    backwards = values[1:] < values[:-1]
    bad = repeated | backwards
    if bad.any():
        row = int(bad.argmax()) + 2
        what = "repeats" if repeated[row - 2] else "goes back in time"
        raise InputError(
            f"{path}: time column '{time}' {what} at data row {row} "
            f"({moments.iloc[row - 2]} then {moments.iloc[row - 1]}); the rows must be "
            "in time order, each time once: sort the file and drop repeated rows."
        )
