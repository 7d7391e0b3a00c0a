"""Checks of settings values, shared by every settings record.

Each check returns the value (converted where that is lossless, e.g. ``2.0`` to ``2`` for an
integer) or raises :class:`ValueError` with a message of the form
"`units` must be an integer from 1 to 65536, but got units=0.". Records call them in
``__post_init__``; entry points (the search-space parser, the command line) turn the
``ValueError`` into the one-line user error.

Booleans are never numbers here: TOML's ``true`` is not ``1``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

__all__ = [
    "check_bool",
    "check_choice",
    "check_int",
    "check_mapping",
    "check_number",
    "check_scalar",
    "check_span",
    "describe_interval",
]

T = TypeVar("T")


def describe_interval(
    low: float | None,
    high: float | None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> str:
    """Words for an interval, e.g. ``"from 1 to 8"``, ``">= 0"``, ``"> 0 and < 1"``."""
    if low is not None and high is not None and low_inclusive and high_inclusive:
        return f"from {_fmt(low)} to {_fmt(high)}"
    parts = []
    if low is not None:
        parts.append(f"{'>=' if low_inclusive else '>'} {_fmt(low)}")
    if high is not None:
        parts.append(f"{'<=' if high_inclusive else '<'} {_fmt(high)}")
    return " and ".join(parts) if parts else "any value"


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an ``int`` within ``[low, high]``.

    Integral floats (``64.0``) are accepted; other floats, strings and booleans are not.

    Raises:
        ValueError: Not an integer, or out of bounds.
    """
    converted = _as_int(value)
    if converted is None or not _within(converted, low, high, True, True):
        kind = "an integer"
        if low is not None or high is not None:
            kind += " " + describe_interval(low, high)
        raise ValueError(f"`{name}` must be {kind}, but got {name}={value!r}.")
    return converted


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds.

    Raises:
        ValueError: Not a finite number, or out of bounds.
    """
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    converted = float(value) if ok else math.nan
    if not math.isfinite(converted) or not _within(
        converted, low, high, low_inclusive, high_inclusive
    ):
        bounds = describe_interval(
            low, high, low_inclusive=low_inclusive, high_inclusive=high_inclusive
        )
        kind = "a finite number" if bounds == "any value" else f"a number {bounds}"
        raise ValueError(f"`{name}` must be {kind}, but got {name}={value!r}.")
    return converted


def check_scalar(name: str, value: Any) -> bool | int | float | str:
    """Return ``value`` when it is a number, a string or a boolean.

    Those are the values a study stores as a parameter's choice; a TOML date, array or
    table is not one of them.

    Raises:
        ValueError: Anything else.
    """
    if not isinstance(value, bool | int | float | str):
        raise ValueError(
            f"`{name}` must be a number, a string or true/false, but got {name}={value!r}."
        )
    return value


def check_span(name: str, low: float, high: float) -> float:
    """Return the width ``high - low`` of a range when it is a finite number.

    Two finite bounds can still be too far apart for a float (``-1e308`` to ``1e308``):
    sampling between them would overflow.

    Raises:
        ValueError: The width overflows.
    """
    width = high - low
    if not math.isfinite(width):
        raise ValueError(
            f"`{name}` must have a finite width high - low, but got {name}.low={low!r} and "
            f"{name}.high={high!r}; narrow the range."
        )
    return width


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` when it is a boolean.

    Raises:
        ValueError: Anything else (``1``, ``"yes"``).
    """
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be true or false, but got {name}={value!r}.")
    return value


def check_choice(name: str, value: T, choices: Collection[T]) -> T:
    """Return ``value`` when it is one of ``choices``.

    Raises:
        ValueError: Not one of ``choices``.
    """
    if isinstance(value, bool) or value not in choices:
        words = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {words}, but got {name}={value!r}.")
    return value


def check_mapping(name: str, value: Any) -> Mapping[str, Any]:
    """Return ``value`` when it is a mapping (a TOML table).

    Raises:
        ValueError: Anything else.
    """
    if not isinstance(value, Mapping):
        raise ValueError(f"`{name}` must be a table of keys and values, but got {name}={value!r}.")
    return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _within(
    value: float, low: float | None, high: float | None, low_inc: bool, high_inc: bool
) -> bool:
    if low is not None and (value < low or (value == low and not low_inc)):
        return False
    return high is None or value < high or (value == high and high_inc)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"
