"""One pruning policy behind every adapter, on scripted curves (nothing trains)."""

from __future__ import annotations

import dataclasses
import io
import types
from collections.abc import Callable

import numpy as np
import optuna
import pytest

from study.curves import SeedCurves
from study.keras import OverfitPruningCallback
from study.pruning import (
    OverfitPruner,
    PruneDecision,
    PrunerSettings,
    PruningPolicy,
    WillNotWinSettings,
    decide_pruning,
)
from study.runner._live import LiveCheck
from study.runner._progress import Progress

EPOCHS = 400
PLANNED = 1000
SETTINGS = PrunerSettings(warmup_epochs=50, warmup_fraction=0.0, patience=50, check_every=25)


def _overfit(seed: int = 0) -> SeedCurves:
    """One seed whose validation loss turns near epoch 200 and keeps rising."""
    t = np.arange(EPOCHS)
    noise = 1 + 0.01 * np.random.default_rng(seed).standard_normal(EPOCHS)
    val = (0.2 + 0.8 * np.exp(-t / 50.0) + 0.002 * np.clip(t - 200, 0, None)) * noise
    train = 0.01 + np.exp(-t / 80.0)
    # As the Keras callback records it without training data: its training loss is Keras'.
    return SeedCurves(
        seed=seed, train_loss=train, val_loss=val, fit_loss=train, epochs_planned=PLANNED
    )


class _From(optuna.pruners.BasePruner):
    """An Optuna pruner that prunes every trial from step ``step`` on."""

    def __init__(self, step: int) -> None:
        self.step = step

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return (trial.last_step or 0) >= self.step


Stop = tuple[int, str | None, str | None]
"""Where an adapter stopped the trial: the epoch, and the reason and rule when it records them."""

Adapter = Callable[[PrunerSettings, SeedCurves, optuna.pruners.BasePruner | None], Stop | None]


def _runner(
    settings: PrunerSettings, curves: SeedCurves, pruner: optuna.pruners.BasePruner | None
) -> Stop | None:
    """The runner's live check, called at every epoch (the policy picks the checks)."""
    trial = optuna.create_study(pruner=pruner or optuna.pruners.NopPruner()).ask()
    progress = Progress(0, 1, stream=io.StringIO(), live=False)
    live = LiveCheck(trial, progress, PruningPolicy.of(settings, wrapped=pruner), PLANNED)
    for epoch in range(1, curves.epochs_trained + 1):
        if live([curves.truncated(epoch)]):
            assert live.pruned is not None
            return live.pruned.epoch, live.pruned.reason, live.pruned.by
    return None


def _keras(
    settings: PrunerSettings, curves: SeedCurves, pruner: optuna.pruners.BasePruner | None
) -> Stop | None:
    """The Keras callback, fed the curves as a ``model.fit``'s epoch logs."""
    trial = optuna.create_study(pruner=pruner or optuna.pruners.NopPruner()).ask()
    callback = OverfitPruningCallback(trial, settings=settings)
    callback.set_params({"epochs": PLANNED})
    callback.set_model(types.SimpleNamespace(stop_training=False))
    callback.on_train_begin()
    for epoch in range(curves.epochs_trained):
        logs = {"loss": float(curves.train_loss[epoch]), "val_loss": float(curves.val_loss[epoch])}
        try:
            callback.on_epoch_end(epoch, logs)
        except optuna.TrialPruned:
            assert callback.pruned is not None
            return callback.pruned.epoch, callback.pruned.reason, callback.pruned.by
    return None


def _optuna(
    settings: PrunerSettings, curves: SeedCurves, pruner: optuna.pruners.BasePruner | None
) -> Stop | None:
    """:class:`OverfitPruner` as a study's pruner, asked at every reported epoch."""
    live: list[SeedCurves] = []
    study = optuna.create_study(
        pruner=OverfitPruner(lambda study, trial: live, pruner, settings=settings)
    )
    trial = study.ask()
    for epoch in range(1, curves.epochs_trained + 1):
        live[:] = [curves.truncated(epoch)]
        trial.report(float(curves.val_loss[epoch - 1]), step=epoch)
        if trial.should_prune():
            return epoch, None, None  # An Optuna pruner answers yes or no: no record.
    return None


ADAPTERS = [_runner, _keras, _optuna]


