"""A task as a search space names it: a name and its options, validated where they enter."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from study.errors import InputError
from study.params import MAX_LOOKBACK
from study.validation import check_choice, check_int, check_number

MAX_SEED = 2**32 - 1
"""Largest data seed (numpy and scikit-learn take seeds below 2**32)."""


__all__ = ["MAX_LOOKBACK", "MAX_SEED", "OptionDef", "TaskSpec", "resolve_options"]


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
        try:
            return self._checked(name, value)
        except ValueError as e:
            # The shared check's message, naming the task the option belongs to.
            where = f"`{name}` of task '{task}'"
            raise InputError("task option " + str(e).replace(f"`{name}`", where, 1)) from None

    def _checked(self, name: str, value: Any) -> Any:
        if self.choices:
            return check_choice(name, value, self.choices)
        if self.type is int:
            low = None if self.low is None else int(self.low)
            high = None if self.high is None else int(self.high)
            return check_int(name, value, low=low, high=high)
        if self.type is float:
            return check_number(name, value, low=self.low, high=self.high)
        if not isinstance(value, str):
            raise ValueError(f"`{name}` must be a string, but got {name}={value!r}.")
        return value


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
