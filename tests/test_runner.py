from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import study.runner._objective as objective_module
from study.curves import SeedCurves
from study.errors import InputError
from study.parallel import run_seeds
from study.params import TrialParams
from study.runner import RunOptions, run
from study.storage import open_storage, study_record, trial_record
from study.storage.runs import retried_numbers
from study.tasks import load_task

pytestmark = pytest.mark.e2e  # Trains models or spawns processes.

URL = "sqlite:///studies.db"


def _run(space: Path, trials: int, **kwargs: Any) -> None:
    options = RunOptions(study="t", trials=trials, space=space, storage=URL, jobs=1, **kwargs)
    run(options, out=io.StringIO())


def _study() -> optuna.Study:
    return optuna.load_study(study_name="t", storage=open_storage(URL))


@pytest.mark.e2e
def test_tiny_study_stores_params_curves_and_diagnosis(tiny_space: Path) -> None:
    _run(tiny_space, 2)
    record = study_record(_study(), URL)
    assert [t.state for t in record.trials] == ["COMPLETE", "COMPLETE"]
    for trial in record.trials:
        assert len(trial.seeds) == 2
        assert trial.seeds[0].epochs_trained == trial.params["epochs"]
        assert trial.diagnosis is not None and trial.diagnosis.category
        assert trial.value == pytest.approx(np.mean([s.val_loss[-1] for s in trial.seeds]))
    assert record.family == "lstm" and record.n_seeds == 2


@pytest.mark.e2e
def test_curves_read_back_equal_what_training_produced(tiny_space: Path) -> None:
    _run(tiny_space, 1)
    trial = study_record(_study(), URL).trials[0]
    params = TrialParams.from_values("lstm", trial.params)
    fresh = run_seeds("lstm", params, load_task("sequence"), [0, 1], n_jobs=1)
    for stored, trained in zip(trial.seeds, fresh, strict=True):
        np.testing.assert_array_equal(stored.val_loss, trained.val_loss)
        np.testing.assert_array_equal(stored.train_loss, trained.train_loss)


@pytest.mark.e2e
def test_resume_reaches_target_without_repeating_trials(tiny_space: Path) -> None:
    _run(tiny_space, 2)
    before = [(t.number, t.value, t.datetime_complete) for t in _study().trials]
    _run(tiny_space, 3)
    after = _study().trials
    assert len(after) == 3
    assert [(t.number, t.value, t.datetime_complete) for t in after[:2]] == before


@pytest.mark.e2e
def test_trial_left_running_is_rerun_with_same_parameters(tiny_space: Path) -> None:
    _run(tiny_space, 1)
    left = _study().ask()
    units = left.suggest_int("units", 2, 8)
    epochs = left.suggest_int("epochs", 20, 40, step=10)
    _run(tiny_space, 2)
    trials = _study().trials
    assert trials[left.number].state == TrialState.FAIL
    retried = retried_numbers(trials)
    assert trial_record(trials[left.number], retried).interrupted
    rerun = [t for t in trials if t.user_attrs.get("retry_of") == left.number]
    assert len(rerun) == 1 and rerun[0].state == TrialState.COMPLETE
    assert rerun[0].params == {"units": units, "epochs": epochs}


@pytest.mark.e2e
def test_resume_with_a_different_space_is_refused_and_changes_nothing(
    tiny_space: Path, workdir: Path
) -> None:
    _run(tiny_space, 1)
    other = workdir / "other.toml"
    other.write_text(tiny_space.read_text().replace("high = 8", "high = 16"))
    with pytest.raises(InputError, match="different search space"):
        _run(other, 2)
    assert len(_study().trials) == 1


@pytest.mark.e2e
def test_resume_without_space_uses_the_stored_one(tiny_space: Path) -> None:
    _run(tiny_space, 1)
    run(RunOptions(study="t", trials=2, storage=URL, jobs=1), out=io.StringIO())
    assert len(_study().trials) == 2


def test_new_study_needs_a_space(workdir: Path) -> None:
    with pytest.raises(InputError, match="give --space FILE"):
        run(RunOptions(study="nope", trials=1, storage=URL), out=io.StringIO())


@pytest.mark.e2e
def test_ctrl_c_marks_the_trial_interrupted_and_resume_reruns_it(
    tiny_space: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> list[SeedCurves]:
        raise KeyboardInterrupt

    real = objective_module.run_seeds
    monkeypatch.setattr(objective_module, "run_seeds", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _run(tiny_space, 1)
    first = _study().trials[0]
    assert first.state == TrialState.FAIL and first.user_attrs["interrupted"] is True
    monkeypatch.setattr(objective_module, "run_seeds", real)
    _run(tiny_space, 1)
    trials = _study().trials
    assert trials[1].state == TrialState.COMPLETE
    assert trials[1].params == first.params and trials[1].user_attrs["retry_of"] == 0


@pytest.mark.e2e
def test_trial_whose_seeds_all_fail_is_failed_and_study_goes_on(
    tiny_space: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = objective_module.run_seeds

    def flaky(*args: Any, **kwargs: Any) -> list[SeedCurves]:
        calls["n"] += 1
        if calls["n"] == 1:
            empty = np.zeros(0)
            return [
                SeedCurves(
                    seed=s,
                    train_loss=empty,
                    val_loss=empty,
                    stop="error",
                    error="ValueError: boom",
                )
                for s in (0, 1)
            ]
        return real(*args, **kwargs)

    monkeypatch.setattr(objective_module, "run_seeds", flaky)
    _run(tiny_space, 2)
    trials = _study().trials
    assert trials[0].state == TrialState.FAIL
    assert trials[0].user_attrs["error"] == "2 of 2 seeds failed: ValueError: boom (2)"
    assert trials[1].state == TrialState.COMPLETE


@pytest.mark.e2e
def test_set_over_a_value_the_file_fixes_survives_a_resume_without_the_file(
    tiny_space: Path,
) -> None:
    # The file fixes learning_rate = 0.01; --set overrides it for the whole study.
    _run(tiny_space, 1, overrides={"learning_rate": "0.02"})
    run(RunOptions(study="t", trials=2, storage=URL, jobs=1), out=io.StringIO())
    trials = _study().trials
    assert [t.user_attrs["params"]["learning_rate"] for t in trials] == [0.02, 0.02]