def _policy_stop(policy: PruningPolicy, curves: SeedCurves) -> PruneDecision | None:
    """The policy's own first decision over the epochs of ``curves``, wrapped pruner silent."""
    for epoch in range(1, curves.epochs_trained + 1):
        decision = decide_pruning(policy, [curves.truncated(epoch)], epoch)
        if decision is not None:
            return decision
    return None


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_overfit_curves_stop_at_the_policys_epoch_through_every_adapter(adapter: Adapter) -> None:
    expected = _policy_stop(PruningPolicy(SETTINGS), _overfit())
    assert expected is not None
    stop = adapter(SETTINGS, _overfit(), None)
    assert stop is not None and stop[0] == expected.epoch


@pytest.mark.parametrize("adapter", [_runner, _keras])
def test_an_adapter_records_the_policys_reason_and_rule(adapter: Adapter) -> None:
    expected = _policy_stop(PruningPolicy(SETTINGS), _overfit())
    assert expected is not None
    assert adapter(SETTINGS, _overfit(), None) == (expected.epoch, expected.reason, "overfit")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_wrapped_pruner_stops_at_its_first_check_through_every_adapter(
    adapter: Adapter,
) -> None:
    stop = adapter(SETTINGS, _overfit(), _From(60))
    assert stop is not None and stop[0] == 75  # The first check (every 25 epochs) from 60.
    assert stop[2] in (None, "_From")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_disabled_pruning_never_prunes_through_any_adapter(adapter: Adapter) -> None:
    settings = PrunerSettings(enabled=False, warmup_epochs=50, patience=50, check_every=25)
    assert adapter(settings, _overfit(), _From(1)) is None


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_the_warmup_delays_the_overfit_rule_to_the_next_check_through_every_adapter(
    adapter: Adapter,
) -> None:
    # Without a warm-up the policy stops these curves at epoch 275.
    settings = PrunerSettings(warmup_epochs=290, warmup_fraction=0.0, patience=50, check_every=25)
    stop = adapter(settings, _overfit(), None)
    assert stop is not None and stop[0] == 300


def test_nothing_is_decided_between_checks() -> None:
    policy = PruningPolicy(SETTINGS, wrapped=_From(1))
    curves = [_overfit().truncated(74)]
    assert decide_pruning(policy, curves, 74, wrapped_says=True) is None


def test_the_wrapped_pruner_is_asked_only_at_a_check() -> None:
    asked: list[int] = []

    def says(step: int) -> Callable[[], bool]:
        return lambda: asked.append(step) is not None

    policy = PruningPolicy(SETTINGS, wrapped=_From(1))
    for step in (74, 75):
        decide_pruning(policy, [_overfit().truncated(step)], step, wrapped_says=says(step))
    assert asked == [75]


def test_a_wrapped_pruners_decision_names_what_the_trial_reported() -> None:
    policy = PruningPolicy(SETTINGS, wrapped=_From(1))
    decision = decide_pruning(
        policy, [_overfit().truncated(75)], 75, wrapped_says=True, reported="val_accuracy"
    )
    assert decision is not None and decision.reason.startswith("_From: val_accuracy at epoch 75")


def test_the_incumbent_is_not_looked_up_when_the_will_not_win_rule_is_off() -> None:
    def incumbent() -> list[SeedCurves]:
        raise AssertionError("looked up")

    curves = [_overfit().truncated(100)]
    assert decide_pruning(PruningPolicy(SETTINGS), curves, 100, incumbent=incumbent) is None


def test_a_policy_of_settings_carries_their_will_not_win_rule() -> None:
    settings = PrunerSettings(will_not_win=True, will_not_win_options={"threshold": 0.05})
    assert PruningPolicy.of(settings).will_not_win == WillNotWinSettings(threshold=0.05)


def test_a_disabled_policy_has_no_check_interval() -> None:
    assert PruningPolicy(PrunerSettings(enabled=False)).check_interval(400) is None


def test_a_trial_shorter_than_check_every_is_still_decided() -> None:
    # 40 planned epochs, checks every 50: without min_checks no check would ever fall.
    curves = [dataclasses.replace(_overfit().truncated(20), epochs_planned=40)]
    policy = PruningPolicy(SETTINGS, wrapped=_From(1))
    decision = decide_pruning(policy, curves, 20, wrapped_says=True)
    assert decision is not None and decision.by == "_From"
