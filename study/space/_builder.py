"""The ``[params]`` of a search space that names a builder (``model = "module:function"``).

Reading the table is the space's job; the values a builder receives are plain data
(:mod:`study.builders`), and importing, building and training the user's model is the
engine's (:mod:`study.engine`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import optuna

from study.builders import builder_values
from study.errors import InputError
from study.params import PARAMS, Family
from study.space._model import Choices, Range, Searched
from study.tasks import TaskSpec, check_family


@dataclasses.dataclass(frozen=True)
class UserRange(Range):
    """A numeric range of a parameter the search space declares for its builder.

    Integer when ``low``, ``high`` (and ``step``) are all written as integers.
    """

    integer: bool = False

    def distribution(self, name: str) -> optuna.distributions.BaseDistribution:
        """Return the Optuna distribution of the parameter."""
        if self.integer:
            return optuna.distributions.IntDistribution(
                int(self.low), int(self.high), log=self.log, step=int(self.step or 1)
            )
        return optuna.distributions.FloatDistribution(
            self.low, self.high, log=self.log, step=self.step
        )


def user_param(name: str, entry: Any) -> tuple[bool, Any]:
    """Read one builder parameter of ``[params]``: ``(searched, range_or_value)``.

    A value fixes it; ``{choices = [...]}`` or ``{low, high[, log, step]}`` searches it.

    Raises:
        InputError: A malformed entry, naming the key and the fix.
    """
    key = f"params.{name}"
    if not isinstance(entry, Mapping):
        if not isinstance(entry, (bool, int, float, str)):
            raise InputError(f"`{key}` must be a number, a string or true/false, got {entry!r}.")
        return False, entry
    if "choices" in entry:
        choices = entry["choices"]
        if set(entry) != {"choices"} or not isinstance(choices, list) or not choices:
            raise InputError(f"`{key}` must be {{choices = [...]}} with a non-empty list.")
        return True, Choices(tuple(choices))
    return True, _user_range(key, entry)


def _user_range(key: str, entry: Mapping[str, Any]) -> UserRange:
    extra = sorted(set(entry) - {"low", "high", "log", "step"})
    if extra or "low" not in entry or "high" not in entry:
        raise InputError(
            f"`{key}` must be a value, {{choices = [...]}} or {{low, high[, log, step]}}, "
            f"but got {dict(entry)!r}."
        )
    low, high, log, step = entry["low"], entry["high"], entry.get("log", False), entry.get("step")
    numbers = [v for v in (low, high, step) if v is not None]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        raise InputError(f"`{key}` needs numbers for low, high and step, but got {dict(entry)!r}.")
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise InputError(f"`{key}` must have low <= high, but got low={low}, high={high}.")
    if log and (low <= 0 or step is not None):
        raise InputError(f"`{key}` has log = true, which needs low > 0 and no step.")
    integer = all(isinstance(v, int) for v in numbers)
    try:
        return UserRange(
            float(low),
            float(high),
            bool(log),
            None if step is None else float(step),
            integer=integer,
        )
    except ValueError as e:
        raise InputError(f"`{key}`: {e}") from None


def check_target(target: Any) -> str:
    """Validate the form of ``model = "module:function"`` (the module is not imported).

    Raises:
        InputError: Not of that form.
    """
    if not isinstance(target, str) or target.count(":") != 1 or not all(target.split(":")):
        raise InputError(
            f'`model` must be "module:function" (e.g. "mypackage.models:build"), '
            f"but got model={target!r}."
        )
    return target


def custom_family(task: TaskSpec, family: Any) -> Family:
    """The data layout a builder's model gets: the task's own (windows stay windows).

    Raises:
        InputError: ``family`` is given: a builder replaces it.
    """
    if family is not None:
        raise InputError(
            "`family` and `model` exclude each other: the builder's model replaces the family; "
            "remove `family`."
        )
    try:
        check_family(task, "lstm")
    except InputError:
        return "mlp"  # Tabular data: flat samples.
    return "lstm"  # Sequence data: samples of shape (timesteps, features).


def sample_values(searched: Mapping[str, Searched], fixed: Mapping[str, Any]) -> dict[str, Any]:
    """One set of values from the space, each searched parameter at its low end or first choice."""
    sampled = {
        name: s.values[0] if isinstance(s, Choices) else _low(name, s)
        for name, s in searched.items()
    }
    return builder_values(fixed, sampled)


def _low(name: str, searched: Range) -> Any:
    integer = isinstance(searched, UserRange) and searched.integer
    if name in PARAMS:
        integer = PARAMS[name].type is int
    return int(searched.low) if integer else searched.low
