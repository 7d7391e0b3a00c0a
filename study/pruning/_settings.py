"""Settings of the pruners, as the ``[pruner]`` table of a search space gives them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import optuna

from study.validation import check_bool, check_choice, check_int, check_mapping, check_number

WRAPPABLE: dict[str, type[optuna.pruners.BasePruner]] = {
    "none": optuna.pruners.NopPruner,
    "median": optuna.pruners.MedianPruner,
    "percentile": optuna.pruners.PercentilePruner,
    "hyperband": optuna.pruners.HyperbandPruner,
    "successive_halving": optuna.pruners.SuccessiveHalvingPruner,
    "threshold": optuna.pruners.ThresholdPruner,
}
"""Optuna pruners the overfit pruner can wrap (prune when overfit *or* when it says so)."""


def _past_warmup(epoch: int, planned: int, warmup_epochs: int, warmup_fraction: float) -> bool:
    """Whether a rule may decide at ``epoch``: past its warm-up, and before the planned end.

    The warm-up is ``warmup_epochs`` and at least ``warmup_fraction`` of the ``planned``
    epochs (a curve's shape, or a forecast, is read relative to its length). At the planned
    end training is over: stopping then would save nothing.
    """
    warm = epoch >= max(warmup_epochs, warmup_fraction * planned, 1)
    return warm and epoch < planned


@dataclasses.dataclass(frozen=True)
class WillNotWinSettings:
    """When a trial may be stopped for not being able to beat the incumbent.

    Attributes:
        warmup_epochs: No decision before this many epochs.
        warmup_fraction: Nor before this fraction of the planned epochs: a forecast from the
            first steep epochs says little of the end.
        threshold: Stop when the probability of beating the incumbent is below this, in
            (0, 1).
        min_seeds: Fewest seeds shared with the incumbent, with finite curves, for a decision.

    The defaults are those of ``benchmarks/pruner_replay.py --tune`` that saved the most
    seed-epochs on its tuning datasets while never stopping the eventual winner and stopping
    at most one in five of the configurations within the winner's interval.
    """

    warmup_epochs: int = 10
    warmup_fraction: float = 0.2
    threshold: float = 0.1
    min_seeds: int = 2

    def __post_init__(self) -> None:
        check_int("warmup_epochs", self.warmup_epochs, low=0)
        check_number("warmup_fraction", self.warmup_fraction, low=0, high=1, high_inclusive=False)
        check_number(
            "threshold", self.threshold, low=0, high=1, low_inclusive=False, high_inclusive=False
        )
        check_int("min_seeds", self.min_seeds, low=1)

    def past_warmup(self, epoch: int, planned: int) -> bool:
        """Whether the will-not-win rule may decide at ``epoch`` of ``planned`` epochs."""
        return _past_warmup(epoch, planned, self.warmup_epochs, self.warmup_fraction)

    def get_config(self) -> dict[str, Any]:
        """The settings as a JSON-able dict; :meth:`from_config` reads it back."""
        return dataclasses.asdict(self)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WillNotWinSettings:
        """Build from what :meth:`get_config` produced (or a TOML table of the same keys).

        Raises:
            ValueError: An unknown key or a bad value, naming the key and the fix.
        """
        fields = [f.name for f in dataclasses.fields(cls)]
        for key in config:
            if key not in fields:
                raise ValueError(f"unknown key `{key}`; the keys are: {', '.join(fields)}.")
        return cls(**dict(config))


@dataclasses.dataclass(frozen=True)
class PrunerSettings:
    """When a trial counts as overfit enough to stop, and which other rules may stop it.

    Attributes:
        enabled: Prune trials at all: with ``false`` no rule stops a trial (the wrapped
            pruner and ``will_not_win`` included).
        warmup_epochs: No decision before this many epochs.
        warmup_fraction: Nor before this fraction of the planned epochs: a curve's shape is
            read relative to its length.
        patience: Epochs the smoothed validation loss must stay risen above its minimum (or,
            while training loss goes on towards zero, stalled since it); a flat stretch or a
            short bump is not a rise.
        rise_ratio: How far above its minimum the smoothed validation loss must stay: 1.05
            is 5 % (log scale), plus the diagnosis's noise margin.
        min_agreement: Share of the seeds that must be overfit, in (0, 1].
        check_every: Epochs between two checks of the live curves, at most.
        min_checks: Checks a trial gets at least: a trial planned for fewer than
            ``check_every * min_checks`` epochs is checked every ``planned // min_checks``
            epochs (at least every epoch), so a sweep of short trials is pruned too. On the
            replayed corpora (configurations of 15 to 300 epochs) ten checks raised the
            will-not-win seed-epochs saved from 11-22 % to 14-30 % and stopped no winner.
        wrap: An Optuna pruner to combine with (``none``, ``median``, ``percentile``,
            ``hyperband``, ``successive_halving``, ``threshold``).
        wrap_options: Keyword arguments of the wrapped pruner.
        will_not_win: Also stop a trial that is very unlikely to beat the best complete
            trial so far (see :func:`~study.pruning.decide_will_not_win`). On by default:
            replaying full-length studies of two corpora (``benchmarks/pruner_replay.py``:
            scikit-learn MLPs, and Keras LSTMs and GRUs), it never stopped the eventual
            winner, held-out datasets included, and saved 14-32 % of the seed-epochs; it
            does stop some configurations the seeds cannot tell apart from the winner.
        will_not_win_options: :class:`WillNotWinSettings` keys (``warmup_epochs``,
            ``warmup_fraction``, ``threshold``, ``min_seeds``).
    """

    enabled: bool = True
    warmup_epochs: int = 50
    warmup_fraction: float = 0.1
    patience: int = 100
    rise_ratio: float = 1.05
    min_agreement: float = 0.6
    check_every: int = 50
    min_checks: int = 10
    wrap: str = "none"
    wrap_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    will_not_win: bool = True
    will_not_win_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        check_bool("enabled", self.enabled)
        check_int("warmup_epochs", self.warmup_epochs, low=0)
        check_number("warmup_fraction", self.warmup_fraction, low=0, high=1, high_inclusive=False)
        check_int("patience", self.patience, low=1)
        check_number("rise_ratio", self.rise_ratio, low=1, low_inclusive=False)
        check_number("min_agreement", self.min_agreement, low=0, high=1, low_inclusive=False)
        check_int("check_every", self.check_every, low=1)
        check_int("min_checks", self.min_checks, low=1)
        check_choice("wrap", self.wrap, tuple(WRAPPABLE))
        check_mapping("wrap_options", self.wrap_options)
        self.wrapped()  # Let Optuna validate the wrapped pruner's options now.
        check_bool("will_not_win", self.will_not_win)
        check_mapping("will_not_win_options", self.will_not_win_options)
        self.will_not_win_settings()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> PrunerSettings:
        """Build from a ``[pruner]`` table.

        Raises:
            ValueError: An unknown key or a bad value, naming the key and the fix.
        """
        fields = [f.name for f in dataclasses.fields(cls)]
        for key in table:
            if key not in fields:
                known = ", ".join(fields)
                raise ValueError(f"unknown key `{key}`; the keys are: {known}.")
        return cls(**dict(table))

    def get_config(self) -> dict[str, Any]:
        """The settings as a JSON-able dict; :meth:`from_mapping` reads it back."""
        config = dataclasses.asdict(self)
        config["wrap_options"] = dict(self.wrap_options)
        config["will_not_win_options"] = dict(self.will_not_win_options)
        return config

    def check_interval(self, planned: int | None) -> int:
        """Epochs between two checks of a trial planned for ``planned`` epochs.

        ``check_every``, or less when that would give the trial fewer than ``min_checks``
        checks; ``check_every`` when the planned epochs are unknown (``None`` or 0).
        """
        if not planned:
            return self.check_every
        return max(1, min(self.check_every, planned // self.min_checks))

    def past_warmup(self, epoch: int, planned: int) -> bool:
        """Whether the overfit rule may decide at ``epoch`` of ``planned`` epochs."""
        return _past_warmup(epoch, planned, self.warmup_epochs, self.warmup_fraction)

    def will_not_win_settings(self) -> WillNotWinSettings | None:
        """The will-not-win rule's settings, or ``None`` when the rule is off.

        Raises:
            ValueError: ``will_not_win_options`` with an unknown key or a bad value.
        """
        try:
            settings = WillNotWinSettings.from_config(self.will_not_win_options)
        except (TypeError, ValueError) as e:
            raise ValueError(f"`will_not_win_options`: {e}") from None
        return settings if self.will_not_win else None

    def wrapped(self) -> optuna.pruners.BasePruner | None:
        """Build the wrapped Optuna pruner, or ``None``.

        Raises:
            ValueError: Options the wrapped pruner does not accept.
        """
        if self.wrap == "none":
            return None
        try:
            return WRAPPABLE[self.wrap](**dict(self.wrap_options))
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"`wrap_options` are not valid for the {self.wrap} pruner: {e}"
            ) from None
