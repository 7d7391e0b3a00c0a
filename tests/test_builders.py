"""Your own Keras model in a sweep: spaces with `model`, bad builders, the shipped example."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import optuna
import pytest

from study.builders import TRAINING_PARAMS, declared_values
from study.cli import main
from study.curves import SeedCurves
from study.errors import InputError
from study.space import load_space
from study.storage import trial_record
from tests.conftest import ROOT, SPACES

HEADER = 'model = "{module}:build"\ntask = "sequence"\nseeds = 2\n'
GOOD = """
import keras

def build(params, input_shape, output):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(params["width"], activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(output.units, activation=output.activation)(x))
"""


def _space(folder: Path, module: str, builder: str, params: str) -> Path:
    (folder / f"{module}.py").write_text(builder)
    path = folder / "space.toml"
    path.write_text(HEADER.format(module=module) + "\n[params]\n" + params)
    return path


def _run(space: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(
        [
            "run",
            "--space",
            str(space),
            "--study",
            "s",
            "--trials",
            "1",
            "--jobs",
            "1",
            "--no-report",
            *extra,
        ]
    )
    return code, capsys.readouterr().err


def test_declared_parameters_are_searched(workdir: Path) -> None:
    params = "width = { low = 2, high = 16, log = true }\nrate = { low = 0.1, high = 0.5 }\n"
    space = load_space(_space(workdir, "good_a", GOOD, params + "kind = { choices = ['a'] }\n"))
    distributions = space.distributions()
    assert isinstance(distributions["width"], optuna.distributions.IntDistribution)
    assert isinstance(distributions["rate"], optuna.distributions.FloatDistribution)
    assert isinstance(distributions["kind"], optuna.distributions.CategoricalDistribution)


def test_builder_receives_standard_and_declared_values(workdir: Path) -> None:
    space = load_space(_space(workdir, "good_b", GOOD, "width = 3\nunits = 7\n"))
    values = space.custom_model({}).values  # type: ignore[union-attr]
    assert (values["width"], values["units"], values["epochs"]) == (3, 7, 100)


def test_a_trial_shows_the_declared_and_training_values_only(workdir: Path) -> None:
    space = load_space(_space(workdir, "good_c", GOOD, "width = 3\nunits = 7\n"))
    values = space.custom_model({}).values  # type: ignore[union-attr]
    shown = declared_values(values, {*space.searched, *space.fixed})
    assert set(shown) == {"width", "units", *TRAINING_PARAMS}


@pytest.mark.e2e
def test_stored_trial_leaves_out_standard_values_the_space_does_not_declare(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space = _space(workdir, "good_d", GOOD, "width = { low = 2, high = 4 }\nepochs = 2\n")
    assert _run(space, capsys)[0] == 0
    main(["show", "s", "--json"])
    params = json.loads(capsys.readouterr().out)["trials"][0]["params"]
    assert set(params) == {"width", *TRAINING_PARAMS}


@pytest.mark.parametrize(
    ("declared", "given", "value"),
    [
        ("{ low = 2, high = 16, log = true }", "8", 8),
        ("{ low = 0.1, high = 0.5 }", "0.25", 0.25),
        ("{ choices = ['a', 'b'] }", "b", "b"),
        ("3", "5", 5),
    ],
)
def test_set_fixes_a_declared_parameter_with_its_declared_type(
    workdir: Path, declared: str, given: str, value: object
) -> None:
    path = _space(workdir, "good_s", GOOD, f"width = {declared}\n")
    space = load_space(path, overrides={"width": given})
    assert "width" not in space.searched
    values = space.custom_model({}).values  # type: ignore[union-attr]
    assert values["width"] == value and type(values["width"]) is type(value)


def test_set_refuses_a_declared_parameter_of_another_type(workdir: Path) -> None:
    path = _space(workdir, "good_t", GOOD, "width = { low = 2, high = 16 }\n")
    with pytest.raises(InputError, match=r"--set width=2\.5: `width` takes an integer"):
        load_space(path, overrides={"width": "2.5"})


def test_family_and_model_exclude_each_other(workdir: Path) -> None:
    path = _space(workdir, "good_c", GOOD, "width = 3\n")
    path.write_text('family = "lstm"\n' + path.read_text())
    with pytest.raises(InputError, match="`family` and `model` exclude each other"):
        load_space(path)


def test_declared_range_with_a_zero_step_is_one_line(workdir: Path) -> None:
    path = _space(workdir, "good_d", GOOD, "width = { low = 1, high = 10, step = 0 }\n")
    with pytest.raises(InputError, match=r"`params\.width`"):
        load_space(path)


def test_model_must_name_module_and_function(workdir: Path) -> None:
    path = workdir / "space.toml"
    path.write_text('model = "nocolon"\ntask = "sequence"\n')
    with pytest.raises(InputError, match='`model` must be "module:function"'):
        load_space(path)


def test_builder_module_not_importable(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workdir / "space.toml"
    path.write_text(HEADER.format(module="no_such_module_xyz"))
    code, err = _run(path, capsys)
    assert code == 2 and "cannot import 'no_such_module_xyz'" in err
    assert len(err.strip().splitlines()) == 1


def test_builder_function_missing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _space(workdir, "no_build_here", "def other():\n    pass\n", "")
    code, err = _run(path, capsys)
    assert code == 2 and "has no function 'build'" in err


@pytest.mark.e2e
def test_builder_returning_no_model(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _space(workdir, "returns_int", "def build(params, shape, output):\n    return 3\n", "")
    code, err = _run(path, capsys)
    assert code == 2 and "must return a keras.Model, but returned a int" in err


@pytest.mark.e2e
def test_builder_that_raises(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = "def build(params, shape, output):\n    raise RuntimeError('no GPU here')\n"
    code, err = _run(_space(workdir, "raises", source, ""), capsys)
    assert code == 2 and "RuntimeError: no GPU here" in err


@pytest.mark.e2e
def test_builder_with_wrong_output_shape(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = GOOD.replace("Dense(output.units", "Dense(output.units + 2")
    code, err = _run(_space(workdir, "wide_head", source, "width = 3\n"), capsys)
    assert code == 2 and "must output shape (batch, 1)" in err
    assert not (workdir / "studies.db").exists() or "s" not in _studies(workdir)


@pytest.mark.e2e
def test_builder_failing_for_some_parameters_fails_those_trials(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guard = "    if params['width'] == 5:\n        raise ValueError('width 5')\n"
    source = GOOD.replace("    inputs =", guard + "    inputs =")
    path = _space(workdir, "fails_sometimes", source, "width = { choices = [3, 5] }\nepochs = 3\n")
    code = main(
        [
            "run",
            "--space",
            str(path),
            "--study",
            "s",
            "--trials",
            "4",
            "--jobs",
            "1",
            "--no-report",
        ]
    )
    assert code == 0
    stored = optuna.load_study(study_name="s", storage="sqlite:///studies.db").trials
    failed = [t for t in stored if t.state == optuna.trial.TrialState.FAIL]
    errors = [trial_record(t).error or "" for t in failed]
    assert errors and all("ValueError: width 5" in e for e in errors)


@pytest.mark.e2e
def test_shipped_example_runs(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)  # The example's module is imported from the repository root.
    url = f"sqlite:///{workdir / 'example.db'}"
    code = main(
        [
            "run",
            "--space",
            str(SPACES / "custom_model.toml"),
            "--study",
            "ex",
            "--trials",
            "1",
            "--seeds",
            "2",
            "--jobs",
            "1",
            "--set",
            "epochs=4",
            "--storage",
            url,
            "--no-report",
        ]
    )
    assert code == 0
    capsys.readouterr()
    main(["show", "ex", "--storage", url, "--json"])
    trial = json.loads(capsys.readouterr().out)["trials"][0]
    assert trial["state"] == "COMPLETE" and {"filters", "kernel_size"} <= set(trial["params"])
    assert [s["epochs_trained"] for s in trial["seeds"]] == [4, 4]


def _studies(folder: Path) -> list[str]:
    storage = f"sqlite:///{folder / 'studies.db'}"
    return [s.study_name for s in optuna.get_all_study_summaries(storage)]


@pytest.mark.e2e
def test_custom_loop_matches_model_fit(workdir: Path) -> None:
    """Without dropout and with one full batch per epoch, the curves are model.fit's."""
    import keras
    import numpy as np

    from study.builders import CustomModel
    from study.engine import build_model, train_custom
    from study.keras import DiagnosisCallback
    from study.tasks import load_task

    (workdir / "same_as_fit.py").write_text(GOOD)
    data = load_task("sequence")
    values = {"width": 8, "epochs": 6, "batch_size": 64, "learning_rate": 0.01}
    custom = CustomModel("same_as_fit:build", values, str(workdir))
    ours = train_custom(custom, data, [3])[0]
    keras.utils.set_random_seed(3)
    model = build_model(custom, data)
    model.compile(keras.optimizers.Adam(0.01), "mse")
    callback = DiagnosisCallback((data.x_train, data.y_train))
    model.fit(
        data.x_train,
        data.y_train,
        validation_data=(data.x_val, data.y_val),
        epochs=6,
        batch_size=64,
        verbose=0,
        callbacks=[callback],
    )
    reference = callback.curves
    assert reference is not None
    for name in ("train_loss", "val_loss", "fit_loss"):
        np.testing.assert_allclose(getattr(ours, name), getattr(reference, name), rtol=1e-5)


