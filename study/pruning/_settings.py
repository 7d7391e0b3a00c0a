"""Settings of the overfit pruner, as the ``[pruner]`` table of a search space gives them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import optuna

from study.errors import InputError

WRAPPABLE: dict[str, type[optuna.pruners.BasePruner]] = {
    "none": optuna.pruners.NopPruner,
    "median": optuna.pruners.MedianPruner,
    "percentile": optuna.pruners.PercentilePruner,
    "hyperband": optuna.pruners.HyperbandPruner,
    "successive_halving": optuna.pruners.SuccessiveHalvingPruner,
    "threshold": optuna.pruners.ThresholdPruner,
}
"""Optuna pruners the overfit pruner can wrap (prune when overfit *or* when it says so)."""


@dataclasses.dataclass(frozen=True)
class PrunerSettings:
    """When a trial counts as overfit enough to stop.

    Attributes:
        enabled: Prune overfit trials at all.
        warmup_epochs: No decision before this many epochs.
        warmup_fraction: Nor before this fraction of the planned epochs: a curve's shape is
            read relative to its length.
        patience: Epochs the smoothed validation loss must stay risen above its minimum (or,
            while training loss goes on towards zero, stalled since it); a flat stretch or a
            short bump is not a rise.
        rise_ratio: How far above its minimum the smoothed validation loss must stay: 1.05
            is 5 % (log scale), plus the diagnosis's noise margin.
        min_agreement: Share of the seeds that must be overfit, in (0, 1].
        check_every: Epochs between two checks of the live curves.
        wrap: An Optuna pruner to combine with (``none``, ``median``, ``percentile``,
            ``hyperband``, ``successive_halving``, ``threshold``).
        wrap_options: Keyword arguments of the wrapped pruner.
    """

    enabled: bool = True
    warmup_epochs: int = 50
    warmup_fraction: float = 0.1
    patience: int = 100
    rise_ratio: float = 1.05
    min_agreement: float = 0.6
    check_every: int = 50
    wrap: str = "none"
    wrap_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> PrunerSettings:
        """Validate a ``[pruner]`` table.

        Raises:
            InputError: An unknown key or a bad value, naming the key and the fix.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in table.items():
            if key not in fields:
                raise InputError(
                    f"unknown key `[pruner] {key}`; the keys are: {', '.join(fields)}."
                )
            _check(key, value)
        settings = cls(**dict(table))
        settings.wrapped()  # Let Optuna validate the wrapped pruner's options now.
        return settings

    def wrapped(self) -> optuna.pruners.BasePruner | None:
        """Build the wrapped Optuna pruner, or ``None``.

        Raises:
            InputError: Options the wrapped pruner does not accept.
        """
        if self.wrap == "none":
            return None
        try:
            return WRAPPABLE[self.wrap](**dict(self.wrap_options))
        except (TypeError, ValueError) as e:
            raise InputError(
                f"`[pruner] wrap_options` are not valid for the {self.wrap} pruner: {e}"
            ) from None


_WRAP_NAMES = ", ".join(WRAPPABLE)


def _check(key: str, value: Any) -> None:
    rules: dict[str, tuple[Callable[[Any], bool], str]] = {
        "enabled": (lambda v: isinstance(v, bool), "true or false"),
        "warmup_epochs": (lambda v: _int(v) and v >= 0, "an integer >= 0"),
        "warmup_fraction": (lambda v: _num(v) and 0 <= v < 1, "a number from 0 to below 1"),
        "patience": (lambda v: _int(v) and v >= 1, "an integer >= 1"),
        "rise_ratio": (lambda v: _num(v) and v > 1, "a number > 1"),
        "min_agreement": (lambda v: _num(v) and 0 < v <= 1, "a number above 0 and at most 1"),
        "check_every": (lambda v: _int(v) and v >= 1, "an integer >= 1"),
        "wrap": (lambda v: isinstance(v, str) and v in WRAPPABLE, "one of " + _WRAP_NAMES),
        "wrap_options": (lambda v: isinstance(v, Mapping), "a table of the wrapped pruner's keys"),
    }
    valid, expected = rules[key]
    if not valid(value):
        raise InputError(f"`[pruner] {key}` must be {expected}, but got {key}={value!r}.")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
