"""Kept weights: the engine's weights load into the Keras model, are kept and loaded back."""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import optuna
import pytest

from study.builders import CustomModel
from study.curves import SeedCurves
from study.errors import InputError
from study.evidence import trial_evidence
from study.params import Family, TrialParams
from study.storage.runs import keep_weights, kept_trials, load_weights, models_to_keep
from study.tasks import TaskData

BUILDER = """
import keras

def build(params, input_shape, output):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(4, activation="tanh")(x)
    return keras.Model(inputs, keras.layers.Dense(output.units)(x))
"""


def _windows(n: int = 10) -> TaskData:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2 * n, 4, 2)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None].astype(np.float32)
    return TaskData("win", "regression", x[:n], y[:n], x[n:], y[n:], "mse", shuffle=True)


def _engine_predictions(
    family: Family, params: TrialParams, data: TaskData, weights: Any
) -> npt.NDArray[np.float32]:
    """The engine's own forward pass of one seed's weights (a stack of one)."""
    import keras
    import tensorflow as tf

    from study.engine._network import Network
    from study.models import head_activation

    stacked = [tf.constant(np.asarray(w)[None]) for w in weights]
    x = tf.constant(data.for_family(family).x_val[None])
    logits = Network.of(family, params).logits(stacked, x)[0]
    return np.asarray(keras.activations.get(head_activation(data))(logits))


def _assert_loaded_model_predicts_as_the_engine(
    family: Family, params: TrialParams, data: TaskData, **options: Any
) -> None:
    from study.engine import train_seeds
    from study.models import build_keras_model

    curves = train_seeds(family, params, data, [0, 1], **options)
    for seed_curves in curves:
        assert seed_curves.weights is not None
        model = build_keras_model(family, params, data, seed_curves.seed)
        model.set_weights(list(seed_curves.weights))
        loaded = model.predict(data.for_family(family).x_val, verbose=0)
        ours = _engine_predictions(family, params, data, seed_curves.weights)
        np.testing.assert_allclose(loaded, ours, atol=1e-5, rtol=1e-5)
        initial = build_keras_model(family, params, data, seed_curves.seed)
        assert not np.allclose(initial.predict(data.for_family(family).x_val, verbose=0), ours)


@pytest.mark.e2e
def test_lstm_weights_load_into_the_keras_model() -> None:
    params = TrialParams(units=5, layers=2, epochs=3, batch_size=4, learning_rate=0.05)
    _assert_loaded_model_predicts_as_the_engine("lstm", params, _windows())


@pytest.mark.e2e
def test_gru_weights_load_into_the_keras_model() -> None:
    params = TrialParams(units=5, epochs=3, batch_size=4, learning_rate=0.05, cell="gru")
    _assert_loaded_model_predicts_as_the_engine("lstm", params, _windows())


@pytest.mark.e2e
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bidirectional_weights_load_into_the_keras_model(cell: str) -> None:
    params = TrialParams(
        units=4, layers=2, epochs=3, learning_rate=0.05, cell=cell, bidirectional=True
    )
    _assert_loaded_model_predicts_as_the_engine("lstm", params, _windows())


@pytest.mark.e2e
def test_mlp_weights_load_into_the_keras_model() -> None:
    params = TrialParams(units=6, layers=2, epochs=3, batch_size=4, learning_rate=0.05)
    _assert_loaded_model_predicts_as_the_engine("mlp", params, _windows())


@pytest.mark.e2e
def test_weights_of_seeds_trained_in_separate_stacks_load_into_the_keras_model() -> None:
    params = TrialParams(units=6, epochs=3, batch_size=4, learning_rate=0.05)
    _assert_loaded_model_predicts_as_the_engine("mlp", params, _windows(), stack_memory=1)


@pytest.mark.e2e
def test_a_diverged_seed_keeps_no_weights() -> None:
    from study.engine import train_seeds

    data = _windows()
    data = dataclasses.replace(data, y_train=data.y_train * 1e6)
    params = TrialParams(units=8, epochs=200, optimizer="sgd", learning_rate=10.0, batch_size=2)
    (curves,) = train_seeds("mlp", params, data, [1])
    assert curves.stop == "diverged"
    assert curves.weights is None


@pytest.mark.e2e
def test_a_builders_model_weights_load_into_its_model(tmp_path: Path) -> None:
    from study.engine import build_model, train_custom

    (tmp_path / "kept_builder.py").write_text(BUILDER)
    sys.modules.pop("kept_builder", None)
    data = _windows()
    custom = CustomModel("kept_builder:build", {"epochs": 3, "batch_size": 4}, str(tmp_path))
    curves = train_custom(custom, data, [0, 1])
    trained = []
    for seed_curves in curves:
        assert seed_curves.weights is not None
        model = build_model(custom, data)
        model.set_weights(list(seed_curves.weights))
        predicted = model.predict(data.x_val, verbose=0)
        loss = float(np.mean((predicted - data.y_val) ** 2))
        np.testing.assert_allclose(loss, seed_curves.val_loss[-1], rtol=1e-5)
        trained.append(predicted)
    assert not np.allclose(trained[0], trained[1])


