"""What the study's other trials reached, as the runner passes it to the diagnosis."""

from __future__ import annotations

import math

import numpy as np
import optuna
from optuna.trial import TrialState

from study.curves import SeedCurves
from study.runner._reached import ReachedLoss
from study.storage.runs import trial_attrs


def _add(study: optuna.Study, val_floor: float, state: TrialState = TrialState.COMPLETE) -> None:
    epochs = np.arange(1, 21, dtype=float)
    curves = [
        SeedCurves(
            seed=s,
            train_loss=1.0 / epochs,
            val_loss=val_floor * (1 + 1.0 / epochs),
            epochs_planned=20,
        )
        for s in range(2)
    ]
    user, system = trial_attrs(curves, None)
    value = None if state == TrialState.FAIL else 1.0
    study.add_trial(
        optuna.trial.create_trial(state=state, value=value, user_attrs=user, system_attrs=system)
    )


def test_the_lowest_mean_validation_loss_of_finished_trials() -> None:
    study = optuna.create_study()
    _add(study, 0.5)
    _add(study, 0.2, TrialState.PRUNED)
    _add(study, 0.01, TrialState.FAIL)  # A failed trial reached nothing that counts.
    assert math.isclose(ReachedLoss()(study), 0.2 * 1.05, rel_tol=1e-6)


def test_the_trial_being_diagnosed_is_left_out() -> None:
    study = optuna.create_study()
    _add(study, 0.5)
    _add(study, 0.2)
    assert math.isclose(ReachedLoss()(study, exclude=1), 0.5 * 1.05, rel_tol=1e-6)


def test_a_new_study_has_no_reference() -> None:
    assert ReachedLoss()(optuna.create_study()) is None


def test_trials_finished_since_the_last_call_count() -> None:
    study = optuna.create_study()
    reached = ReachedLoss()
    _add(study, 0.5)
    reached(study)
    _add(study, 0.1)
    assert math.isclose(reached(study), 0.1 * 1.05, rel_tol=1e-6)
