"""The model parameters a study can search over, and the record of one trial's values.

Parameter names are part of the interface: search-space files, ``--set``, reports and JSON
output all use them. Each has a type, a default, a valid range and the model families it
applies to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from study.validation import (
    check_bool,
    check_choice,
    check_int,
    check_number,
)

Family = Literal["lstm", "mlp"]
FAMILIES: tuple[Family, ...] = ("lstm", "mlp")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adamw")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "gelu")
CELLS = ("lstm", "gru")
MAX_LOOKBACK = 10_000
"""Longest window a task may use: each sample holds ``lookback`` rows, so memory grows with it."""


@dataclasses.dataclass(frozen=True)
class ParamDef:
    """Definition of one model parameter.

    Attributes:
        name: The parameter's name as used in files and on the command line.
        type: ``int``, ``float``, ``bool`` or ``str`` (a choice among ``choices``).
        default: The value used when a search space neither fixes nor ranges over it.
        families: The model families the parameter applies to.
        low: Smallest valid value (numbers only).
        high: Largest valid value (numbers only). Every number has one, so a value that no
            machine could train (``units = 1e32``) is refused before any trial.
        high_inclusive: Whether ``high`` itself is valid.
        choices: The valid values (strings only).
        help: What the parameter does, for messages and documentation.
    """

    name: str
    type: type
    default: Any
    families: tuple[Family, ...]
    low: float | None = None
    high: float | None = None
    high_inclusive: bool = True
    choices: tuple[str, ...] = ()
    help: str = ""

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ``ValueError``.

        Raises:
            ValueError: With a message of the form "`units` must be ..., but got units=0.".
        """
        if self.type is str:
            return check_choice(self.name, value, self.choices)
        if self.type is bool:
            return check_bool(self.name, value)
        if self.type is int:
            return check_int(
                self.name, value, low=_int_or_none(self.low), high=_int_or_none(self.high)
            )
        return check_number(
            self.name, value, low=self.low, high=self.high, high_inclusive=self.high_inclusive
        )


PARAMS: dict[str, ParamDef] = {
    p.name: p
    for p in (
        ParamDef("units", int, 10, FAMILIES, low=1, high=4096, help="units per hidden layer"),
        ParamDef("layers", int, 1, FAMILIES, low=1, high=8, help="number of hidden layers"),
        ParamDef("epochs", int, 100, FAMILIES, low=1, high=100_000, help="epochs to train"),
        ParamDef(
            "dropout",
            float,
            0.0,
            FAMILIES,
            low=0.0,
            high=1.0,
            high_inclusive=False,
            help="dropout rate on each hidden layer's inputs (LSTM) or outputs (MLP)",
        ),
        ParamDef(
            "recurrent_dropout",
            float,
            0.0,
            ("lstm",),
            low=0.0,
            high=1.0,
            high_inclusive=False,
            help="dropout rate on the LSTM's recurrent state",
        ),
        ParamDef(
            "l2", float, 0.0, FAMILIES, low=0.0, high=100.0, help="L2 penalty on kernel weights"
        ),
        ParamDef(
            "learning_rate",
            float,
            0.001,
            FAMILIES,
            low=1e-12,
            high=10.0,
            help="optimizer step size",
        ),
        ParamDef(
            "batch_size",
            int,
            32,
            FAMILIES,
            low=1,
            high=1_048_576,
            help="samples per gradient step (larger than the data means full batch)",
        ),
        ParamDef("optimizer", str, "adam", FAMILIES, choices=OPTIMIZERS, help="optimizer"),
        ParamDef(
            "activation",
            str,
            "relu",
            ("mlp",),
            choices=ACTIVATIONS,
            help="hidden-layer activation of the MLP",
        ),
        ParamDef("cell", str, "lstm", ("lstm",), choices=CELLS, help="recurrent cell"),
        ParamDef(
            "bidirectional",
            bool,
            False,
            ("lstm",),
            help="run each recurrent layer in both directions and concatenate the outputs",
        ),
    )
}
"""Every parameter, by name."""

LOOKBACK = ParamDef(
    "lookback",
    int,
    1,
    FAMILIES,
    low=1,
    high=MAX_LOOKBACK,
    help="rows of a CSV series per window; searched, its windows are cut again per trial",
)
"""The data parameter of a CSV series task: searched or fixed in ``[params]`` like a model
parameter, but it shapes the task's windows, so it is not part of :class:`TrialParams`."""
DATA_PARAMS: dict[str, ParamDef] = {LOOKBACK.name: LOOKBACK}
"""Parameters of the data rather than the model, by name."""


def param_definition(name: str) -> ParamDef:
    """Return the definition of model or data parameter ``name``.

    Raises:
        KeyError: ``name`` is neither.
    """
    return PARAMS[name] if name in PARAMS else DATA_PARAMS[name]


def params_for(family: Family) -> dict[str, ParamDef]:
    """Return the parameters that apply to ``family``."""
    return {name: p for name, p in PARAMS.items() if family in p.families}


@dataclasses.dataclass(frozen=True)
class TrialParams:
    """The complete, validated parameter values of one trial.

    Every parameter has a value (sampled, fixed or default), so a trial can be reproduced from
    this record alone. ``recurrent_dropout`` is ignored by the MLP and ``activation`` by the
    LSTM; ``cell`` and ``bidirectional`` are ignored by the MLP. Every value is checked
    against its parameter's bounds (see :data:`PARAMS`).

    Raises:
        ValueError: A value outside its parameter's bounds.
    """

    units: int = 10
    layers: int = 1
    epochs: int = 100
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    l2: float = 0.0
    learning_rate: float = 0.001
    batch_size: int = 32
    optimizer: str = "adam"
    activation: str = "relu"
    cell: str = "lstm"
    bidirectional: bool = False

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if field.name in PARAMS:
                value = PARAMS[field.name].check(getattr(self, field.name))
                object.__setattr__(self, field.name, value)

    @classmethod
    def from_values(cls, family: Family, values: Mapping[str, Any]) -> TrialParams:
        """Build from a mapping of parameter values, filling defaults and validating each.

        Raises:
            ValueError: An unknown name, a name that does not apply to ``family``, or an
                invalid value.
        """
        allowed = params_for(family)
        checked: dict[str, Any] = {}
        for name, value in values.items():
            if name not in PARAMS:
                raise ValueError(
                    f"unknown parameter `{name}`; known parameters are " + ", ".join(allowed) + "."
                )
            if name not in allowed:
                raise ValueError(
                    f"parameter `{name}` does not apply to the {family} family; "
                    f"its parameters are " + ", ".join(allowed) + "."
                )
            checked[name] = PARAMS[name].check(value)
        return cls(**checked)

    def to_dict(self, family: Family | None = None) -> dict[str, Any]:
        """Return the values as a dict, limited to ``family``'s parameters when given."""
        values = dataclasses.asdict(self)
        if family is None:
            return values
        return {k: v for k, v in values.items() if family in PARAMS[k].families}


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)
