"""Read and validate a search-space file (TOML). Files are parsed, never executed."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from study.errors import InputError
from study.files import read_capped
from study.objectives import OBJECTIVES
from study.params import FAMILIES, PARAMS, Family, param_definition, params_for
from study.space._builder import check_target, custom_family, user_param
from study.space._model import (
    MAX_SAMPLER_SEED,
    MAX_SEEDS,
    Choices,
    Range,
    Searched,
    SearchSpace,
)
from study.space._overrides import parse_overrides
from study.tasks import TaskSpec, check_family, make_spec
from study.validation import check_bool, check_int, check_number, check_scalar, check_span

_TOP_KEYS = (
    "description",
    "family",
    "task",
    "seeds",
    "objective",
    "sampler_seed",
    "params",
    "diagnosis",
    "pruner",
    "model",
)
MAX_SPACE_BYTES = 1_000_000
"""Largest search-space file read (it is stored with the study, so it must stay small)."""


def load_space(
    path: str | Path,
    *,
    overrides: Mapping[str, str] | None = None,
    seeds: int | None = None,
) -> SearchSpace:
    """Read, validate and resolve a search-space file.

    Args:
        path: The TOML file.
        overrides: ``--set NAME=VALUE`` pairs: each fixes a parameter for this run.
        seeds: Seeds per trial from the command line, overriding the file's ``seeds``.

    Raises:
        InputError: Any problem, as one line naming the file, the key and the fix.
    """
    path = Path(path)
    try:
        data = read_capped(
            path,
            cap=MAX_SPACE_BYTES,
            what="search-space file",
            fix="keep data in a CSV file (task = { csv = ... }).",
        )
        # utf-8-sig: editors on Windows save TOML with a byte-order mark.
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(
            f"{path}: search-space file not found; pass an existing file with --space "
            "(see search_spaces/)."
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the search-space file ({e}).") from None
    return parse_space(text, path, overrides=overrides, seeds=seeds)


def parse_space(
    text: str,
    path: Path,
    *,
    overrides: Mapping[str, str] | None = None,
    seeds: int | None = None,
) -> SearchSpace:
    """Validate a search space given as TOML text; see :func:`load_space`.

    A ``model = "module:function"`` is checked for its form only: reading a space never runs
    code (a run imports the builder when it checks it, :func:`study.engine.validate_builder`).
    """
    text = text.removeprefix("\ufeff")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: TOML syntax error: {e}; fix the file.") from None
    try:
        return _build(doc, text, path, overrides or {}, seeds)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None


def _build(
    doc: dict[str, Any],
    text: str,
    path: Path,
    overrides: Mapping[str, str],
    seeds: int | None,
) -> SearchSpace:
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        raise InputError(f"unknown key `{unknown[0]}`; the keys are: {', '.join(_TOP_KEYS)}.")
    # A built-in family is checked before the task, so an empty file asks for it first.
    builtin = None if "model" in doc else _family(doc.get("family"))
    params = _table(doc, "params")
    lookback = params.pop("lookback", None)
    raw_task = _required(doc, "task")
    if isinstance(raw_task, Mapping) and isinstance(raw_task.get("lookback"), Mapping):
        raise InputError(
            "`task.lookback` must be a whole number; to search the window, move it to "
            "[params]: lookback = { choices = [12, 24, 48] }."
        )
    task = make_spec(raw_task, base_dir=path.parent.resolve())
    if lookback is not None:
        task, lookback = _lookback(doc["task"], task, lookback)
    if builtin is None:  # The user's own model: see study.builders.
        family, searched, fixed = _custom_params(params, doc, task)
    else:
        family = builtin
        check_family(task, family)
        searched, fixed = _params(family, params)
    if isinstance(lookback, Range | Choices):
        searched["lookback"] = lookback
    declared = {**searched, **fixed}
    own = {} if builtin is not None else {n: v for n, v in declared.items() if n not in PARAMS}
    typed_overrides = parse_overrides(family, overrides, own=own)
    for name, value in typed_overrides.items():
        searched.pop(name, None)
        fixed[name] = value
    return SearchSpace(
        family=family,
        task=task,
        seeds=_seeds(doc.get("seeds", 3) if seeds is None else seeds, seeds is not None),
        objective=_objective(doc.get("objective", "final_val_loss")),
        searched=searched,
        fixed=fixed,
        overrides=typed_overrides,
        diagnosis=_table(doc, "diagnosis"),
        pruner=_table(doc, "pruner"),
        sampler_seed=_int(
            doc.get("sampler_seed", 0), "sampler_seed", low=0, high=MAX_SAMPLER_SEED
        ),
        path=path,
        text=text,
        model=doc.get("model"),
    )


def _lookback(raw: Any, task: TaskSpec, entry: Any) -> tuple[TaskSpec, Searched | int]:
    """Fold ``params.lookback`` into the task: a fixed one is the task's lookback; a searched
    one makes the task's lookback its longest value, which the series must hold."""
    if task.name != "csv":
        raise InputError(
            "`params.lookback` needs a CSV series task, e.g. "
            'task = {csv = "data.csv", target = "y", lookback = 12}.'
        )
    if isinstance(raw, Mapping) and "lookback" in raw:
        raise InputError(
            "`lookback` is set both in [task] and in [params]; keep one of them "
            "(in [params] it may be searched: lookback = {choices = [12, 24, 48]})."
        )
    value = _searched("lookback", entry) if isinstance(entry, Mapping) else None
    if isinstance(value, Range):
        longest = int(value.high)
    elif isinstance(value, Choices):
        longest = max(int(v) for v in value.values)
    else:
        longest = _check("lookback", entry, "params.lookback")
    spec = make_spec({**task.to_dict(), "lookback": longest}, base_dir=task.base_dir)
    return spec, longest if value is None else value


