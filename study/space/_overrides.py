"""``--set NAME=VALUE``: command-line strings turned into typed, validated parameter values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from study.errors import InputError
from study.params import PARAMS, Family, params_for
from study.space._model import Choices, Range


def parse_overrides(
    family: Family, overrides: Mapping[str, str], *, own: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Convert ``--set NAME=VALUE`` strings to typed, validated parameter values.

    Args:
        family: The space's family: which standard parameters exist.
        overrides: The ``NAME=VALUE`` strings, by name.
        own: A builder's own parameters as ``[params]`` declares them (a range, choices or a
            value): a value given for one takes the declared type.

    Raises:
        InputError: An unknown name, a name of another family, or a bad value.
    """
    allowed = params_for(family)
    own = own or {}
    out: dict[str, Any] = {}
    for name, raw in overrides.items():
        if name in own:
            out[name] = _own_value(name, raw, own[name])
            continue
        if name not in allowed:
            known = ", ".join([*allowed, *own])
            where = "the " + family + " family" if name in PARAMS else "any family"
            raise InputError(
                f"--set {name}={raw}: `{name}` is not a parameter of {where}; use one of {known}."
            )
        definition = allowed[name]
        value = _typed(definition.type, raw)
        try:
            out[name] = definition.check(value)
        except ValueError as e:
            raise InputError(f"--set {name}={raw}: {e}") from None
    return out


def _own_value(name: str, raw: str, declared: Any) -> Any:
    """A ``--set`` value for a builder's own parameter, of the type ``[params]`` declares."""
    if isinstance(declared, Choices):
        kind: type = type(declared.values[0])
    elif isinstance(declared, Range):
        kind = int if getattr(declared, "integer", False) else float
    else:
        kind = type(declared)
    value = _typed(kind, raw)
    if not isinstance(value, kind):
        raise InputError(
            f"--set {name}={raw}: `{name}` takes {_KIND_NAMES[kind]}, as `params.{name}` "
            f"declares; give one, e.g. --set {name}={_declared_example(declared)}."
        )
    return value


_KIND_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _declared_example(declared: Any) -> Any:
    """A value of a declared builder parameter, to show in a message."""
    if isinstance(declared, Choices):
        return declared.values[0]
    if isinstance(declared, Range):
        return int(declared.low) if getattr(declared, "integer", False) else declared.low
    return declared


def _typed(kind: type, raw: str) -> Any:
    """Convert a command-line string to ``kind``; leave it a string when it does not parse."""
    if kind is str:
        return raw
    if kind is bool:
        return {"true": True, "false": False}.get(raw.lower(), raw)
    try:
        number = float(raw)
    except ValueError:
        return raw
    if kind is int:
        return int(number) if number.is_integer() else raw
    return number
