"""Your own Keras model in a sweep: a search space that names a builder instead of a family.

A search space with ``model = "mypackage.models:build"`` trains, for every trial and seed,
the model that ``build(params, input_shape, output)`` returns:

* ``params``: a dict of the trial's values: every standard parameter (``units``, ``layers``,
  ``dropout``, ``learning_rate``, ...; see :data:`study.params.PARAMS`) and every parameter the
  space's ``[params]`` table declares beyond them (e.g. ``filters``, ``kernel_size``);
* ``input_shape``: one sample's shape, e.g. ``(12, 1)`` for windows or ``(30,)`` for a table;
* ``output``: an :class:`Output`: the task's kind and the head it needs (units, activation).

It returns a ``keras.Model``: uncompiled (trained with the trial's ``optimizer``,
``learning_rate`` and the task's loss), or compiled, whose optimizer and loss are then used.
The module is imported from the working folder or the installed packages; nothing else about
it is executed.

A trial stores and shows (``show``, ``report``, ``export``, ``study.load``) only the values
that mean something for such a model (:func:`declared_values`): the parameters the space's
``[params]`` table declares, and the training parameters the loop reads itself
(:data:`TRAINING_PARAMS`). A standard parameter the table does not name (e.g. ``cell``) is
still passed to the builder at its default, but is not shown as if it were used: declare it
in ``[params]`` when the builder reads it.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
import sys
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

import optuna

from study.errors import InputError
from study.params import PARAMS, Family, TrialParams
from study.space import Choices, Range, Searched
from study.tasks import TaskSpec, check_family

if TYPE_CHECKING:
    from study.curves import SeedCurves
    from study.engine import TrainingMonitor
    from study.tasks import TaskData

__all__ = [
    "TRAINING_PARAMS",
    "CustomModel",
    "Output",
    "UserRange",
    "builder_values",
    "check_target",
    "declared_values",
    "sample_values",
    "standard_params",
    "user_param",
    "validate_builder",
]


@dataclasses.dataclass(frozen=True)
class Output:
    """What the model's last layer must produce for the task.

    Attributes:
        kind: ``regression``, ``binary`` or ``multiclass``.
        units: Width of the output layer.
        activation: Its activation: ``linear``, ``sigmoid`` or ``softmax``.
        loss: The loss trained and reported (``mse``, ``mae``, ``binary_crossentropy`` or
            ``sparse_categorical_crossentropy``), computed on the layer's outputs.
    """

    kind: Literal["regression", "binary", "multiclass"]
    units: int
    activation: str
    loss: str

    @classmethod
    def of(cls, data: TaskData) -> Output:
        """The output a task's data needs."""
        activation = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}
        return cls(data.kind, data.n_outputs, activation[data.kind], data.loss)


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


def check_target(target: Any, *, load: bool = True) -> str:
    """Validate ``model = "module:function"`` and check that it imports and is callable.

    Args:
        target: The ``model`` value.
        load: Import the module to check the callable; ``False`` checks the form only.

    Raises:
        InputError: Not of that form, not importable, or not a callable.
    """
    if not isinstance(target, str) or target.count(":") != 1 or not all(target.split(":")):
        raise InputError(
            f'`model` must be "module:function" (e.g. "mypackage.models:build"), '
            f"but got model={target!r}."
        )
    if load:
        load_builder(target, os.getcwd())
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


def load_builder(target: str, folder: str) -> Callable[..., Any]:
    """Import the builder ``module:function``, with ``folder`` importable.

    Raises:
        InputError: The module does not import, or has no such callable.
    """
    module_name, function = target.split(":")
    from study.parallel import warm_up

    warm_up(1)  # TensorFlow loads once, quietly, before the builder's module imports Keras.
    if folder not in sys.path:
        sys.path.insert(0, folder)  # Builders are found from the folder the run started in.
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as e:  # Any error importing the user's module is theirs.
        raise InputError(
            f"`model`: cannot import {module_name!r} ({type(e).__name__}: {e}); run from the "
            "folder that holds it or install it."
        ) from None
    builder = getattr(module, function, None)
    if not callable(builder):
        raise InputError(
            f"`model`: module {module_name!r} has no function {function!r}; "
            f'name a function, e.g. model = "{module_name}:build".'
        )
    return cast("Callable[..., Any]", builder)


def standard_params(values: Mapping[str, Any]) -> TrialParams:
    """The standard parameters among a trial's values (every family's), validated."""
    checked = {k: PARAMS[k].check(v) for k, v in values.items() if k in PARAMS}
    return TrialParams(**checked)


@dataclasses.dataclass(frozen=True)
class CustomModel:
    """One trial's builder call, as a seed worker needs it (plain data, picklable).

    Attributes:
        target: ``"module:function"``.
        values: Every parameter passed to the builder (standard and declared ones).
        folder: The folder the run started in, from which the builder is imported.
    """

    target: str
    values: Mapping[str, Any]
    folder: str

    def build(self, data: TaskData) -> Any:
        """Call the builder and check what it returns.

        Raises:
            TypeError: Not a ``keras.Model``.
            ValueError: Its output shape does not fit the task.
        """
        from study.engine import checked_model

        builder = load_builder(self.target, self.folder)
        return checked_model(builder, dict(self.values), data, Output.of(data))

    def train(
        self,
        data: TaskData,
        seeds: tuple[int, ...],
        chunk_epochs: int,
        monitor: TrainingMonitor | None,
    ) -> list[SeedCurves]:
        """Train the built model for every seed (see :func:`study.engine.train_custom`)."""
        from study.engine import train_custom

        return train_custom(self, data, seeds, chunk_epochs=chunk_epochs, monitor=monitor)


def builder_values(fixed: Mapping[str, Any], sampled: Mapping[str, Any]) -> dict[str, Any]:
    """Every value a builder receives: standard parameters (defaults filled) and declared ones.

    Raises:
        ValueError: A standard parameter out of its range.
    """
    values = {**fixed, **sampled}
    standard = standard_params(values).to_dict()
    return {**standard, **{k: v for k, v in values.items() if k not in PARAMS}}


TRAINING_PARAMS = ("epochs", "batch_size", "optimizer", "learning_rate")
"""Standard parameters the training loop of a builder's model reads itself (the optimizer and
its learning rate train a model the builder returns uncompiled)."""


def declared_values(values: Mapping[str, Any], declared: Collection[str]) -> dict[str, Any]:
    """The values a trial of a builder's model stores and shows.

    Args:
        values: Every value the builder receives (:func:`builder_values`).
        declared: The parameters the space's ``[params]`` table (or ``--set``) names.

    Returns:
        The declared values, the builder's own ones and the :data:`TRAINING_PARAMS`, in the
        order of ``values``; the other standard parameters' defaults are left out.
    """
    return {
        k: v for k, v in values.items() if k in declared or k in TRAINING_PARAMS or k not in PARAMS
    }


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


def validate_builder(target: str, values: Mapping[str, Any], data: TaskData) -> None:
    """Build the model once for ``values`` before any trial, so a bad builder stops the run.

    Raises:
        InputError: The builder cannot be imported, raises, returns something other than a
            ``keras.Model`` or a model whose output does not fit the task.
    """
    model = CustomModel(target, dict(values), os.getcwd())
    try:
        model.build(data)
    except InputError:
        raise
    except Exception as e:  # Whatever the user's builder raises is reported as its problem.
        raise InputError(
            f"`model` {target}: building the model for {dict(values)} failed: "
            f"{type(e).__name__}: {e}"
        ) from None
