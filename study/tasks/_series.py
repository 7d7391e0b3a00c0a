"""A CSV file as a series: rows in time order, split by the rows predicted, windowed per lookback.

The rows are split once, before any window is cut: the last ``test`` fraction of the rows is
the test split, the last ``validation`` fraction of the rest validates, the rows before train.
A window belongs to the split of the row it predicts; its inputs are the ``lookback`` rows that
end ``horizon`` rows before that row, and may lie in an earlier split (they are known by the
time the prediction is made). So every lookback predicts the same validation and test rows,
and trials with different lookbacks are compared on the same targets. The first
``lookback + horizon - 1`` rows only serve as inputs. Columns are standardised once, on the
training rows.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.preprocessing import StandardScaler

from study.errors import InputError
from study.tasks._base import Standardisation, TaskData
from study.tasks._prepare import classification_data, regression_data, standardisation

Array = npt.NDArray[np.float64]
MIN_TRAIN_WINDOWS = 2
"""Training windows a series must leave at the longest lookback."""


@dataclasses.dataclass(frozen=True)
class Series:
    """A CSV series loaded, split and scaled once; windows are cut from it per lookback.

    Attributes:
        label: The task's label, e.g. ``csv:sunspots.csv``.
        what: The start of the data's description (file, rows, target).
        kind: ``regression`` or ``classification``.
        features: Every numeric column but the time column (the target's own past
            included), standardised on the training rows, shape ``(n_rows, n_features)``.
        target: The value to predict per row, shape ``(n_rows,)``: standardised on the
            training rows for regression, the labels as read for classification.
        n_train: Rows of the training split (the first ones).
        n_val: Rows of the validation split (after the training rows).
        n_test: Rows of the test split (the last ones); 0 without a test split.
        horizon: Rows ahead a window's target lies: 1 is the row right after the window.
        feature_scaling: How ``features`` were standardised from the raw columns.
        target_scaling: How ``target`` was standardised (regression), else ``None``.
    """

    label: str
    what: str
    kind: str
    features: Array
    target: npt.NDArray[np.generic]
    n_train: int
    n_val: int
    n_test: int
    horizon: int
    feature_scaling: Standardisation | None = None
    target_scaling: Standardisation | None = None

    def check_lookback(self, path: Path, lookback: int) -> None:
        """Raise :class:`InputError` unless windows of ``lookback`` leave enough training ones."""
        reach = lookback + self.horizon - 1
        if self.n_train - reach < MIN_TRAIN_WINDOWS:
            n_rows = self.n_train + self.n_val + self.n_test
            raise InputError(
                f"{path}: {n_rows} rows are too few for windows of lookback={lookback} and "
                f"horizon={self.horizon}: its {self.n_train} training rows leave "
                f"{max(0, self.n_train - reach)} training windows (at least "
                f"{MIN_TRAIN_WINDOWS}); use a smaller `lookback` or `horizon`, a smaller "
                "`validation` or `test`, or more rows."
            )

    def windows(self, lookback: int) -> tuple[TaskData, TaskData | None]:
        """Cut the windows of ``lookback`` rows.

        Returns:
            The trials' data (training and validation windows) and, with a test split, the
            same training windows with the test windows in place of the validation ones.
        """
        first = lookback + self.horizon - 1
        ends = (self.n_train, self.n_train + self.n_val, len(self.target))
        x_tr, y_tr = self._cut(lookback, first, ends[0])
        x_va, y_va = self._cut(lookback, ends[0], ends[1])
        description = f"{self.what}, windows of {lookback}{self._ahead()}, " + (
            f"rows {ends[0] + 1}-{ends[1]} validate"
            + (f", rows {ends[1] + 1}-{ends[2]} test" if self.n_test else "")
        )
        data = self._data(x_tr, y_tr, x_va, y_va, description)
        if not self.n_test:
            return data, None
        x_te, y_te = self._cut(lookback, ends[1], ends[2])
        return data, self._data(x_tr, y_tr, x_te, y_te, description)

    def _ahead(self) -> str:
        return "" if self.horizon == 1 else f", {self.horizon} steps ahead"

    def _cut(self, lookback: int, begin: int, end: int) -> tuple[Array, npt.NDArray[np.generic]]:
        """The windows predicting rows ``begin`` to ``end - 1``."""
        view = np.lib.stride_tricks.sliding_window_view(self.features, lookback, axis=0)
        starts = np.arange(begin, end) - self.horizon - lookback + 1
        x = np.moveaxis(view[starts], -1, 1)
        return np.ascontiguousarray(x), self.target[begin:end]

    def _data(
        self,
        x_tr: Array,
        y_tr: npt.NDArray[np.generic],
        x_va: Array,
        y_va: npt.NDArray[np.generic],
        description: str,
    ) -> TaskData:
        if self.kind == "classification":
            data = classification_data(
                self.label, x_tr, y_tr, x_va, y_va, scale=False, description=description
            )
            return dataclasses.replace(data, input_scaling=self.feature_scaling)
        data = regression_data(
            self.label,
            x_tr,
            y_tr.astype(float),
            x_va,
            y_va.astype(float),
            loss="mse",
            scale=False,
            shuffle=True,
            description=description,
        )
        # Against the mean of every training row, not of this lookback's training windows:
        # the yardstick is then the same for every lookback.
        mean = float(np.mean(self.target[: self.n_train].astype(float)))
        baseline = float(np.mean((data.y_val - mean) ** 2))
        return dataclasses.replace(
            data,
            baseline_loss=baseline,
            input_scaling=self.feature_scaling,
            target_scaling=self.target_scaling,
        )


def load_series(
    path: Path,
    frame: pd.DataFrame,
    target: str,
    kind: str,
    *,
    validation: float,
    test: float,
    horizon: int,
) -> Series:
    """Split ``frame``'s rows (already in time order) and standardise them on the training rows.

    Raises:
        InputError: A split that would hold no row.
    """
    n_rows = len(frame)
    n_test = round(n_rows * test)
    n_val = round((n_rows - n_test) * validation)
    if n_val < 1 or (test > 0 and n_test < 1):
        split, fraction = ("test", test) if n_val >= 1 else ("validation", validation)
        raise InputError(
            f"{path}: {n_rows} rows are too few to hold out {fraction:.0%} for {split}; "
            f"add rows or raise `{split}`."
        )
    n_train = n_rows - n_val - n_test
    numeric = frame.select_dtypes("number").to_numpy(dtype=np.float64)
    feature_scaler = StandardScaler().fit(numeric[:n_train])
    features = feature_scaler.transform(numeric)
    values = frame[target].to_numpy()
    target_scaling = None
    if kind != "classification":
        column = values.astype(np.float64).reshape(-1, 1)
        target_scaler = StandardScaler().fit(column[:n_train])
        values = target_scaler.transform(column).ravel()
        target_scaling = standardisation(target_scaler)
    what = f"series of {n_rows} rows, target '{target}'"  # the task's name holds the file's
    return Series(
        f"csv:{path.name}",
        what,
        kind,
        features,
        values,
        n_train,
        n_val,
        n_test,
        horizon,
        standardisation(feature_scaler),
        target_scaling,
    )
