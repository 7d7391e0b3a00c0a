"""The user's own data: a CSV file with a target column, tabular or windowed as a series."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import train_test_split

from study.errors import InputError
from study.files import check_unique_names, read_capped
from study.tasks._base import TaskData
from study.tasks._prepare import classification_data, regression_data
from study.tasks._series import load_series
from study.tasks._source import TaskSource
from study.tasks._spec import MAX_LOOKBACK, OptionDef
from study.tasks._time import drop_time_column

Array = npt.NDArray[np.float64]

CSV_OPTIONS: dict[str, OptionDef] = {
    "csv": OptionDef(str, "", help="path of the CSV file, relative to the search-space file"),
    "target": OptionDef(str, "", help="name of the column to predict"),
    "lookback": OptionDef(
        int, 0, low=0, high=MAX_LOOKBACK, help="0: rows are samples; N: windows of N rows"
    ),
    "kind": OptionDef(
        str,
        "auto",
        choices=("auto", "regression", "classification"),
        help="auto, regression or classification",
    ),
    "validation": OptionDef(
        float, 0.2, low=0.05, high=0.95, help="fraction held out for validation"
    ),
    "test": OptionDef(
        float,
        0.0,
        low=0.0,
        high=0.5,
        help="fraction held out before anything else, scored once at the end",
    ),
    "time": OptionDef(str, "", help="column that orders a series' rows; never a feature"),
    "horizon": OptionDef(
        int,
        1,
        low=1,
        high=MAX_LOOKBACK,
        help="rows ahead a series' window predicts: 1 is the next row",
    ),
}
MAX_CSV_BYTES = 1 << 30
"""Largest CSV file of a task read (1 GiB): beyond it, the data alone would crowd out training."""
# Integer targets with at most this many distinct values are taken as class labels.
_MAX_AUTO_CLASSES = 20
_MIN_SAMPLES = 2
# Squares of values beyond this overflow float64 when the columns are standardised.
_MAX_ABS_VALUE = 1e150


def load_csv_task(options: Mapping[str, Any], base_dir: Path) -> TaskData:
    """Load and check the CSV named by ``options``; see :func:`load_csv_source`."""
    return load_csv_source(options, base_dir).data()


def load_csv_source(options: Mapping[str, Any], base_dir: Path) -> TaskSource:
    """Load and check the CSV named by ``options`` once, with its test split if asked.

    With ``lookback`` 0 the rows are samples; ``test`` then holds out rows at random (with a
    fixed seed; stratified for classification) before the validation split. With ``lookback``
    >= 1 the rows are a series in time order (see :mod:`study.tasks._series`): the target's
    past is an input beside the other numeric columns, so a single column is enough.

    Raises:
        InputError: A missing or unreadable file, a missing target, non-numeric feature
            columns, missing values, rows out of time order, too few rows for the windows or
            the splits, or a single class.
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
    lookback = int(options["lookback"])
    _check_series_options(options, lookback)
    if options["time"]:
        frame = drop_time_column(path, frame, str(options["time"]), target)
    _check_values(path, frame, target, needs_features=lookback == 0)
    kind = _kind(path, frame[target], str(options["kind"]))
    val, test = float(options["validation"]), float(options["test"])
    if lookback == 0:
        return _tabular(path, frame, target, kind, val, test)
    series = load_series(
        path, frame, target, kind, validation=val, test=test, horizon=int(options["horizon"])
    )
    series.check_lookback(path, lookback)
    return TaskSource(*series.windows(lookback), series=series, path=path)


def _check_series_options(options: Mapping[str, Any], lookback: int) -> None:
    if lookback > 0:
        return
    for name, default in (("time", ""), ("horizon", 1)):
        if options[name] != default:
            raise InputError(
                f"task option `{name}` of task 'csv' applies to a series, but lookback=0 "
                "makes the rows independent samples; set `lookback` >= 1 in [task]."
            )


def _resolve(options: Mapping[str, Any], base_dir: Path) -> Path:
    if not options["csv"] or not options["target"]:
        raise InputError(
            "a CSV task needs both `csv` (the file) and `target` (the column to predict), "
            'e.g. task = {csv = "data.csv", target = "y"}.'
        )
    path = Path(str(options["csv"]))
    path = path if path.is_absolute() else base_dir / path
    if not path.exists() or path.is_dir():
        raise InputError(f"{path}: CSV file not found; check `csv` in [task].")
    return path


