"""The built-in tasks: data generated in code or shipped inside an installed package."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn import datasets
from sklearn.model_selection import train_test_split

from study.errors import InputError
from study.tasks._base import TaskData
from study.tasks._prepare import classification_data, regression_data, windows
from study.tasks._spec import MAX_LOOKBACK, MAX_SEED, OptionDef

Builder = Callable[[Mapping[str, Any]], TaskData]
# Splits are fixed by these seeds, never by a trial's seed, so every trial sees the same data.
_SPLIT_SEED = 0


def sequence(options: Mapping[str, Any]) -> TaskData:
    """Predict the next value of 0.0, 0.1, ..., 1.0 (five pairs train, five validate)."""
    x = np.round(np.arange(0.0, 1.0, 0.1), 1)
    x_all = x.reshape(-1, 1, 1)
    y_all = (x + 0.1).reshape(-1, 1)
    return regression_data(
        "sequence",
        x_all[:5],
        y_all[:5],
        x_all[5:],
        y_all[5:],
        loss=options["loss"],
        scale=False,
        shuffle=False,
        description="next value of 0.0, 0.1, ..., 1.0: five pairs train, five validate",
    )


def sine(options: Mapping[str, Any]) -> TaskData:
    """A noisy sum of two sines, windowed: predict the next value from ``lookback`` values."""
    length, lookback = int(options["length"]), int(options["lookback"])
    rng = np.random.default_rng(int(options["data_seed"]))
    t = np.arange(length, dtype=np.float64)
    series = np.sin(2 * np.pi * t / 40.0) + 0.5 * np.sin(2 * np.pi * t / 11.0)
    series = series + rng.normal(0.0, float(options["noise"]), size=length)
    x, y = windows(series.reshape(-1, 1), series, lookback)
    n_val = max(1, round(len(x) * float(options["validation"])))
    return regression_data(
        "sine",
        x[:-n_val],
        y[:-n_val],
        x[-n_val:],
        y[-n_val:],
        loss="mse",
        scale=True,
        shuffle=True,
        description=f"noisy sine series ({length} points, noise {options['noise']}), "
        f"windows of {lookback}, last {n_val} windows validate",
    )


def moons(options: Mapping[str, Any]) -> TaskData:
    """Two moons (100 samples, noise 0.2): 30 train and 70 validate, as in the reference."""
    x, y = datasets.make_moons(
        n_samples=100, noise=float(options["noise"]), random_state=int(options["data_seed"])
    )
    n_train = int(options["train"])
    return classification_data(
        "moons",
        x[:n_train],
        y[:n_train],
        x[n_train:],
        y[n_train:],
        scale=False,
        description=f"two moons, noise {options['noise']}: {n_train} train, "
        f"{100 - n_train} validate",
    )


def _packaged(loader: Callable[..., Any], name: str, what: str) -> Builder:
    def build(options: Mapping[str, Any]) -> TaskData:
        bunch = loader()
        x: npt.NDArray[np.float64] = np.asarray(bunch.data, dtype=np.float64)
        y: npt.NDArray[np.int64] = np.asarray(bunch.target)
        x_tr, x_va, y_tr, y_va = train_test_split(
            x,
            y,
            test_size=float(options["validation"]),
            random_state=_SPLIT_SEED,
            stratify=y,
        )
        return classification_data(
            name,
            x_tr,
            y_tr,
            x_va,
            y_va,
            scale=True,
            description=f"{what} ({len(x)} samples, {x.shape[1]} features), "
            f"{len(x_va)} validate (stratified)",
        )

    build.__doc__ = f"{what}, shipped with scikit-learn; standardised on the training part."
    return build


def check_sine(options: Mapping[str, Any]) -> None:
    """Check that the series is long enough for its windows; see :data:`CHECKS`."""
    length, lookback = int(options["length"]), int(options["lookback"])
    n_windows = length - lookback
    n_val = max(1, round(n_windows * float(options["validation"])))
    if n_windows - n_val < _MIN_TRAIN_WINDOWS:
        raise InputError(
            f"task option `lookback` of task 'sine' must leave at least {_MIN_TRAIN_WINDOWS} "
            f"training windows in the series of length={length}, but got lookback={lookback}; "
            f"use a lookback below {length // 2} or a longer `length`."
        )


_VALIDATION = OptionDef(float, 0.25, low=0.05, high=0.95, help="fraction held out for validation")
_MIN_TRAIN_WINDOWS = 2
_MAX_LENGTH = 1_000_000

BUILTIN: dict[str, tuple[Builder, dict[str, OptionDef]]] = {
    "sequence": (sequence, {"loss": OptionDef(str, "mse", choices=("mse", "mae"))}),
    "sine": (
        sine,
        {
            "length": OptionDef(int, 400, low=30, high=_MAX_LENGTH),
            "lookback": OptionDef(int, 12, low=1, high=MAX_LOOKBACK),
            "noise": OptionDef(float, 0.15, low=0.0, high=100.0),
            "validation": _VALIDATION,
            "data_seed": OptionDef(int, 0, low=0, high=MAX_SEED),
        },
    ),
    "moons": (
        moons,
        {
            "noise": OptionDef(float, 0.2, low=0.0, high=100.0),
            "train": OptionDef(int, 30, low=4, high=96),
            "data_seed": OptionDef(int, 1, low=0, high=MAX_SEED),
        },
    ),
    "breast_cancer": (
        _packaged(datasets.load_breast_cancer, "breast_cancer", "breast-cancer diagnosis"),
        {"validation": _VALIDATION},
    ),
    "wine": (
        _packaged(datasets.load_wine, "wine", "wine cultivars (3 classes)"),
        {"validation": _VALIDATION},
    ),
}
"""Built-in tasks by name: the builder and its options."""

CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {"sine": check_sine}
"""Checks across a built-in task's options (each option alone is checked by its definition)."""
