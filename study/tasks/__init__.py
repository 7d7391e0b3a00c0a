"""Tasks: the data a study trains on.

Built-in tasks are generated in code or shipped inside scikit-learn, so nothing is downloaded:
``sequence`` (the tiny next-value problem), ``sine`` (a noisy series in lookback windows),
``moons`` (two moons, 30 train / 70 validate), ``breast_cancer`` and ``wine`` (real tabular
data). ``csv`` reads the user's own file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from study.errors import InputError
from study.params import Family
from study.tasks._base import LossName, Standardisation, TaskData, TaskKind
from study.tasks._builtin import BUILTIN, CHECKS
from study.tasks._csv import CSV_OPTIONS, load_csv_source
from study.tasks._source import TaskSource
from study.tasks._spec import TaskSpec, resolve_options

__all__ = [
    "TASK_NAMES",
    "LossName",
    "Standardisation",
    "TaskData",
    "TaskKind",
    "TaskSource",
    "TaskSpec",
    "check_family",
    "load_source",
    "load_task",
    "make_spec",
]

TASK_NAMES: tuple[str, ...] = (*BUILTIN, "csv")
"""Every task name a search space may use."""
_SEQUENCE_TASKS = ("sequence", "sine")


def make_spec(value: Any, base_dir: Path = Path(".")) -> TaskSpec:
    """Validate a task reference from a search space.

    Args:
        value: A task name (``"moons"``), or a table with ``name`` and options, or a table
            with ``csv`` and ``target`` for the user's own data.
        base_dir: Directory that a relative ``csv`` path is resolved against.

    Raises:
        InputError: An unknown task, an unknown option or an invalid option value.
    """
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        raise InputError(
            f"`task` must be a task name or a table, but got task={value!r}; "
            f"known tasks: {', '.join(TASK_NAMES)}."
        )
    options = dict(value)
    name = str(options.pop("name", "csv" if "csv" in options else ""))
    if name == "csv":
        return TaskSpec("csv", resolve_options("csv", options, CSV_OPTIONS), base_dir)
    if name not in BUILTIN:
        raise InputError(
            f"unknown task {name!r}; use one of {', '.join(TASK_NAMES)} "
            '(or task = {csv = "file.csv", target = "column"} for your own data).'
        )
    resolved = resolve_options(name, options, BUILTIN[name][1])
    if name in CHECKS:
        CHECKS[name](resolved)
    return TaskSpec(name, resolved, base_dir)


def check_family(spec: TaskSpec, family: Family) -> None:
    """Raise :class:`InputError` if ``family`` cannot train on ``spec``'s data."""
    sequential = spec.name in _SEQUENCE_TASKS or (
        spec.name == "csv" and int(spec.options["lookback"]) > 0
    )
    if family == "lstm" and not sequential:
        raise InputError(
            f"the lstm family needs sequence data, but task '{spec.label}' is tabular; "
            "use task sequence or sine, or a CSV task with `lookback` >= 1."
        )


def load_task(spec: TaskSpec | str, **options: Any) -> TaskData:
    """Load a task's data: training and validation, at the task's own lookback.

    Args:
        spec: A validated :class:`TaskSpec`, or a task name (options as keywords).

    Raises:
        InputError: Bad options or a bad CSV file.
    """
    return load_source(spec, **options).data()


def load_source(spec: TaskSpec | str, **options: Any) -> TaskSource:
    """Load a task's data once, for a whole run: see :class:`TaskSource`.

    Args:
        spec: A validated :class:`TaskSpec`, or a task name (options as keywords).

    Raises:
        InputError: Bad options or a bad CSV file.
    """
    if isinstance(spec, str):
        spec = make_spec({"name": spec, **options})
    if spec.name == "csv":
        return load_csv_source(spec.options, spec.base_dir)
    builder, _ = BUILTIN[spec.name]
    return TaskSource(builder(spec.options))
