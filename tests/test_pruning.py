from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest

from study.curves import SeedCurves
from study.pruning import (
    OverfitPruner,
    PrunerSettings,
    WillNotWinSettings,
    decide_overfit,
    wrapped_decision,
)

SETTINGS = PrunerSettings(warmup_epochs=50, patience=50, min_agreement=0.6)


def _curves(val: np.ndarray, train: np.ndarray, seed: int = 0, planned: int = 1000) -> SeedCurves:
    rng = np.random.default_rng(seed)
    noise = 1 + 0.01 * rng.standard_normal(len(val))
    return SeedCurves(seed=seed, train_loss=train, val_loss=val * noise, epochs_planned=planned)


def _falling(n: int, floor: float = 0.05) -> np.ndarray:
    t = np.arange(n)
    return floor + np.exp(-t / 80.0)


def _turning(n: int, minimum: int = 200, slope: float = 0.002) -> np.ndarray:
    t = np.arange(n)
    return 0.2 + 0.8 * np.exp(-t / 50.0) + slope * np.clip(t - minimum, 0, None)


def test_clear_turning_point_is_pruned_after_patience() -> None:
    seeds = [_curves(_turning(400), _falling(400, 0.01), s) for s in range(5)]
    decision = decide_overfit(seeds, SETTINGS)
    assert decision is not None
    assert decision.reason.startswith("overfit (turning_point) in 5 of 5 seeds at epoch 400")


def test_rise_shorter_than_patience_is_not_pruned() -> None:
    seeds = [_curves(_turning(215), _falling(215, 0.01), s) for s in range(5)]
    assert decide_overfit(seeds, SETTINGS) is None


def test_flat_stretch_that_recovers_is_not_pruned() -> None:
    # The two-moons trap: validation sits flat for 250 epochs while training falls moderately
    # (as it does before the true minimum); "no improvement" is not a rise.
    t = np.arange(450)
    val = np.where(t < 200, 0.3 + 0.7 * np.exp(-t / 40.0), 0.3 + 0.7 * np.exp(-200 / 40.0))
    seeds = [_curves(val, _falling(450, 0.1), s) for s in range(5)]
    assert decide_overfit(seeds, SETTINGS) is None


def test_still_improving_is_not_pruned() -> None:
    seeds = [_curves(_falling(500, 0.1), _falling(500, 0.05), s) for s in range(5)]
    assert decide_overfit(seeds, SETTINGS) is None


def test_memorising_is_pruned_once_validation_has_stalled_for_the_patience() -> None:
    # Training goes to near zero while validation stalls far above it and creeps up 5 %
    # (a flat validation beside a near-zero training loss is a good fit: nothing to gain).
    t = np.arange(600)
    creep = np.exp(np.log(1.05) * np.clip((t - 100) / 500, 0, 1))
    val = np.maximum(0.3 + 0.7 * np.exp(-t / 40.0), 0.32) * creep
    train = 1e-4 + np.exp(-t / 30.0)
    decision = decide_overfit([_curves(val, train, s) for s in range(3)], SETTINGS)
    assert decision is not None and "memorising" in decision.reason


def test_good_fit_is_not_pruned() -> None:
    seeds = [_curves(_falling(800, 0.1), _falling(800, 0.09), s) for s in range(5)]
    assert decide_overfit(seeds, SETTINGS) is None


def test_single_overfit_seed_is_outvoted() -> None:
    good = [_curves(_falling(500, 0.1), _falling(500, 0.09), s) for s in range(4)]
    bad = _curves(_turning(500), _falling(500, 0.01), 4)
    assert decide_overfit([*good, bad], SETTINGS) is None


def test_nothing_is_decided_during_warmup() -> None:
    settings = PrunerSettings(warmup_epochs=1000, patience=50)
    seeds = [_curves(_turning(400), _falling(400, 0.01), s) for s in range(3)]
    assert decide_overfit(seeds, settings) is None


def test_warmup_fraction_is_relative_to_planned_epochs() -> None:
    settings = PrunerSettings(warmup_epochs=0, warmup_fraction=0.5, patience=50)
    seeds = [_curves(_turning(400), _falling(400, 0.01), s, planned=1000) for s in range(3)]
    assert decide_overfit(seeds, settings) is None


def _frozen() -> optuna.trial.FrozenTrial:
    return optuna.trial.create_trial(value=1.0, intermediate_values={100: 1.0})


def test_pruner_adapter_decides_from_the_curves_it_is_given() -> None:
    live: dict[int, list[SeedCurves]] = {}
    pruner = OverfitPruner(lambda study, trial: live.get(trial.number, []), settings=SETTINGS)
    study, trial = optuna.create_study(), _frozen()
    assert not pruner.prune(study, trial)
    live[trial.number] = [_curves(_turning(400), _falling(400, 0.01), s) for s in range(3)]
    assert pruner.prune(study, trial)


