"""The record of a task's data, as training consumes it."""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import numpy.typing as npt

from study.params import Family

TaskKind = Literal["regression", "binary", "multiclass"]
LossName = Literal["mse", "mae", "binary_crossentropy", "sparse_categorical_crossentropy"]


@dataclasses.dataclass(frozen=True, eq=False)
class Standardisation:
    """A per-column standardisation fitted on the training rows: ``(raw - mean) / scale``.

    Attributes:
        mean: Each column's training mean, shape ``(n_columns,)``.
        scale: Each column's training standard deviation (1 for a constant column), shape
            ``(n_columns,)``.
    """

    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]

    def apply(self, raw: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Standardise ``raw``, whose last axis holds the columns.

        Raises:
            ValueError: The last axis does not hold as many columns as were fitted.
        """
        values = np.asarray(raw, dtype=np.float64)
        if values.ndim == 0 or values.shape[-1] != len(self.mean):
            raise ValueError(
                f"the last axis must hold the {len(self.mean)} columns the scaling was "
                f"fitted on, but got shape {values.shape}."
            )
        return (values - self.mean) / self.scale

    def invert(self, scaled: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Map standardised values (columns on the last axis) back to their raw units."""
        return np.asarray(scaled, dtype=np.float64) * self.scale + self.mean


@dataclasses.dataclass(frozen=True)
class TaskData:
    """Training and validation arrays of one task, scaled and split, ready to train on.

    The split is fixed by the task (never by the trial's seed) and scaling is fitted on the
    training part only.

    Attributes:
        name: The task's name, e.g. ``"sequence"`` or ``"csv:prices.csv"``.
        kind: ``regression``, ``binary`` or ``multiclass``; chooses the model's head.
        x_train: Inputs, float32, shape ``(n_train, timesteps, features)`` for sequence tasks
            or ``(n_train, features)`` for tabular ones.
        y_train: Targets, float32, shape ``(n_train, outputs)``; for ``multiclass`` the class
            index as a float in a single column.
        x_val: Validation inputs, same layout as ``x_train``.
        y_val: Validation targets, same layout as ``y_train``.
        loss: The loss trained and reported.
        n_classes: Number of classes (``multiclass``), else 0.
        baseline_loss: Validation loss of the trivial predictor (training mean for
            regression, training class prior for classification): the yardstick for "underfit".
        shuffle: Whether mini-batches are reshuffled every epoch.
        description: One line describing the data, for reports.
        input_scaling: How raw input columns were standardised into ``x_train`` (a window's
            columns are its last axis), or ``None`` where inputs are not scaled.
        target_scaling: How the raw regression target was standardised into ``y_train``,
            or ``None`` where the target is not scaled (classification, or a task that
            trains on raw targets).
    """

    name: str
    kind: TaskKind
    x_train: npt.NDArray[np.float32]
    y_train: npt.NDArray[np.float32]
    x_val: npt.NDArray[np.float32]
    y_val: npt.NDArray[np.float32]
    loss: LossName
    n_classes: int = 0
    baseline_loss: float = float("nan")
    shuffle: bool = True
    description: str = ""
    input_scaling: Standardisation | None = dataclasses.field(default=None, compare=False)
    target_scaling: Standardisation | None = dataclasses.field(default=None, compare=False)

    @property
    def sequential(self) -> bool:
        """Whether inputs are windows of shape ``(timesteps, features)``."""
        return self.x_train.ndim == 3

    @property
    def metric(self) -> str | None:
        """The metric recorded beside the loss: ``accuracy`` for classification."""
        return None if self.kind == "regression" else "accuracy"

    @property
    def n_outputs(self) -> int:
        """Width of the model's output layer."""
        if self.kind == "multiclass":
            return self.n_classes
        return int(self.y_train.shape[1])

    def for_family(self, family: Family) -> TaskData:
        """Return the data laid out for ``family``: an MLP sees each window flattened."""
        if family == "lstm" or not self.sequential:
            return self
        return dataclasses.replace(
            self,
            x_train=self.x_train.reshape(len(self.x_train), -1),
            x_val=self.x_val.reshape(len(self.x_val), -1),
        )
