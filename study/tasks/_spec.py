"""A task as a search space names it: a name and its options, validated where they enter."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from study.errors import InputError

MAX_LOOKBACK = 10_000
"""Longest window a task may use: each sample holds ``lookback`` rows, so memory grows with it."""
MAX_SEED = 2**32 - 1
"""Largest data seed (numpy and scikit-learn take seeds below 2**32)."""


@dataclasses.dataclass(frozen=True)
class OptionDef:
    """One option of a task: its type, default, bounds (both inclusive) or choices."""

    type: type
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def check(self, task: str, name: str, value: Any) -> Any:
        """Return ``value`` if valid for this option, else raise :class:`InputError`."""
        ok = isinstance(value, self.type) and not isinstance(value, bool)
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if ok and self.type in (int, float):
            # `not (low <= value)` also refuses NaN, which TOML allows (`nan`).
            ok = math.isfinite(value) and not (self.low is not None and not self.low <= value)
            ok = ok and not (self.high is not None and not value <= self.high)
        if ok and self.choices:
            ok = value in self.choices
        if not ok:
            raise InputError(
                f"task option `{name}` of task '{task}' must be {self._expected()}, "
                f"but got {name}={value!r}."
            )
        return value

    def _expected(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = {int: "an integer", float: "a number", str: "a string"}[self.type]
        if self.low is not None and self.high is not None:
            return f"{kind} from {_number(self.low)} to {_number(self.high)}"
        if self.low is not None:
            return f"{kind} >= {_number(self.low)}"
        return kind


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """A validated task reference: which data, with which options.

    Attributes:
        name: A built-in task's name, or ``"csv"`` for the user's own file.
        options: The task's options, every one present (defaults filled in).
        base_dir: Directory that relative paths (``csv``) are resolved against.
    """

    name: str
    options: Mapping[str, Any]
    base_dir: Path = Path(".")

    @property
    def label(self) -> str:
        """A short human-readable name, e.g. ``sine`` or ``csv:prices.csv``."""
        if self.name == "csv":
            return f"csv:{Path(str(self.options['csv'])).name}"
        return self.name

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-able form stored with a study."""
        return {"name": self.name, **dict(self.options)}


def resolve_options(
    task: str, given: Mapping[str, Any], defs: Mapping[str, OptionDef]
) -> dict[str, Any]:
    """Check ``given`` against ``defs`` and fill in defaults.

    Raises:
        InputError: An unknown option or an invalid value.
    """
    unknown = sorted(set(given) - set(defs))
    if unknown:
        known = ", ".join(defs) or "none"
        raise InputError(
            f"unknown option `{unknown[0]}` for task '{task}'; its options are: {known}."
        )
    return {
        name: (d.check(task, name, given[name]) if name in given else d.default)
        for name, d in defs.items()
    }
