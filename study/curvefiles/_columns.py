"""Turn columns (name -> per-epoch values) into each seed's curves, checking their values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from study.curvecontext import CurveContext, context_by_row, read_context, val_samples_of
from study.curves import SeedCurves
from study.errors import InputError

MIN_EPOCHS = 5
"""Fewest epochs a curve file must hold to be diagnosed."""

ACCURACY_NAMES = (
    "accuracy",
    "acc",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
)
"""Column names of accuracy in Keras logs, the first one found is read."""


def trial_from_columns(
    table: Mapping[str, Any], source: str, *, allow_negative: bool = False
) -> tuple[list[SeedCurves], CurveContext]:
    """Split columns into seeds (see :func:`seeds_from_columns`) and read their context.

    Raises:
        InputError: As :func:`seeds_from_columns`, or a context column with a bad value.
    """
    table = _wide(table, source)
    seeds = seeds_from_columns(table, source, allow_negative=allow_negative)
    return seeds, read_context(table, source)


def seeds_from_columns(
    table: Mapping[str, Any], source: str, *, allow_negative: bool = False
) -> list[SeedCurves]:
    """Split columns (name -> per-row values) into seeds by their ``seed`` column, if any.

    Args:
        table: The columns, in any layout :func:`read_seed_curves` reads.
        source: What the columns came from, for messages.
        allow_negative: Accept negative values (a metric that is not a loss).
    """
    table = _wide(table, source)
    if "seed" not in table:
        return [curves_from_columns(table, source, 0, allow_negative=allow_negative)]
    seeds = pd.to_numeric(pd.Series(np.asarray(table["seed"])), errors="coerce").to_numpy()
    if not seeds.size:
        raise InputError(
            f"`{source}` holds no curves: it has a header but no rows (a trial that failed "
            "before its first epoch stores none); give a file of a trial that trained."
        )
    bad = np.flatnonzero(~np.isfinite(seeds) | (seeds != np.round(seeds)))
    if bad.size:
        raise InputError(
            f"`{source}`: the `seed` column must hold whole numbers, but row {bad[0] + 1} "
            f"holds {np.asarray(table['seed'])[bad[0]]!r}; fix or drop that row."
        )
    out = []
    for seed in pd.unique(seeds):
        rows = seeds == seed
        part = {k: np.asarray(v)[rows] for k, v in table.items() if k != "seed"}
        name = f"{source} (seed {seed})"
        out.append(curves_from_columns(part, name, int(seed), allow_negative=allow_negative))
    return out


def curves_from_columns(
    table: Mapping[str, Any], source: str, seed: int = 0, *, allow_negative: bool = False
) -> SeedCurves:
    """Read one seed's curves from columns: ``loss``/``val_loss`` (Keras) or ``train_loss``.

    Raises:
        InputError: As :func:`read_curve_file`, naming ``source``.
    """
    names = _names(table)
    missing = [c for c in ("val_loss", names["train_loss"]) if c not in table]
    if missing:
        found = ", ".join(map(str, table)) or "none"
        raise InputError(
            f"`{source}` has no {' or '.join(repr(m) for m in missing)} column "
            f"(found: {found}); save a Keras CSVLogger file or history.history with `loss` "
            "and `val_loss`."
        )
    series = {key: _floats(table[col]) for key, col in names.items() if col in table}
    series = {k: v for k, v in series.items() if k == "train_loss" or _any(v)}
    series["val_loss"] = _floats(table["val_loss"])
    _check_values(source, series)
    if not allow_negative:
        _check_non_negative(source, series)
    return SeedCurves(
        seed=seed,
        train_loss=series["train_loss"],
        val_loss=series["val_loss"],
        fit_loss=series.get("fit_loss"),
        train_metric=series.get("train_metric"),
        val_metric=series.get("val_metric"),
        val_loss_trimmed=series.get("val_loss_trimmed"),
        epochs_planned=len(series["val_loss"]),
        val_samples=val_samples_of(table, source),
    )


def _wide(table: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    """Pivot the long layout (``series``, ``value`` columns) to one column per series."""
    if not {"series", "value", "epoch"} <= set(table):
        return table
    frame = pd.DataFrame({k: list(v) for k, v in table.items()})
    if "trial" in frame and frame["trial"].nunique() > 1:
        raise InputError(
            f"`{source}` holds the curves of {frame['trial'].nunique()} trials; diagnose one "
            "trial at a time (python -m study export NAME --trial N)."
        )
    keys = [k for k in ("seed", "epoch") if k in frame]
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    if frame["value"].isna().any():
        row = int(np.flatnonzero(frame["value"].isna().to_numpy())[0]) + 1
        raise InputError(
            f"`{source}`: the `value` column must hold numbers, but row {row} does not; "
            "fix or drop that row."
        )
    if frame.duplicated([*keys, "series"]).any():
        raise InputError(
            f"`{source}` repeats a ({', '.join(keys)}, series) row; keep one value for each."
        )
    wide = frame.pivot_table(
        index=keys, columns="series", values="value", aggfunc="first", sort=True
    )
    wide = wide.reset_index()
    columns = {str(c): wide[c].to_numpy() for c in wide.columns}
    return {**columns, **context_by_row(frame, wide, keys)}


def check_same_length(curves: Sequence[SeedCurves], paths: Sequence[str | Path]) -> None:
    """Check that curve files read as seeds of one trial have the same number of epochs.

    Raises:
        InputError: Two files differ in length.
    """
    for c, p in zip(curves[1:], paths[1:], strict=True):
        if c.epochs_trained != curves[0].epochs_trained:
            raise InputError(
                f"`{p}` has {c.epochs_trained} epochs but `{paths[0]}` has "
                f"{curves[0].epochs_trained}; seeds of one trial must have the same number "
                "of epochs (diagnose the files separately)."
            )


def _names(table: Mapping[str, Any]) -> dict[str, str]:
    """Series name -> column: a `study` curve CSV has ``train_loss``; Keras logs ``loss``."""
    if "train_loss" in table:
        names = ("train_loss", "fit_loss", "train_metric", "val_metric", "val_loss_trimmed")
        return {name: name for name in names}
    return {"train_loss": "loss", "fit_loss": "loss", **_metric_names(table)}


def _metric_names(table: Mapping[str, Any]) -> dict[str, str]:
    for name in ACCURACY_NAMES:
        if name in table and f"val_{name}" in table:
            return {"train_metric": name, "val_metric": f"val_{name}"}
    return {}


def _floats(values: Any) -> np.ndarray:
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    return np.asarray(numbers, dtype=np.float64)


def _any(values: np.ndarray) -> bool:
    return bool(np.any(np.isfinite(values)))


def _check_values(path: str, series: dict[str, np.ndarray]) -> None:
    lengths = {k: len(v) for k, v in series.items()}
    if len(set(lengths.values())) > 1:
        raise InputError(
            f"`{path}` has series of different lengths ({lengths}); "
            "every series must have one value per epoch."
        )
    n = lengths["val_loss"]
    if n < MIN_EPOCHS:
        raise InputError(
            f"`{path}` has {n} epochs; at least {MIN_EPOCHS} are needed to diagnose a fit "
            "(train for more epochs)."
        )
    for key in ("val_loss", "train_loss"):
        if not np.any(~np.isnan(series[key])):
            raise InputError(
                f"`{path}` has no numeric value in its {key.replace('_', ' ')} column "
                "(all NaN or empty); check that the run trained and logged losses."
            )


def _check_non_negative(path: str, series: dict[str, np.ndarray]) -> None:
    for key in ("val_loss", "train_loss", "fit_loss", "val_loss_trimmed"):
        values = series.get(key)
        if values is None or not np.any(values < 0):
            continue
        epoch = int(np.argmax(values < 0))
        raise InputError(
            f"`{path}` has a negative {key.replace('_', ' ')} ({float(values[epoch]):.4g} at "
            f"epoch {epoch + 1}); losses are >= 0: check the columns, or pass "
            "--allow-negative if they hold a metric that is not a loss."
        )