class _Always(optuna.pruners.BasePruner):
    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return True


def test_wrapped_pruner_can_prune_on_its_own() -> None:
    pruner = OverfitPruner(lambda study, trial: [], _Always(), settings=SETTINGS)
    assert pruner.prune(optuna.create_study(), _frozen())


def test_disabled_pruner_prunes_no_overfit_trial() -> None:
    overfit = [_curves(_turning(400), _falling(400, 0.01), s) for s in range(3)]
    settings = PrunerSettings(enabled=False, warmup_epochs=50, patience=50)
    pruner = OverfitPruner(lambda study, trial: overfit, settings=settings)
    assert not pruner.prune(optuna.create_study(), _frozen())


def test_disabled_pruner_prunes_nothing_its_wrapped_pruner_would() -> None:
    settings = PrunerSettings(enabled=False)
    pruner = OverfitPruner(lambda study, trial: [], _Always(), settings=settings)
    assert not pruner.prune(optuna.create_study(), _frozen())


def test_wrapped_decision_names_what_was_compared() -> None:
    decision = wrapped_decision(_Always(), 150, "final_val_accuracy")
    assert decision.reason.startswith("_Always: final_val_accuracy at epoch 150 ")


def test_wrapped_decision_names_the_wrapped_pruner() -> None:
    decision = wrapped_decision(_Always(), 150)
    assert (decision.by, decision.epoch) == ("_Always", 150)


def test_default_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="`patience` must be an integer >= 1, but got patience=0"):
        PrunerSettings(patience=0)


def test_settings_round_trip_through_their_config() -> None:
    settings = PrunerSettings(patience=7, wrap="median", wrap_options={"n_startup_trials": 2})
    assert PrunerSettings.from_mapping(settings.get_config()) == settings


def test_will_not_win_is_on_by_default() -> None:
    assert PrunerSettings().will_not_win_settings() == WillNotWinSettings()


def test_will_not_win_false_turns_it_off() -> None:
    assert PrunerSettings(will_not_win=False).will_not_win_settings() is None


def test_will_not_win_settings_round_trip_through_the_pruners_config() -> None:
    settings = PrunerSettings(will_not_win=True, will_not_win_options={"threshold": 0.05})
    assert PrunerSettings.from_mapping(settings.get_config()) == settings
    assert settings.will_not_win_settings() == WillNotWinSettings(threshold=0.05)


def test_settings_build_the_wrapped_pruner() -> None:
    settings = PrunerSettings.from_mapping(
        {"wrap": "median", "wrap_options": {"n_startup_trials": 3}}
    )
    assert isinstance(settings.wrapped(), optuna.pruners.MedianPruner)


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"patiance": 3}, "unknown key `patiance`"),
        ({"patience": 0}, "`patience` must be an integer >= 1"),
        ({"min_checks": 0}, "`min_checks` must be an integer >= 1"),
        ({"min_agreement": 1.5}, "`min_agreement` must be a number > 0 and <= 1"),
        ({"enabled": "yes"}, "`enabled` must be true or false"),
        ({"wrap": "magic"}, "`wrap` must be one of"),
        ({"wrap": "median", "wrap_options": {"bogus": 1}}, "not valid for the median pruner"),
        ({"will_not_win": "yes"}, "`will_not_win` must be true or false"),
        ({"will_not_win_options": 3}, "`will_not_win_options` must be a table"),
        ({"will_not_win_options": {"bogus": 1}}, "`will_not_win_options`: unknown key `bogus`"),
        (
            {"will_not_win_options": {"threshold": 1.5}},
            "`will_not_win_options`: `threshold` must be a number > 0 and < 1",
        ),
        (
            {"will_not_win_options": {"min_seeds": 0}},
            "`will_not_win_options`: `min_seeds` must be an integer >= 1",
        ),
    ],
)
def test_bad_pruner_settings_are_clear_errors(table: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        PrunerSettings.from_mapping(table)
    assert fragment in str(info.value)


def test_nothing_is_pruned_at_the_last_epoch() -> None:
    seeds = [_curves(_turning(400), _falling(400, 0.01), s, planned=400) for s in range(3)]
    assert decide_overfit(seeds, SETTINGS) is None


def test_a_long_trial_is_checked_every_check_every_epochs() -> None:
    assert PrunerSettings(check_every=50, min_checks=10).check_interval(4000) == 50


def test_a_short_trial_still_gets_min_checks_checks() -> None:
    assert PrunerSettings(check_every=50, min_checks=10).check_interval(120) == 12


def test_a_trial_shorter_than_min_checks_is_checked_every_epoch() -> None:
    assert PrunerSettings(check_every=50, min_checks=10).check_interval(6) == 1


def test_unknown_planned_epochs_are_checked_every_check_every_epochs() -> None:
    assert PrunerSettings(check_every=50).check_interval(None) == 50