def _read(path: Path) -> pd.DataFrame:
    try:
        data = read_capped(
            path,
            cap=MAX_CSV_BYTES,
            what="CSV file of the task",
            fix="sample or aggregate the rows into a smaller file.",
        )
    except OSError as e:
        raise InputError(f"{path}: cannot read the CSV file ({e}).") from None
    try:
        _check_header(path, data)
        frame = pd.read_csv(io.BytesIO(data))
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the CSV file is empty; it needs a header and rows.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{path}: not a readable CSV file ({first}).") from None
    if frame.empty:
        raise InputError(f"{path}: the CSV file has a header but no rows.")
    return frame


def _check_header(path: Path, data: bytes) -> None:
    """Refuse repeated column names: pandas would rename a second ``y`` to ``y.1``, silently
    turning a copy of the target into a feature."""
    with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="") as f:
        try:
            header = next(csv.reader(f), [])
        except csv.Error:  # The csv module's field limit: pandas would read it, slowly.
            raise InputError(
                f"{path}: the header holds a column name longer than "
                f"{csv.field_size_limit():,} characters; shorten the column names."
            ) from None
    check_unique_names(header, str(path))


def _check_values(path: Path, frame: pd.DataFrame, target: str, *, needs_features: bool) -> None:
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
            f"{path}: column '{column}' has {count} missing value(s); fill or drop those rows."
        )
    if needs_features and len(features.columns) == 0:
        raise InputError(
            f"{path}: no feature columns besides the target '{target}'; add some, or set "
            "`lookback` >= 1 to predict the series from its own past."
        )
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
            'target; set kind = "classification" in [task].'
        )
    if kind != "auto":
        return kind
    integral = numeric and bool(np.all(np.mod(y.to_numpy(dtype=float), 1) == 0))
    if not numeric or (integral and y.nunique() <= _MAX_AUTO_CLASSES):
        return "classification"
    return "regression"


def _tabular(
    path: Path, frame: pd.DataFrame, target: str, kind: str, val: float, test: float
) -> TaskSource:
    x = frame.drop(columns=[target]).to_numpy(dtype=np.float64)
    y = frame[target].to_numpy()
    classes = kind == "classification"
    y = y if classes else y.astype(float)
    n_test = round(len(x) * test)
    n_val = round((len(x) - n_test) * val)
    if len(x) - n_test - n_val < _MIN_SAMPLES or n_val < 1 or (test > 0 and n_test < 1):
        held = f"{val:.0%} for validation" + (f" and {test:.0%} for test" if test else "")
        raise InputError(
            f"{path}: {len(x)} rows are too few to hold out {held}; "
            "add rows or change `validation` or `test`."
        )
    label = f"csv:{path.name}"
    what = f"{len(x)} rows, {x.shape[1]} features, target '{target}'"  # the name holds the file's
    x_tr, y_tr, x_te, y_te = x, y, x[:0], y[:0]
    if n_test:
        x_tr, x_te, y_tr, y_te = _split(x, y, n_test, classes)
        what += f", {n_test} rows held out for test"
    x_tr, x_va, y_tr, y_va = _split(x_tr, y_tr, n_val, classes)

    def build(x_other: Array, y_other: npt.NDArray[np.generic]) -> TaskData:
        # Scaling is fitted on the same training rows for validation and for test.
        if classes:
            return classification_data(
                label, x_tr, y_tr, x_other, y_other, scale=True, description=what
            )
        return regression_data(
            label,
            x_tr,
            y_tr.astype(float),
            x_other,
            y_other.astype(float),
            loss="mse",
            scale=True,
            shuffle=True,
            description=what,
        )

    return TaskSource(build(x_va, y_va), build(x_te, y_te) if n_test else None)


def _split(
    x: Array, y: npt.NDArray[np.generic], n_out: int, classes: bool
) -> tuple[Array, Array, npt.NDArray[np.generic], npt.NDArray[np.generic]]:
    """Hold ``n_out`` rows out at random with a fixed seed, stratified for classes if it can."""
    strat = None
    if classes:
        counts = pd.Series(y).value_counts()
        strat = y if counts.min() >= 2 and len(counts) <= n_out else None
    parts = train_test_split(x, y, test_size=n_out, random_state=0, stratify=strat)
    return parts[0], parts[1], parts[2], parts[3]
