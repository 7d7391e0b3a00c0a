"""A small stored study with scripted curves, written through the storage's public API."""

from __future__ import annotations

import functools

import numpy as np
import optuna

from study.curves import SeedCurves
from study.diagnosis import diagnose_seeds
from study.storage.runs import write_trial_result
from tests.stored_once import stored_once


def overfit_curves(seed: int, epochs: int = 200) -> SeedCurves:
    """Validation bottoms out near epoch 40 and rises while training keeps falling."""
    t = np.arange(1, epochs + 1, dtype=float)
    train = 0.02 + np.exp(-t / 20)
    val = (0.25 + np.exp(-t / 20) + 0.004 * np.maximum(t - 40, 0)) * (1 + 0.01 * seed)
    return SeedCurves(seed=seed, train_loss=train, val_loss=val, epochs_planned=epochs)


def good_curves(seed: int, epochs: int = 200) -> SeedCurves:
    """Both curves settle close together."""
    t = np.arange(1, epochs + 1, dtype=float)
    train = (0.1 + np.exp(-t / 15)) * (1 + 0.01 * seed)
    return SeedCurves(seed=seed, train_loss=train, val_loss=train * 1.08, epochs_planned=epochs)


def store_study(url: str, name: str = "demo", n_trials: int = 3, seeds: int = 2) -> None:
    """Store ``n_trials`` trials: trial 0 overfit, the others good fits.

    A study stored before in this session is copied from that first write (see
    :func:`tests.stored_once.stored_once`).
    """
    write = functools.partial(_store_study, name=name, n_trials=n_trials, seeds=seeds)
    stored_once(url, ("store_study", name, n_trials, seeds), write)


def _store_study(url: str, *, name: str, n_trials: int, seeds: int) -> None:
    study = optuna.create_study(study_name=name, storage=url)

    def objective(trial: optuna.Trial) -> float:
        trial.suggest_int("units", 1, 64)
        make = overfit_curves if trial.number == 0 else good_curves
        curves = [make(s) for s in range(seeds)]
        write_trial_result(trial, curves, diagnose_seeds(curves))
        return float(np.mean([c.val_loss[-1] for c in curves]))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(objective, n_trials=n_trials)
