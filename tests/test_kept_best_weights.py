"""Best-epoch weights: kept for pruned or overfit trials, loaded by default, final on request."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import optuna
import pytest

from study.errors import InputError
from study.params import TrialParams
from study.storage.runs import keep_weights, load_weights
from study.tasks import TaskData

# Pure noise: a wide LSTM learns the training windows and its validation loss soon climbs.
NOISE_SPACE = """{model}
task = {{ csv = "noise.csv", target = "y", lookback = 6, validation = 0.3 }}
seeds = 2

[params]
{units}epochs = 60
learning_rate = 0.02
batch_size = 64
"""
BUILDER = """
import keras

def build(params, input_shape, output):
    inputs = keras.Input(input_shape)
    x = keras.layers.LSTM(24)(inputs)
    return keras.Model(inputs, keras.layers.Dense(output.units)(x))
"""
# The sine task learned for a while: a good fit.
GOOD_FIT_SPACE = """family = "lstm"
task = "sine"
seeds = 2

[params]
units = 8
epochs = 60
learning_rate = 0.02
"""


def _noise_study(folder: Path, name: str, *, builder: bool) -> optuna.Study:
    from study.cli import main

    values = np.random.default_rng(0).normal(size=60)
    (folder / "noise.csv").write_text("y\n" + "\n".join(f"{v:.5f}" for v in values) + "\n")
    if builder:
        (folder / "best_builder.py").write_text(BUILDER)
        sys.modules.pop("best_builder", None)
        text = NOISE_SPACE.format(model='model = "best_builder:build"', units="")
    else:
        text = NOISE_SPACE.format(model='family = "lstm"', units="units = 24\n")
    (folder / f"{name}.toml").write_text(text)
    argv = ["run", "--space", f"{name}.toml", "--study", name, "--trials", "1", "--no-report"]
    assert main([*argv, "--jobs", "1"]) == 0
    return optuna.load_study(study_name=name, storage="sqlite:///studies.db")


def _val_loss(model: object, data: TaskData) -> float:
    """The loss on the validation windows, as the loaded (compiled) model evaluates it."""
    return float(model.evaluate(data.x_val, data.y_val, verbose=0))  # type: ignore[attr-defined]


def _assert_best_then_final_load(name: str, study: optuna.Study) -> None:
    from study.runner import load_model
    from study.storage import study_record

    record = study_record(study, "sqlite:///studies.db").trials[0]
    assert record.diagnosis is not None and record.diagnosis.category == "overfit"
    model, kept = load_model(name, trust_stored_model=True)
    curves = {s.seed: s for s in record.seeds}[kept.seed]
    assert kept.weights == "best"
    assert kept.epoch == int(np.argmin(curves.val_loss)) + 1 < curves.epochs_trained
    np.testing.assert_allclose(_val_loss(model, kept.data), curves.val_loss.min(), rtol=1e-5)
    final, kept = load_model(name, seed=kept.seed, weights="final", trust_stored_model=True)
    assert kept.weights == "final" and kept.epoch == curves.epochs_trained
    np.testing.assert_allclose(_val_loss(final, kept.data), curves.val_loss[-1], rtol=1e-5)


@pytest.mark.e2e
def test_an_overfit_lstm_trial_loads_its_best_epochs_weights(workdir: Path) -> None:
    _assert_best_then_final_load("n", _noise_study(workdir, "n", builder=False))


@pytest.mark.e2e
def test_an_overfit_builders_trial_loads_its_best_epochs_weights(workdir: Path) -> None:
    _assert_best_then_final_load("b", _noise_study(workdir, "b", builder=True))


@pytest.mark.e2e
def test_a_completed_good_fit_trial_loads_its_final_weights(workdir: Path) -> None:
    import study
    from study.cli import main
    from study.runner import load_model
    from study.storage import study_record

    (workdir / "g.toml").write_text(GOOD_FIT_SPACE)
    argv = ["run", "--space", "g.toml", "--study", "g", "--trials", "1", "--jobs", "1"]
    assert main([*argv, "--no-report"]) == 0
    stored = optuna.load_study(study_name="g", storage="sqlite:///studies.db")
    record = study_record(stored, "sqlite:///studies.db").trials[0]
    assert record.state == "COMPLETE" and record.diagnosis is not None
    assert record.diagnosis.category == "good_fit"
    model, kept = load_model("g")
    curves = {s.seed: s for s in record.seeds}[kept.seed]
    assert kept.weights == "final" and kept.epoch == curves.epochs_trained
    np.testing.assert_allclose(_val_loss(model, kept.data), curves.val_loss[-1], rtol=1e-5)
    same, _ = study.load_model("g", weights="best")
    np.testing.assert_array_equal(
        same.predict(kept.data.x_val, verbose=0), model.predict(kept.data.x_val, verbose=0)
    )


@pytest.mark.e2e
def test_export_models_writes_the_best_epochs_weights_unless_final_is_asked(
    workdir: Path,
) -> None:
    import keras

    from study.cli import main
    from study.runner import load_model

    _noise_study(workdir, "n", builder=False)
    for choice in ("best", "final"):
        out = workdir / choice
        extra = [] if choice == "best" else ["--weights", "final"]
        assert main(["export", "n", "--models", "--out", str(out), *extra]) == 0
        model, kept = load_model("n", seed=0, weights=choice)
        saved = keras.models.load_model(out / "trial-0-seed-0.keras")
        np.testing.assert_allclose(
            saved.predict(kept.data.x_val, verbose=0), model.predict(kept.data.x_val, verbose=0)
        )
    best = keras.models.load_model(workdir / "best" / "trial-0-seed-0.keras")
    final = keras.models.load_model(workdir / "final" / "trial-0-seed-0.keras")
    assert not np.allclose(best.get_weights()[0], final.get_weights()[0])


def _windows(n: int = 12) -> TaskData:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2 * n, 4, 2)).astype(np.float32)
    y = rng.normal(size=(2 * n, 1)).astype(np.float32)  # Noise: validation soon gets worse.
    return TaskData("noise", "regression", x[:n], y[:n], x[n:], y[n:], "mse", shuffle=True)


@pytest.mark.e2e
@pytest.mark.parametrize("stack_memory", [None, 1], ids=["one-stack", "stack-per-seed"])
def test_the_engine_keeps_each_seeds_weights_of_its_lowest_validation_loss(
    stack_memory: int | None,
) -> None:
    from study.engine import train_seeds
    from study.models import build_keras_model

    params = TrialParams(units=16, epochs=30, batch_size=4, learning_rate=0.05)
    options = {} if stack_memory is None else {"stack_memory": stack_memory}
    data = _windows()
    for curves in train_seeds("mlp", params, data, [0, 1], **options):
        assert curves.best_weights is not None
        assert np.argmin(curves.val_loss) < curves.epochs_trained - 1
        model = build_keras_model("mlp", params, data, curves.seed)
        model.set_weights(list(curves.best_weights))
        flat = data.for_family("mlp")
        loss = float(model.evaluate(flat.x_val, flat.y_val, verbose=0))
        np.testing.assert_allclose(loss, curves.val_loss.min(), rtol=1e-5)


@pytest.mark.e2e
def test_the_engine_keeps_no_best_weights_when_not_asked() -> None:
    from study.engine import train_seeds

    params = TrialParams(units=4, epochs=2, batch_size=4)
    (curves,) = train_seeds("mlp", params, _windows(), [0], keep_best=False)
    assert curves.weights is not None and curves.best_weights is None


def test_best_epoch_weights_load_back_beside_the_final_ones(tmp_path: Path) -> None:
    study = optuna.create_study()
    trial = study.ask()
    final = {0: (np.ones((2, 3), np.float32),), 1: (np.zeros((2, 3), np.float32),)}
    best = {1: (np.full((2, 3), 7.0, np.float32),)}
    assert keep_weights(trial, 1.0, final, folder=tmp_path, best=best)
    study.tell(trial, 1.0)
    loaded_final = load_weights(study.trials[0], tmp_path)
    loaded_best = load_weights(study.trials[0], tmp_path, best=True)
    assert sorted(loaded_final) == [0, 1] and list(loaded_best) == [1]
    np.testing.assert_array_equal(loaded_final[1][0], final[1][0])
    np.testing.assert_array_equal(loaded_best[1][0], best[1][0])


def test_a_trial_that_kept_no_best_weights_loads_none(tmp_path: Path) -> None:
    study = optuna.create_study()
    trial = study.ask()
    assert keep_weights(trial, 1.0, {0: (np.ones(3, np.float32),)}, folder=tmp_path)
    study.tell(trial, 1.0)
    assert load_weights(study.trials[0], tmp_path, best=True) == {}


def test_an_unknown_weights_choice_is_refused(workdir: Path) -> None:
    from study.runner import load_model

    with pytest.raises(InputError, match="`weights` must be 'best' or 'final'"):
        load_model("any", weights="worst")  # type: ignore[arg-type]
    assert not Path("studies.db").exists()


def test_curves_do_not_store_the_best_epochs_weights() -> None:
    from study.curves import SeedCurves

    weights = (np.ones(2, np.float32),)
    curves = SeedCurves(seed=0, train_loss=np.ones(2), val_loss=np.ones(2), best_weights=weights)
    assert "best_weights" not in curves.to_dict()
    assert SeedCurves.from_dict(curves.to_dict()).best_weights is None
