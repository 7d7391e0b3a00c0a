"""Read learning curves saved by Keras or by `study`, for the ``diagnose`` command.

Three layouts are understood, all as plain text (nothing is executed or unpickled):

* a Keras ``CSVLogger`` file: columns ``epoch, loss, val_loss`` and any metrics
  (``accuracy, val_accuracy``, ...);
* a saved ``history.history`` JSON: an object of lists, ``{"loss": [...], "val_loss": [...]}``,
  optionally wrapped as ``{"history": {...}}``;
* a `study` curve CSV: ``epoch, train_loss, val_loss, fit_loss, train_metric, val_metric``
  and optionally ``val_loss_trimmed``.

A CSV may hold several seeds (see :func:`read_seed_curves`): a ``seed`` column, or the long
layout ``trial, seed, epoch, series, value`` of ``python -m study export``. Such a file may
also carry the inputs of the trial's verdict besides its curves (:data:`CONTEXT_COLUMNS`):
each seed's ``val_samples`` and the trial's ``baseline_loss``, ``reached_loss`` and
``diagnosis_settings`` (a JSON object of the settings that differ from the defaults), so that
diagnosing an exported trial gives the verdict the study shows (see :func:`read_trial_curves`).

Keras' ``loss`` is the running training loss with dropout on; a Keras log has no dropout-off
training loss. It becomes both ``train_loss`` and ``fit_loss``: the diagnosis recognises the
two identical series and then does not read a modest validation-below-training gap as
"validation better" (dropout alone causes it).
"""

from __future__ import annotations

import collections
import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from study.curvecontext import (
    CONTEXT_COLUMNS,
    CurveContext,
    context_by_row,
    read_context,
    val_samples_of,
)
from study.curves import SeedCurves
from study.errors import InputError
from study.files import read_capped

__all__ = [
    "ACCURACY_NAMES",
    "CONTEXT_COLUMNS",
    "MIN_EPOCHS",
    "CurveContext",
    "check_same_length",
    "curves_from_columns",
    "read_curve_file",
    "read_seed_curves",
    "read_trial_curves",
    "seeds_from_columns",
    "trial_from_columns",
]

MIN_EPOCHS = 5
"""Fewest epochs a curve file must hold to be diagnosed."""
MAX_CURVE_BYTES = 1 << 28
"""Largest curve file read (256 MiB: millions of epochs of a Keras log)."""

ACCURACY_NAMES = (
    "accuracy",
    "acc",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
)
"""Column names of accuracy in Keras logs, the first one found is read."""


def read_curve_file(
    path: str | Path, seed: int = 0, *, allow_negative: bool = False
) -> SeedCurves:
    """Read one seed's learning curves from a CSV or JSON file.

    Args:
        path: The file (see the module docstring for the layouts).
        seed: The seed number to record (the file's position when several are read).
        allow_negative: Accept negative values: the columns hold a metric that is not a loss.

    Raises:
        InputError: The file is missing, unreadable, not CSV/JSON, has repeated column
            names, lacks the loss columns, has fewer than :data:`MIN_EPOCHS` epochs, its
            validation loss is all NaN, or a loss is negative (unless ``allow_negative``).
    """
    path = Path(path)
    table = _columns(path, _read_text(path))
    return curves_from_columns(table, str(path), seed, allow_negative=allow_negative)


def read_seed_curves(path: str | Path, *, allow_negative: bool = False) -> list[SeedCurves]:
    """Read every seed a curve file holds, in the order they first appear.

    Besides the one-seed layouts, a CSV may hold several seeds: a ``seed`` column beside the
    series columns, or the long layout ``[trial,] seed, epoch, series, value`` that
    ``python -m study export`` writes (one trial per file). Seeds are numbered as in the file.

    Raises:
        InputError: As :func:`read_curve_file`, or a long layout holding several trials.
    """
    return read_trial_curves(path, allow_negative=allow_negative)[0]


def read_trial_curves(
    path: str | Path, *, allow_negative: bool = False
) -> tuple[list[SeedCurves], CurveContext]:
    """Read every seed a curve file holds and the verdict inputs it carries (if any).

    Raises:
        InputError: As :func:`read_seed_curves`, or a context column with a bad value.
    """
    path = Path(path)
    table = _columns(path, _read_text(path))
    return trial_from_columns(table, str(path), allow_negative=allow_negative)


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


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"`{path}` does not exist or is not a file; check the path.")
    try:
        text = read_capped(
            path, cap=MAX_CURVE_BYTES, what="curve file", fix="give the history of one run."
        ).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"`{path}` is not a CSV or JSON text file ({type(e).__name__}); "
            "give a Keras CSVLogger file or a history.history JSON."
        ) from None
    if "\x00" in text:
        raise InputError(
            f"`{path}` is binary, not a CSV or JSON text file; "
            "give a Keras CSVLogger file or a history.history JSON."
        )
    return text


def _columns(path: Path, text: str) -> dict[str, Any]:
    """Parse the file into columns (name -> sequence of values)."""
    if text.lstrip().startswith(("{", "[")):
        return _json_columns(path, text)
    _check_header(path, text)
    try:
        frame = pd.read_csv(io.StringIO(text), skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        raise InputError(
            f"`{path}` could not be parsed as CSV ({str(e).splitlines()[0] if str(e) else e!r}); "
            "give a Keras CSVLogger file or a history.history JSON."
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return {c: frame[c].to_numpy() for c in frame.columns}


def _json_columns(path: Path, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"`{path}` is not valid JSON ({e.msg} at line {e.lineno}); "
            "save `history.history` with json.dump."
        ) from None
    except RecursionError:
        raise InputError(
            f"`{path}` nests JSON too deeply to be a history; save `history.history` "
            "(an object of per-epoch lists) with json.dump."
        ) from None
    if isinstance(data, dict) and isinstance(data.get("history"), dict):
        data = data["history"]
    if not isinstance(data, dict):
        raise InputError(
            f"`{path}` holds a JSON {type(data).__name__}, not an object of lists; "
            "save `history.history` (a dict of per-epoch lists) with json.dump."
        )
    return {str(k): v for k, v in data.items() if isinstance(v, list)}


def _check_header(path: Path, text: str) -> None:
    """Refuse repeated column names, which pandas would silently rename (``loss.1``)."""
    try:
        header = [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    except csv.Error:  # The csv module's field limit, which no curve file comes near.
        raise InputError(
            f"`{path}` has a header field longer than {csv.field_size_limit():,} characters; "
            "give a Keras CSVLogger file or a history.history JSON."
        ) from None
    counts = collections.Counter(header)
    repeated = [name for name, n in counts.items() if n > 1]
    if repeated:
        raise InputError(
            f"`{path}` names the column {repeated[0]!r} {counts[repeated[0]]} times; "
            "give every column its own name."
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