def test_models_to_keep_ranks_by_standing_ties_to_the_earlier_trial() -> None:
    standings = {0: (0, 3.0), 1: (0, 1.0), 2: (0, 1.0), 3: (0, float("nan")), 4: (2, 0.5)}
    assert models_to_keep(standings, 2) == {1, 2}
    assert models_to_keep(standings, 4) == {0, 1, 2, 4}  # an interval first, then the rest
    assert models_to_keep({5: (0, 1.0), 2: (0, 1.0), 6: (3, math.inf)}, 3) == {2, 5}


def test_the_recommended_trial_keeps_its_weights_over_a_luckier_mean(tmp_path: Path) -> None:
    study = optuna.create_study()
    folder = tmp_path / "artifacts"
    for seeds in ([0.10, 0.30, 0.05], [0.19, 0.20, 0.21]):  # lucky best mean, then agreeing
        trial = study.ask()
        value = float(np.mean(seeds))
        evidence = trial_evidence(seeds, number=trial.number)
        keep_weights(trial, value, _weights(value), folder=folder, keep=1, evidence=evidence)
        study.tell(trial, value)
    assert list(load_weights(study.trials[1], folder)) == [0]
    with pytest.raises(InputError, match="trial 0 are not in"):
        load_weights(study.trials[0], folder)  # pushed out by the trial its seeds recommend


def _weights(value: float) -> dict[int, tuple[npt.NDArray[np.float32], ...]]:
    return {0: (np.full((2, 3), value, np.float32), np.zeros(3, np.float32))}


def _trials_with_values(
    study: optuna.Study, folder: Path, values: list[float], keep: int
) -> list[bool]:
    kept = []
    for value in values:
        trial = study.ask()
        kept.append(keep_weights(trial, value, _weights(value), folder=folder, keep=keep))
        study.tell(trial, value)
    return kept


def test_only_the_best_few_trials_keep_their_weights(tmp_path: Path) -> None:
    study = optuna.create_study()
    folder = tmp_path / "artifacts"
    kept = _trials_with_values(study, folder, [5.0, 4.0, 6.0, 1.0], keep=2)
    assert kept == [True, True, False, True]
    assert [t.number for t in kept_trials(study)] == [3, 1, 0]  # 0 was pushed out
    assert len([p for p in folder.iterdir() if not p.name.startswith(".")]) == 2
    with pytest.raises(InputError, match="trial 0 are not in"):
        load_weights(study.trials[0], folder)
    with pytest.raises(InputError, match="trial 2 kept no weights"):
        load_weights(study.trials[2], folder)


def test_kept_weights_load_back_by_seed(tmp_path: Path) -> None:
    study = optuna.create_study()
    folder = tmp_path / "artifacts"
    _trials_with_values(study, folder, [2.5], keep=3)
    loaded = load_weights(study.trials[0], folder)
    assert list(loaded) == [0]
    np.testing.assert_array_equal(loaded[0][0], _weights(2.5)[0][0])
    assert [w.shape for w in loaded[0]] == [(2, 3), (3,)]


def test_a_missing_artifact_folder_is_one_line(tmp_path: Path) -> None:
    study = optuna.create_study()
    _trials_with_values(study, tmp_path / "artifacts", [1.0], keep=1)
    with pytest.raises(InputError, match=r"artifact folder .* is missing"):
        load_weights(study.trials[0], tmp_path / "elsewhere")


def test_curves_do_not_store_the_weights() -> None:
    curves = SeedCurves(seed=0, train_loss=np.ones(2), val_loss=np.ones(2), weights=(np.ones(2),))
    assert "weights" not in curves.to_dict()
    assert dataclasses.replace(curves, weights=None) == curves


@pytest.fixture
def kept_study(tiny_space: Path) -> str:
    """A tiny study of two trials run through the command line; both keep their weights."""
    from study.cli import main

    argv = ["run", "--space", str(tiny_space), "--study", "t", "--trials", "2", "--jobs", "1"]
    assert main(argv) == 0
    return "t"


@pytest.mark.e2e
def test_a_run_keeps_weights_that_load_as_the_trials_model(kept_study: str) -> None:
    from study.runner import load_model

    assert Path("studies.db.artifacts").is_dir()
    model, kept = load_model(kept_study)
    trial = optuna.load_study(study_name="t", storage="sqlite:///studies.db").trials[kept.trial]
    stored = {c.seed: c for c in _stored_curves(trial)}
    loss = model.evaluate(kept.data.x_val, kept.data.y_val, verbose=0, return_dict=True)["loss"]
    np.testing.assert_allclose(loss, stored[kept.seed].val_loss[-1], rtol=1e-4)


