"""The typed form of a search space: what a trial samples and what is held fixed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import optuna

from study.builders import CustomModel, builder_values, standard_params
from study.objectives import OBJECTIVES, Objective
from study.params import DATA_PARAMS, Family, TrialParams, param_definition
from study.space._fingerprint import fingerprint, text_fingerprint
from study.tasks import TaskSpec
from study.validation import check_bool, check_choice, check_int, check_number

MAX_SEEDS = 256
"""Most seeds per trial."""
MAX_SAMPLER_SEED = 2**32 - 1
"""Largest sampler seed (NumPy's random generators take 32-bit seeds)."""


@dataclasses.dataclass(frozen=True)
class Range:
    """A numeric range a parameter is sampled from (``int`` or ``float`` by the parameter)."""

    low: float
    high: float
    log: bool = False
    step: float | None = None

    def __post_init__(self) -> None:
        check_number("low", self.low)
        check_number("high", self.high, low=self.low)
        check_bool("log", self.log)
        if self.log:
            check_number("low", self.low, low=0, low_inclusive=False)
        if self.step is not None:
            check_number("step", self.step, low=0, low_inclusive=False)
            if self.log:
                raise ValueError("a range cannot have both log = true and a step; drop one.")

    def distribution(self, name: str) -> optuna.distributions.BaseDistribution:
        """Return the Optuna distribution for parameter ``name``."""
        if param_definition(name).type is int:
            return optuna.distributions.IntDistribution(
                int(self.low), int(self.high), log=self.log, step=int(self.step or 1)
            )
        return optuna.distributions.FloatDistribution(
            self.low, self.high, log=self.log, step=self.step
        )

    def describe(self) -> str:
        """E.g. ``"1..64 log"`` or ``"0.0..0.5 step 0.1"``."""
        text = f"{_num(self.low)}..{_num(self.high)}"
        if self.log:
            text += " log"
        if self.step is not None:
            text += f" step {_num(self.step)}"
        return text


@dataclasses.dataclass(frozen=True)
class Choices:
    """A set of values a parameter is sampled from."""

    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("`choices` must be a non-empty list, but got choices=().")

    def distribution(self, name: str) -> optuna.distributions.BaseDistribution:
        """Return the Optuna distribution for parameter ``name``."""
        return optuna.distributions.CategoricalDistribution(self.values)

    def describe(self) -> str:
        """E.g. ``"adam | sgd"``."""
        return " | ".join(str(v) for v in self.values)


Searched = Range | Choices


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """A validated search space.

    Attributes:
        family: ``lstm`` or ``mlp``.
        task: The data to train on.
        seeds: Random seeds trained per trial.
        objective: What a trial's value is (mean over seeds).
        searched: The parameters sampled per trial, with their ranges.
        fixed: The parameters held at one value (from the file or ``--set``).
        overrides: The ``--set`` values among ``fixed``, kept so a resumed study can apply
            them again.
        diagnosis: Overrides of the diagnosis thresholds (the ``[diagnosis]`` table).
        pruner: Settings of the overfit pruner (the ``[pruner]`` table).
        sampler_seed: Seed of the sampler, so a study is reproducible.
        path: The file the space was read from.
        text: The file's text.
        model: The builder ``"module:function"`` of a space that trains the user's own model
            (see :mod:`study.builders`), else ``None``.
    """

    family: Family
    task: TaskSpec
    seeds: int
    objective: Objective
    searched: Mapping[str, Searched]
    fixed: Mapping[str, Any]
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    diagnosis: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    pruner: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    sampler_seed: int = 0
    path: Path = Path("<none>")
    text: str = ""
    model: str | None = None

    def __post_init__(self) -> None:
        check_int("seeds", self.seeds, low=1, high=MAX_SEEDS)
        check_choice("objective", self.objective, tuple(OBJECTIVES))
        check_int("sampler_seed", self.sampler_seed, low=0, high=MAX_SAMPLER_SEED)

    @property
    def direction(self) -> Literal["minimize", "maximize"]:
        """The objective's direction."""
        return OBJECTIVES[self.objective]

    def lookback(self, sampled: Mapping[str, Any]) -> int | None:
        """A trial's searched ``lookback``, or ``None`` when the task's own holds."""
        return None if "lookback" not in sampled else int(sampled["lookback"])

    def params_for(self, sampled: Mapping[str, Any]) -> TrialParams:
        """Complete a trial's sampled values with the fixed ones and the defaults."""
        sampled = _model_values(sampled)
        if self.model is not None:
            return standard_params({**self.fixed, **sampled})
        return TrialParams.from_values(self.family, {**self.fixed, **sampled})

    def custom_model(self, sampled: Mapping[str, Any]) -> CustomModel | None:
        """The builder call of a trial of a space with ``model``, else ``None``."""
        if self.model is None:
            return None
        values = builder_values(self.fixed, _model_values(sampled))
        return CustomModel(self.model, values, str(Path.cwd()))

    def distributions(self) -> dict[str, optuna.distributions.BaseDistribution]:
        """The Optuna distribution of each searched parameter."""
        return {name: s.distribution(name) for name, s in self.searched.items()}

    def describe_searched(self) -> dict[str, str]:
        """Each searched parameter with its range in words."""
        return {name: s.describe() for name, s in self.searched.items()}

    def fingerprint(self) -> str:
        """A canonical JSON text of everything that defines the study's trials.

        Two spaces with the same fingerprint sample the same parameters from the same
        distributions on the same data; resuming a study requires it to match (see
        :meth:`fingerprints`). Built from data, never from how a range is shown.
        """
        return fingerprint(self._definition(), self.distributions())

    def fingerprints(self) -> tuple[str, str]:
        """Every form of the fingerprint a stored study may hold: today's, then the earlier one.

        Studies stored before the fingerprint was built from the distributions hold their
        ranges in words; they resume when that form matches.
        """
        return self.fingerprint(), text_fingerprint(self._definition(), self.describe_searched())

    def _definition(self) -> dict[str, Any]:
        return {
            "family": self.family,
            **({"model": self.model} if self.model is not None else {}),
            "task": self.task.to_dict(),
            "seeds": self.seeds,
            "objective": self.objective,
            "fixed": dict(self.fixed),
            "diagnosis": dict(self.diagnosis),
            "pruner": dict(self.pruner),
        }


def _model_values(sampled: Mapping[str, Any]) -> dict[str, Any]:
    """The sampled values without those of the data (``lookback``), which shape the task."""
    return {k: v for k, v in sampled.items() if k not in DATA_PARAMS}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