def _custom_params(
    table: Mapping[str, Any], doc: Mapping[str, Any], task: Any
) -> tuple[Family, dict[str, Searched], dict[str, Any]]:
    """The parameters of a space with a builder: every standard one, and its own ones."""
    check_target(doc["model"])
    family = custom_family(task, doc.get("family"))
    searched: dict[str, Searched] = {}
    fixed: dict[str, Any] = {}
    for name, entry in table.items():
        if name in PARAMS:
            home = family if family in PARAMS[name].families else PARAMS[name].families[0]
            more_searched, more_fixed = _params(home, {name: entry})
            searched.update(more_searched)
            fixed.update(more_fixed)
            continue
        is_searched, value = user_param(name, entry)
        _check_storable(name, value)
        (searched if is_searched else fixed)[name] = value
    return family, searched, fixed


def _check_storable(name: str, value: Any) -> None:
    """Refuse a builder parameter that the study could create but not sample or store."""
    key = f"params.{name}"
    if isinstance(value, Choices):
        for choice in value.values:
            _valid(check_scalar, f"{key}.choices", choice)
    elif isinstance(value, Range):
        _valid(check_span, key, value.low, high=value.high)


def _params(
    family: Family, table: Mapping[str, Any]
) -> tuple[dict[str, Searched], dict[str, Any]]:
    allowed = params_for(family)
    searched: dict[str, Searched] = {}
    fixed: dict[str, Any] = {}
    for name, entry in table.items():
        if name not in allowed:
            where = "the " + family + " family" if name in PARAMS else "any family"
            raise InputError(
                f"`params.{name}` is not a parameter of {where}; use one of {', '.join(allowed)}."
            )
        if isinstance(entry, Mapping):
            searched[name] = _searched(name, entry)
        else:
            fixed[name] = _check(name, entry, f"params.{name}")
    return searched, fixed


def _searched(name: str, entry: Mapping[str, Any]) -> Searched:
    key = f"params.{name}"
    if "choices" in entry:
        extra = [k for k in entry if k != "choices"]
        choices = entry["choices"]
        if extra:
            raise InputError(f"`{key}` has both `choices` and `{extra[0]}`; use one or the other.")
        if not isinstance(choices, list) or not choices:
            raise InputError(f"`{key}.choices` must be a non-empty list, but got {choices!r}.")
        return Choices(tuple(_check(name, c, f"{key}.choices") for c in choices))
    return _range(name, key, entry)


def _range(name: str, key: str, entry: Mapping[str, Any]) -> Range:
    definition = param_definition(name)
    extra = [k for k in entry if k not in ("low", "high", "log", "step")]
    if extra:
        raise InputError(
            f"unknown key `{key}.{extra[0]}`; a range has low, high, log, step "
            "(or use choices = [...])."
        )
    if definition.type in (str, bool):
        raise InputError(f"`{key}` is a choice; write {key} = {{choices = [...]}}.")
    if "low" not in entry or "high" not in entry:
        raise InputError(f"`{key}` needs both `low` and `high` (or a single value to fix it).")
    low = _check(name, entry["low"], f"{key}.low")
    high = _check(name, entry["high"], f"{key}.high")
    if low > high:
        raise InputError(f"`{key}` is an empty range: low={low} > high={high}; swap them.")
    log = _valid(check_bool, f"{key}.log", entry.get("log", False))
    if log and low <= 0:
        raise InputError(f"`{key}` has log = true, which needs low > 0, but got low={low}.")
    step = entry.get("step")
    if step is not None:
        step = _step(name, key, step, log)
    return Range(float(low), float(high), log=log, step=step)


def _step(name: str, key: str, step: Any, log: bool) -> float:
    if param_definition(name).type is int:
        step = _valid(check_int, f"{key}.step", step, low=1)
    else:
        step = _valid(check_number, f"{key}.step", step, low=0, low_inclusive=False)
    if log:
        raise InputError(f"`{key}` cannot have both log = true and a step; drop one.")
    return float(step)


def _check(name: str, value: Any, key: str) -> Any:
    try:
        return param_definition(name).check(value)
    except ValueError as e:
        raise InputError(f"`{key}`: {e}") from None


def _family(value: Any) -> Family:
    if value is None:
        raise InputError('missing key `family`; add family = "lstm" or family = "mlp".')
    if value not in FAMILIES:
        raise InputError(f'`family` must be "lstm" or "mlp", but got family={value!r}.')
    return cast(Family, value)


def _objective(value: Any) -> Any:
    if value not in OBJECTIVES:
        raise InputError(
            f"`objective` must be one of {', '.join(OBJECTIVES)}, but got objective={value!r}."
        )
    return value


def _seeds(value: Any, from_cli: bool) -> int:
    name = "--seeds" if from_cli else "seeds"
    return _int(value, name, low=1, high=MAX_SEEDS)


def _int(value: Any, name: str, *, low: int, high: int | None = None) -> int:
    return int(_valid(check_int, name, value, low=low, high=high))


def _valid(check: Callable[..., Any], name: str, value: Any, **bounds: Any) -> Any:
    """Apply a :mod:`study.validation` check; its ``ValueError`` becomes the user's error."""
    try:
        return check(name, value, **bounds)
    except ValueError as e:
        raise InputError(str(e)) from None


def _table(doc: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise InputError(f"`{key}` must be a table ([{key}]), but got {key}={value!r}.")
    return dict(value)


def _required(doc: Mapping[str, Any], key: str) -> Any:
    if key not in doc:
        raise InputError(f"missing key `{key}`; see search_spaces/ for examples.")
    return doc[key]