def _stored_curves(trial: optuna.trial.FrozenTrial) -> list[SeedCurves]:
    from study.storage import trial_curves

    return trial_curves(trial)


@pytest.mark.e2e
def test_export_models_writes_keras_files_that_predict_as_the_kept_model(
    kept_study: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import keras

    from study.cli import main
    from study.runner import load_model

    out = tmp_path / "x"
    assert main(["export", kept_study, "--models", "--trial", "1", "--out", str(out)]) == 0
    written = sorted(p.name for p in out.glob("*.keras"))
    assert written == ["trial-1-seed-0.keras", "trial-1-seed-1.keras"]
    model, kept = load_model(kept_study, trial=1, seed=1)
    saved = keras.models.load_model(out / "trial-1-seed-1.keras")
    np.testing.assert_allclose(
        saved.predict(kept.data.x_val, verbose=0), model.predict(kept.data.x_val, verbose=0)
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--trial", "9"], "`trial` must name a trial of study 't'"),
        (["--artifacts", "elsewhere"], "the artifact folder elsewhere is missing"),
    ],
)
def test_export_models_refuses_bad_input_in_one_line_writing_nothing(
    kept_study: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    from study.cli import main

    capsys.readouterr()
    out = tmp_path / "x"
    assert main(["export", kept_study, "--models", "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.e2e
def test_a_seed_the_trial_did_not_keep_is_refused(kept_study: str) -> None:
    from study.runner import load_model

    with pytest.raises(InputError, match=r"`seed` must be one of trial 1's kept seeds \[0, 1\]"):
        load_model(kept_study, trial=1, seed=7)


@pytest.mark.e2e
def test_the_package_loads_the_best_kept_model(kept_study: str) -> None:
    import keras

    import study
    from study.runner import load_model

    model, kept_too = study.load_model(kept_study)
    same, kept = load_model(kept_study)
    assert isinstance(model, keras.Model)
    assert (kept_too.trial, kept_too.seed) == (kept.trial, kept.seed)
    np.testing.assert_array_equal(
        model.predict(kept.data.x_val, verbose=0), same.predict(kept.data.x_val, verbose=0)
    )


def test_a_study_without_kept_weights_is_refused(tmp_path: Path) -> None:
    from study.api import load_model
    from study.storage import keys
    from tests.stored_fixtures import store_study

    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url)
    optuna.load_study(study_name="demo", storage=url).set_user_attr(keys.STUDY_FINGERPRINT, "{}")
    with pytest.raises(InputError, match="study 'demo' kept no weights"):
        load_model("demo", storage=url)


def test_an_unknown_study_is_refused(tmp_path: Path) -> None:
    from study.api import load_model
    from tests.stored_fixtures import store_study

    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url)
    with pytest.raises(InputError, match="no study named 'other'"):
        load_model("other", storage=url)


@pytest.mark.e2e
def test_a_trial_whose_weights_cannot_be_kept_completes_with_a_warning(
    tiny_space: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from study.cli import main

    Path("taken").write_text("a file, not a folder")
    monkeypatch.setenv("STUDY_ARTIFACTS", "taken")
    argv = ["run", "--space", str(tiny_space), "--study", "t", "--trials", "1", "--jobs", "1"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "trial 0 complete" in captured.out + captured.err
    assert "warning: weights not kept in taken" in captured.out + captured.err
    assert Path("taken").read_text() == "a file, not a folder"


def test_the_artifact_folder_defaults_beside_an_sqlite_or_journal_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from study.storage import open_storage
    from study.storage.runs import artifacts_folder, storage_folder

    monkeypatch.delenv("STUDY_ARTIFACTS", raising=False)
    db, log = tmp_path / "s.db", tmp_path / "j.log"
    assert artifacts_folder(f"sqlite:///{db}") == tmp_path / "s.db.artifacts"
    assert artifacts_folder(f"journal://{log}") == tmp_path / "j.log.artifacts"
    assert artifacts_folder("postgresql://u@h/db") is None
    assert storage_folder(open_storage(f"sqlite:///{db}")) == tmp_path / "s.db.artifacts"
    assert storage_folder(open_storage(f"journal://{log}")) == tmp_path / "j.log.artifacts"


def test_the_artifact_folder_given_or_from_the_environment_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from study.storage.runs import artifacts_folder

    monkeypatch.setenv("STUDY_ARTIFACTS", str(tmp_path / "env"))
    assert artifacts_folder("postgresql://u@h/db") == tmp_path / "env"
    assert artifacts_folder("sqlite:///s.db", tmp_path / "given") == tmp_path / "given"