@pytest.mark.e2e
def test_monitor_sees_every_seed_and_can_stop_them(workdir: Path) -> None:
    """The pruner's protocol: all seeds at the same epoch after each chunk; a stop prunes all."""
    from study.builders import CustomModel
    from study.engine import train_custom
    from study.tasks import load_task

    class StopAfterFirstChunk:
        def __init__(self) -> None:
            self.seen: list[list[int]] = []

        def update(self, curves: Sequence[SeedCurves]) -> None:
            self.seen.append([c.epochs_trained for c in curves])

        def should_stop(self) -> bool:
            return True

    (workdir / "monitored.py").write_text(GOOD)
    custom = CustomModel("monitored:build", {"width": 4, "epochs": 20}, str(workdir))
    monitor = StopAfterFirstChunk()
    curves = train_custom(custom, load_task("sequence"), [0, 1], chunk_epochs=5, monitor=monitor)
    assert monitor.seen == [[5, 5]]
    assert [(c.stop, c.epochs_trained) for c in curves] == [("pruned", 5), ("pruned", 5)]


@pytest.mark.e2e
def test_a_builders_training_curve_is_evaluated_on_the_engines_samples(workdir: Path) -> None:
    """On a large training set, the samples :func:`train_eval_size` picks, as the engine's."""
    import keras
    import numpy as np

    from study.builders import CustomModel
    from study.engine import TRAIN_EVAL_LIMIT, build_model, train_custom, train_eval_size
    from study.engine._evaluate import eval_indices
    from study.tasks import TaskData

    rng = np.random.default_rng(0)
    x = rng.normal(size=(5_100, 4, 1)).astype(np.float32)
    y = (x[:, -1] * 2 + rng.normal(size=(5_100, 1)) ** 3).astype(np.float32)
    data = TaskData("big", "regression", x[:5_000], y[:5_000], x[5_000:], y[5_000:], "mse")
    (workdir / "big.py").write_text(GOOD)
    custom = CustomModel("big:build", {"width": 4, "epochs": 1, "batch_size": 500}, str(workdir))
    [curves] = train_custom(custom, data, [0])
    model = build_model(custom, data)
    model.set_weights(list(curves.weights or ()))
    model.compile(loss="mse")
    rows = eval_indices(5_000, train_eval_size(5_000, 100, TRAIN_EVAL_LIMIT))
    assert len(rows) == 2_048
    sample = model.evaluate(data.x_train[rows], data.y_train[rows], verbose=0)
    everything = model.evaluate(data.x_train, data.y_train, verbose=0)
    assert abs(sample - everything) > 1e-3 * everything  # The sample is not the whole set.
    np.testing.assert_allclose(curves.train_loss[-1], sample, rtol=1e-5)
    keras.backend.clear_session()
