"""``study.keras`` callbacks in a real ``model.fit``: one fit that overfits, one that does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keras
import numpy as np
import optuna
import pytest

from study.cli import main
from study.keras import DiagnosisCallback, OverfitPruningCallback
from study.pruning import PrunerSettings
from study.storage import trial_record

pytestmark = pytest.mark.e2e

EPOCHS = 40
# Small enough to act within a 40-epoch fit: the overfitting model turns near epoch 15.
SETTINGS = PrunerSettings(warmup_epochs=10, warmup_fraction=0.0, patience=10, check_every=5)


def _data(n: int, seed: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2)).astype("float32")
    y = (np.sin(3 * x[:, :1]) + noise * rng.normal(size=(n, 1))).astype("float32")
    return x, y


def _fit(overfits: bool, callback: keras.callbacks.Callback) -> keras.callbacks.History:
    """Ten noisy points and 256 units overfit; 200 clean points and 16 units do not."""
    n, noise, units = (10, 0.5, 256) if overfits else (200, 0.1, 16)
    x, y = _data(n, 0, noise)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model.fit(
        x,
        y,
        validation_data=_data(100, 1, noise),
        epochs=EPOCHS,
        batch_size=256,
        verbose=0,
        callbacks=[callback],
    )


@pytest.fixture(scope="module")
def overfit_fit() -> tuple[DiagnosisCallback, keras.callbacks.History]:
    callback = DiagnosisCallback(train_data=_data(10, 0, 0.5))
    return callback, _fit(True, callback)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, optuna.Study]:
    """A user's own Optuna study: trial 0 overfits (pruned), trial 1 does not."""
    url = f"sqlite:///{tmp_path_factory.mktemp('user') / 'user.db'}"

    def objective(trial: optuna.Trial) -> float:
        overfits = trial.suggest_categorical("overfits", [True, False])
        callback = OverfitPruningCallback(trial, settings=SETTINGS)
        history = _fit(overfits, callback)
        return float(history.history["val_loss"][-1])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    user_study = optuna.create_study(study_name="mine", storage=url)
    user_study.enqueue_trial({"overfits": True})
    user_study.enqueue_trial({"overfits": False})
    user_study.optimize(objective, n_trials=2)
    return url, user_study


def test_diagnosis_of_an_overfitting_fit(overfit_fit: Any) -> None:
    callback, _ = overfit_fit
    assert callback.diagnosis.category == "overfit"


def test_diagnosis_is_left_on_the_history(overfit_fit: Any) -> None:
    callback, history = overfit_fit
    assert history.diagnosis is callback.diagnosis


def test_dropout_off_training_loss_is_logged(overfit_fit: Any) -> None:
    _, history = overfit_fit
    assert len(history.history["train_loss"]) == EPOCHS


def test_diagnosis_of_a_fit_that_does_not_overfit() -> None:
    callback = DiagnosisCallback()
    _fit(False, callback)
    assert callback.diagnosis is not None and callback.diagnosis.category != "overfit"


def test_fit_without_validation_fails_clearly() -> None:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = _data(10, 0, 0.1)
    with pytest.raises(ValueError, match="validation_data= or validation_split="):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[DiagnosisCallback()])


def test_overfitting_trial_is_pruned_early(stored: Any) -> None:
    _, user_study = stored
    trial = user_study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    pruned = trial_record(trial).pruned
    assert pruned is not None and pruned.epoch < EPOCHS


def test_trial_that_does_not_overfit_completes_with_its_diagnosis(stored: Any) -> None:
    _, user_study = stored
    trial = user_study.trials[1]
    assert trial.state == optuna.trial.TrialState.COMPLETE
    assert trial_record(trial).category not in (None, "overfit")


def test_the_monitored_log_is_reported_at_every_check(stored: Any) -> None:
    _, user_study = stored
    trial = user_study.trials[1]
    step = SETTINGS.check_interval(EPOCHS)  # 4: ten checks in a 40-epoch fit
    assert sorted(trial.intermediate_values) == list(range(step, EPOCHS + 1, step))
    assert trial.value == trial.intermediate_values[EPOCHS]


def test_a_monitor_the_logs_lack_fails_clearly(workdir: Path) -> None:
    trial = optuna.create_study(storage=f"sqlite:///{workdir}/own.db").ask()
    callback = OverfitPruningCallback(trial, settings=SETTINGS, monitor="val_auc")
    with pytest.raises(ValueError, match="monitor='val_auc', which the logs lack"):
        _fit(False, callback)


def test_show_reads_the_users_study(stored: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = stored
    assert main(["show", "mine", "--storage", url, "--json"]) == 0
    trials = json.loads(capsys.readouterr().out)["trials"]
    assert trials[0]["diagnosis"]["category"] == "overfit" and trials[0]["pruned"]


def test_report_reads_the_users_study(stored: Any, tmp_path: Path) -> None:
    url, _ = stored
    assert main(["report", "mine", "--storage", url, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "index.html").stat().st_size > 0


def test_the_studys_own_pruner_stops_a_fit_that_does_not_overfit(workdir: Path) -> None:
    # A threshold below any loss prunes at the first check: the study's pruner, not overfit.
    user_study = optuna.create_study(
        storage=f"sqlite:///{workdir}/own.db", pruner=optuna.pruners.ThresholdPruner(upper=1e-12)
    )
    trial = user_study.ask()
    callback = OverfitPruningCallback(trial, settings=SETTINGS)
    with pytest.raises(optuna.TrialPruned):
        _fit(False, callback)
    assert callback.pruned is not None
    first_check = SETTINGS.check_interval(EPOCHS)
    assert (callback.pruned.by, callback.pruned.epoch) == ("ThresholdPruner", first_check)
