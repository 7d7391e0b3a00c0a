"""Loading and building a user's own Keras model (a builder's) for the task's data.

The builder ``module:function`` is imported from the folder the run started in and called with
the trial's values, the shape of one sample and the task's output head; what it returns is
checked against the task before it trains (:mod:`study.engine._custom` trains it).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

import keras

from study.builders import CustomModel, Output, standard_params
from study.errors import InputError
from study.models import make_optimizer
from study.tasks import TaskData

__all__ = [
    "build_compiled_model",
    "build_model",
    "checked_model",
    "load_builder",
    "validate_builder",
]


def load_builder(target: str, folder: str) -> Callable[..., Any]:
    """Import the builder ``module:function``, with ``folder`` importable.

    Raises:
        InputError: The module does not import, or has no such callable.
    """
    module_name, function = target.split(":")
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


def build_model(custom: CustomModel, data: TaskData) -> keras.Model:
    """Call the builder of ``custom`` for ``data`` and check what it returns.

    Raises:
        InputError: The builder cannot be imported.
        TypeError: It does not return a ``keras.Model``.
        ValueError: Its model does not fit the task (see :func:`checked_model`).
    """
    builder = load_builder(custom.target, custom.folder)
    return checked_model(builder, dict(custom.values), data, Output.of(data))


def build_compiled_model(custom: CustomModel, data: TaskData) -> keras.Model:
    """Build the builder's model as :func:`train_custom` trains it, compiled for ``evaluate``.

    A model the builder compiled keeps its optimizer and loss; another is compiled with those
    the engine trains it with (the trial's optimizer and the task's loss).
    """
    model = build_model(custom, data)
    if getattr(model, "optimizer", None) is None:
        metrics = ["accuracy"] if data.kind != "regression" else None
        optimizer = make_optimizer(standard_params(custom.values))
        model.compile(optimizer=optimizer, loss=data.loss, metrics=metrics)
    return model


def validate_builder(target: str, values: Mapping[str, Any], data: TaskData) -> None:
    """Build the model once for ``values`` before any trial, so a bad builder stops the run.

    Raises:
        InputError: The builder cannot be imported, raises, returns something other than a
            ``keras.Model`` or a model whose output does not fit the task.
    """
    custom = CustomModel(target, dict(values), os.getcwd())
    try:
        build_model(custom, data)
    except InputError:
        raise
    except Exception as e:  # Whatever the user's builder raises is reported as its problem.
        raise InputError(
            f"`model` {target}: building the model for {dict(values)} failed: "
            f"{type(e).__name__}: {e}"
        ) from None


def checked_model(
    builder: Callable[..., Any], values: dict[str, Any], data: TaskData, output: Output
) -> keras.Model:
    """Call ``builder(values, input_shape, output)`` and check the model it returns.

    Raises:
        RuntimeError: The builder called ``sys.exit``.
        TypeError: It did not return a ``keras.Model``.
        ValueError: It does not take one input of the task's sample shape, or its output
            shape is not ``(batch, output.units)``.
    """
    input_shape = tuple(int(d) for d in data.x_train.shape[1:])
    try:
        model = builder(values, input_shape, output)
    except SystemExit as e:  # The user's code must not end the run (or a seed worker).
        called = "sys.exit()" if e.code is None else f"sys.exit({e.code!r})"
        raise RuntimeError(f"the model builder called {called}") from None
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"the builder must return a keras.Model, but returned a {type(model).__name__}; "
            "end it with `return keras.Model(inputs, outputs)`."
        )
    _check_inputs(model, input_shape)
    shape = tuple(model.outputs[0].shape) if model.outputs else ()
    if len(model.outputs) != 1 or len(shape) != 2 or shape[-1] != output.units:
        raise ValueError(
            f"the builder's model must output shape (batch, {output.units}) for this "
            f"{output.kind} task, but outputs {shape}; end it with "
            f"Dense({output.units}, activation={output.activation!r})."
        )
    return model


def _check_inputs(model: keras.Model, input_shape: tuple[int, ...]) -> None:
    """Refuse a model that cannot take the task's samples: the trainer feeds it one array.

    A model without symbolic inputs (a subclassed one not yet called) is left to training.
    """
    try:
        inputs = list(model.inputs or [])
    except AttributeError:
        return
    if not inputs:
        return
    shapes = [tuple(i.shape[1:]) for i in inputs]
    fits = (
        len(shapes) == 1
        and len(shapes[0]) == len(input_shape)
        and all(d is None or d == want for d, want in zip(shapes[0], input_shape, strict=True))
    )
    if not fits:
        got = ", ".join(f"(batch, {', '.join(map(str, s))})" for s in shapes)
        raise ValueError(
            f"the builder's model must take one input of shape (batch, "
            f"{', '.join(map(str, input_shape))}) (the task's samples), but takes {got}; "
            "build it on a single keras.Input(input_shape)."
        )
