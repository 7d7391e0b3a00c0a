"""The user's own data: a CSV file with a target column, tabular or windowed as a series."""

from __future__ import annotations

import collections
import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from study.errors import InputError
from study.tasks._base import TaskData
from study.tasks._prepare import classification_data, regression_data, windows
from study.tasks._spec import MAX_LOOKBACK, OptionDef

CSV_OPTIONS: dict[str, OptionDef] = {
    "csv": OptionDef(str, "", help="path of the CSV file, relative to the search-space file"),
    "target": OptionDef(str, "", help="name of the column to predict"),
    "lookback": OptionDef(int, 0, low=0, high=MAX_LOOKBACK,
                          help="0: rows are samples; N: windows of N rows"),
    "kind": OptionDef(str, "auto", choices=("auto", "regression", "classification"),
                      help="auto, regression or classification"),
    "validation": OptionDef(float, 0.2, low=0.05, high=0.95,
                            help="fraction held out for validation"),
}
# Integer targets with at most this many distinct values are taken as class labels.
_MAX_AUTO_CLASSES = 20
_MIN_SAMPLES = 2
# Squares of values beyond this overflow float64 when the columns are standardised.
_MAX_ABS_VALUE = 1e150


def load_csv_task(options: Mapping[str, Any], base_dir: Path) -> TaskData:
    """Load and check the CSV named by ``options``; see ``CSV_OPTIONS``.

    Raises:
        InputError: A missing or unreadable file, a missing target, non-numeric feature
            columns, missing values, too few rows for the window, or a single class.
    """
    path = _resolve(options, base_dir)
    frame = _read(path)
    target = str(options["target"])
    if target not in frame.columns:
        raise InputError(
            f"{path}: target column '{target}' not found; the columns are: "
            + ", ".join(map(str, frame.columns))
            + ". Set `target` in [task] to one of them."
        )
    _check_values(path, frame, target)
    kind = _kind(path, frame[target], str(options["kind"]))
    lookback = int(options["lookback"])
    if lookback > 0:
        return _series(path, frame, target, kind, lookback, float(options["validation"]))
    return _tabular(path, frame, target, kind, float(options["validation"]))


def _resolve(options: Mapping[str, Any], base_dir: Path) -> Path:
    if not options["csv"] or not options["target"]:
        raise InputError(
            "a CSV task needs both `csv` (the file) and `target` (the column to predict), "
            'e.g. task = {csv = "data.csv", target = "y"}.'
        )
    path = Path(str(options["csv"]))
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise InputError(f"{path}: CSV file not found; check `csv` in [task].")
    return path


def _read(path: Path) -> pd.DataFrame:
    try:
        _check_header(path)
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the CSV file is empty; it needs a header and rows.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{path}: not a readable CSV file ({first}).") from None
    if frame.empty:
        raise InputError(f"{path}: the CSV file has a header but no rows.")
    return frame


