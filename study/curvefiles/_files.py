"""Read a curve file's text into columns: a CSV or a ``history.history`` JSON, nothing executed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from study.curvecontext import CurveContext
from study.curvefiles._columns import curves_from_columns, trial_from_columns
from study.curves import SeedCurves
from study.errors import InputError
from study.files import check_unique_names, read_capped

MAX_CURVE_BYTES = 1 << 28
"""Largest curve file read (256 MiB: millions of epochs of a Keras log)."""


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
    check_unique_names(header, f"`{path}`")
