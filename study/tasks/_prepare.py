"""Turn raw arrays into :class:`TaskData`: windows, scaling fitted on training data, baselines."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.preprocessing import LabelEncoder, StandardScaler

from study.errors import InputError
from study.tasks._base import LossName, Standardisation, TaskData

Array = npt.NDArray[np.float64]


def windows(features: Array, target: Array, lookback: int) -> tuple[Array, Array]:
    """Cut a series into sliding windows.

    Args:
        features: Shape ``(n_steps, n_features)``.
        target: Shape ``(n_steps,)``.
        lookback: Steps per window.

    Returns:
        ``x`` of shape ``(n_steps - lookback, lookback, n_features)``: each window; ``y`` of
        shape ``(n_steps - lookback,)``: the target at the step after each window.
    """
    view = np.lib.stride_tricks.sliding_window_view(features, lookback, axis=0)
    x = np.moveaxis(view, -1, 1)[: len(features) - lookback]
    return np.ascontiguousarray(x), np.asarray(target[lookback:])


def regression_data(
    name: str,
    x_train: Array,
    y_train: Array,
    x_val: Array,
    y_val: Array,
    *,
    loss: str,
    scale: bool,
    shuffle: bool,
    description: str,
) -> TaskData:
    """Build regression :class:`TaskData`, scaling inputs and targets on the training part."""
    y_train, y_val = y_train.reshape(len(y_train), -1), y_val.reshape(len(y_val), -1)
    inputs = targets = None
    if scale:
        x_train, x_val, inputs = _scale_inputs(x_train, x_val)
        target_scaler = StandardScaler().fit(y_train)
        y_train, y_val = target_scaler.transform(y_train), target_scaler.transform(y_val)
        targets = standardisation(target_scaler)
    if loss == "mae":
        baseline = float(np.mean(np.abs(y_val - np.median(y_train, axis=0))))
    else:
        baseline = float(np.mean((y_val - np.mean(y_train, axis=0)) ** 2))
    return TaskData(
        name=name,
        kind="regression",
        x_train=_f32(x_train),
        y_train=_f32(y_train),
        x_val=_f32(x_val),
        y_val=_f32(y_val),
        loss=_regression_loss(loss),
        baseline_loss=baseline,
        shuffle=shuffle,
        description=description,
        input_scaling=inputs,
        target_scaling=targets,
    )


def classification_data(
    name: str,
    x_train: Array,
    y_train: npt.NDArray[np.generic],
    x_val: Array,
    y_val: npt.NDArray[np.generic],
    *,
    scale: bool,
    description: str,
    shuffle: bool = True,
) -> TaskData:
    """Build binary or multiclass :class:`TaskData`; labels may be any values.

    Raises:
        InputError: The training part holds a single class.
    """
    encoder = LabelEncoder().fit(np.concatenate([y_train, y_val]))
    classes = len(encoder.classes_)
    train_classes = len(np.unique(y_train))
    if classes < 2 or train_classes < 2:
        raise InputError(
            f"task '{name}' has only one class in its training data; a classification "
            "target needs at least two classes (check the target column or the split)."
        )
    yt, yv = encoder.transform(y_train), encoder.transform(y_val)
    inputs = None
    if scale:
        x_train, x_val, inputs = _scale_inputs(x_train, x_val)
    prior = np.bincount(yt, minlength=classes) / len(yt)
    prior = np.clip(prior, 1e-7, 1.0)
    baseline = float(-np.mean(np.log(prior[yv])))
    if classes == 2:
        p = prior[1]
        baseline = float(-np.mean(yv * np.log(p) + (1 - yv) * np.log(1 - p)))
    return TaskData(
        name=name,
        kind="binary" if classes == 2 else "multiclass",
        x_train=_f32(x_train),
        y_train=_f32(yt.reshape(-1, 1)),
        x_val=_f32(x_val),
        y_val=_f32(yv.reshape(-1, 1)),
        loss="binary_crossentropy" if classes == 2 else "sparse_categorical_crossentropy",
        n_classes=0 if classes == 2 else classes,
        baseline_loss=baseline,
        shuffle=shuffle,
        description=description,
        input_scaling=inputs,
    )


def standardisation(scaler: StandardScaler) -> Standardisation:
    """The record of a fitted scaler (its columns' means and scales)."""
    return Standardisation(
        np.asarray(scaler.mean_, np.float64).copy(), np.asarray(scaler.scale_, np.float64).copy()
    )


def _scale_inputs(x_train: Array, x_val: Array) -> tuple[Array, Array, Standardisation]:
    # Fit on the training part only: the validation data must not leak into the scaling.
    n_features = x_train.shape[-1]
    scaler = StandardScaler().fit(x_train.reshape(-1, n_features))
    return (
        scaler.transform(x_train.reshape(-1, n_features)).reshape(x_train.shape),
        scaler.transform(x_val.reshape(-1, n_features)).reshape(x_val.shape),
        standardisation(scaler),
    )


def _regression_loss(loss: str) -> LossName:
    if loss == "mae":
        return "mae"
    if loss == "mse":
        return "mse"
    raise InputError(f"task option `loss` must be 'mse' or 'mae', but got loss={loss!r}.")


def _f32(a: npt.NDArray[np.generic]) -> npt.NDArray[np.float32]:
    return np.ascontiguousarray(a, dtype=np.float32)