def _check_header(path: Path) -> None:
    """Refuse repeated column names: pandas would rename a second ``y`` to ``y.1``, silently
    turning a copy of the target into a feature."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        try:
            header = next(csv.reader(f), [])
        except csv.Error:  # The csv module's field limit: pandas would read it, slowly.
            raise InputError(
                f"{path}: the header holds a column name longer than "
                f"{csv.field_size_limit():,} characters; shorten the column names."
            ) from None
    counts = collections.Counter(header)
    repeated = [name for name, n in counts.items() if n > 1]
    if repeated:
        raise InputError(
            f"{path}: column name {repeated[0]!r} appears {counts[repeated[0]]} times in the "
            "header; give every column its own name."
        )


def _check_values(path: Path, frame: pd.DataFrame, target: str) -> None:
    features = frame.drop(columns=[target])
    bad = [str(c) for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if bad:
        raise InputError(
            f"{path}: non-numeric feature column(s) {', '.join(bad)}; "
            "encode them as numbers or drop them."
        )
    missing = frame.isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        column, count = str(missing.index[0]), int(missing.iloc[0])
        raise InputError(
            f"{path}: column '{column}' has {count} missing value(s); "
            "fill or drop those rows."
        )
    if len(features.columns) == 0:
        raise InputError(f"{path}: no feature columns besides the target '{target}'.")
    _check_finite(path, frame.select_dtypes("number"))


def _check_finite(path: Path, numbers: pd.DataFrame) -> None:
    """Refuse infinite values, and values so large that standardising them overflows."""
    values = numbers.to_numpy(dtype=np.float64)
    for j, column in enumerate(map(str, numbers.columns)):
        infinite = ~np.isfinite(values[:, j])
        if infinite.any():
            raise InputError(
                f"{path}: column '{column}' has {int(infinite.sum())} infinite value(s) "
                f"(first in data row {int(np.argmax(infinite)) + 1}); replace or drop those rows."
            )
        largest = float(np.max(np.abs(values[:, j]), initial=0.0))
        if largest > _MAX_ABS_VALUE:
            raise InputError(
                f"{path}: column '{column}' holds values as large as {largest:.3g}, beyond "
                f"{_MAX_ABS_VALUE:g}, where standardising overflows; rescale the column."
            )


def _kind(path: Path, y: pd.Series, kind: str) -> str:
    numeric = pd.api.types.is_numeric_dtype(y)
    if kind == "regression" and not numeric:
        raise InputError(
            f"{path}: target '{y.name}' is not numeric, so it cannot be a regression "
            "target; set kind = \"classification\" in [task]."
        )
    if kind != "auto":
        return kind
    integral = numeric and bool(np.all(np.mod(y.to_numpy(dtype=float), 1) == 0))
    if not numeric or (integral and y.nunique() <= _MAX_AUTO_CLASSES):
        return "classification"
    return "regression"


def _tabular(path: Path, frame: pd.DataFrame, target: str, kind: str, val: float) -> TaskData:
    x = frame.drop(columns=[target]).to_numpy(dtype=np.float64)
    y = frame[target].to_numpy()
    n_val = round(len(x) * val)
    if len(x) - n_val < _MIN_SAMPLES or n_val < 1:
        raise InputError(
            f"{path}: {len(x)} rows are too few to hold out {val:.0%} for validation; "
            "add rows or change `validation`."
        )
    label = f"csv:{path.name}"
    what = f"{path.name}: {len(x)} rows, {x.shape[1]} features, target '{target}'"
    if kind == "classification":
        counts = pd.Series(y).value_counts()
        strat = y if counts.min() >= 2 and len(counts) <= n_val else None
        x_tr, x_va, y_tr, y_va = train_test_split(
            x, y, test_size=n_val, random_state=0, stratify=strat
        )
        return classification_data(label, x_tr, y_tr, x_va, y_va, scale=True, description=what)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y.astype(float), test_size=n_val, random_state=0)
    return regression_data(
        label, x_tr, y_tr, x_va, y_va, loss="mse", scale=True, shuffle=True, description=what
    )


def _series(
    path: Path, frame: pd.DataFrame, target: str, kind: str, lookback: int, val: float
) -> TaskData:
    n_windows = len(frame) - lookback
    n_val = round(n_windows * val)
    if n_windows - n_val < _MIN_SAMPLES or n_val < 1:
        raise InputError(
            f"{path}: {len(frame)} rows are too few for windows of lookback={lookback} "
            f"with {val:.0%} held out; need at least {lookback + 2 * _MIN_SAMPLES + 1} rows "
            "or a smaller `lookback`."
        )
    numeric = frame.select_dtypes("number")
    x, y = windows(numeric.to_numpy(dtype=np.float64), frame[target].to_numpy(), lookback)
    label = f"csv:{path.name}"
    what = (
        f"{path.name}: series of {len(frame)} rows, windows of {lookback}, "
        f"last {n_val} windows validate, target '{target}'"
    )
    split = n_windows - n_val
    if kind == "classification":
        return classification_data(
            label, x[:split], y[:split], x[split:], y[split:], scale=True, description=what
        )
    return regression_data(
        label, x[:split], y[:split].astype(float), x[split:], y[split:].astype(float),
        loss="mse", scale=True, shuffle=True, description=what,
    )
