"""Each finished trial's learning-curve figure is stored as an Optuna artifact of that trial."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from study.cli import main
from study.errors import InputError
from study.reporting import CurveArtifacts, trial_png
from study.storage import open_storage
from tests.report_fixtures import grid_study, write_storage
from tests.scripted_runs import script, write_space

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STUDY_STORAGE", raising=False)
    return tmp_path


def _trial_artifacts(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> list[dict[str, str]]:
    """The artifacts optuna-dashboard lists on ``trial``'s page."""
    prefix = f"dashboard:artifacts:{trial._trial_id}:"
    storage = open_storage("sqlite:///s.db")
    attrs = storage.get_study_system_attrs(storage.get_study_id_from_name(study.study_name))
    return [json.loads(v) for k, v in attrs.items() if k.startswith(prefix)]


def _run_argv(workdir: Path, *extra: str) -> list[str]:
    space = write_space(workdir)
    common = ["--study", "t", "--jobs", "1", "--storage", "sqlite:///s.db", "--no-report"]
    return ["run", "--space", str(space), *common, *extra]


def test_trial_png_draws_one_trials_curves_as_a_png() -> None:
    record = grid_study(4, name="g")
    png = trial_png(record, record.trials[0].number)
    assert png is not None and png.startswith(PNG_MAGIC)


def test_trial_png_is_none_for_a_trial_without_a_trained_epoch() -> None:
    assert trial_png(grid_study(4, name="g"), 1) is None  # trial 1 failed before training


def test_trial_png_refuses_a_trial_the_study_lacks() -> None:
    with pytest.raises(KeyError):
        trial_png(grid_study(4, name="g"), 99)


def test_the_callback_stores_the_figure_as_the_trials_artifact(workdir: Path) -> None:
    study = write_storage(grid_study(4, name="g"), "sqlite:///s.db")
    trial = study.trials[2]
    CurveArtifacts(workdir / "art", "sqlite:///s.db")(study, trial)
    (meta,) = _trial_artifacts(study, trial)
    assert meta["filename"] == "trial-2-curves.png" and meta["mimetype"] == "image/png"
    assert (workdir / "art" / meta["artifact_id"]).read_bytes().startswith(PNG_MAGIC)


def test_the_callback_stores_nothing_on_other_trials(workdir: Path) -> None:
    study = write_storage(grid_study(4, name="g"), "sqlite:///s.db")
    CurveArtifacts(workdir / "art", "sqlite:///s.db")(study, study.trials[2])
    assert not _trial_artifacts(study, study.trials[0])


def test_a_trial_without_a_trained_epoch_gets_no_artifact(workdir: Path) -> None:
    study = write_storage(grid_study(4, name="g"), "sqlite:///s.db")  # trial 1 failed
    CurveArtifacts(workdir / "art", "sqlite:///s.db")(study, study.trials[1])
    assert not _trial_artifacts(study, study.trials[1])
    assert not (workdir / "art").exists()


def test_the_callback_refuses_a_folder_that_is_a_file(workdir: Path) -> None:
    (workdir / "taken").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="must be a folder"):
        CurveArtifacts(workdir / "taken")


def test_a_figure_that_cannot_be_stored_is_said_once_and_the_run_goes_on(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = write_storage(grid_study(4, name="g"), "sqlite:///s.db")
    artifacts = CurveArtifacts(workdir / "later" / "art", "sqlite:///s.db")
    (workdir / "later").write_text("made after the callback", encoding="utf-8")
    artifacts(study, study.trials[2])
    artifacts(study, study.trials[3])
    assert capsys.readouterr().err.count("warning: a curve artifact was not stored") == 1
    assert not _trial_artifacts(study, study.trials[2])


def test_a_run_with_artifacts_stores_one_figure_per_trial(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [[0.2, 0.21, 0.22]])
    assert main(_run_argv(workdir, "--trials", "2", "--artifacts", "art")) == 0
    study = optuna.load_study(study_name="t", storage=open_storage("sqlite:///s.db"))
    assert [len(_trial_artifacts(study, t)) for t in study.trials] == [1, 1]
    assert len(list((workdir / "art").iterdir())) == 2


def test_an_artifacts_path_that_is_a_file_is_one_line_and_stores_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "taken").write_text("mine", encoding="utf-8")
    assert main(_run_argv(workdir, "--artifacts", "taken")) == 2
    err = capsys.readouterr().err
    assert "--artifacts" in err and len(err.strip().splitlines()) == 1
    assert not (workdir / "s.db").exists()
    assert (workdir / "taken").read_text(encoding="utf-8") == "mine"


def test_an_artifacts_folder_under_a_file_is_one_line_and_stores_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "taken").write_text("mine", encoding="utf-8")
    assert main(_run_argv(workdir, "--artifacts", "taken/art")) == 2
    assert "lies under" in capsys.readouterr().err
    assert not (workdir / "s.db").exists()


def test_a_run_stores_figures_in_the_folder_study_artifacts_names(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [[0.2, 0.21, 0.22]])
    monkeypatch.setenv("STUDY_ARTIFACTS", str(workdir / "env-art"))
    assert main(_run_argv(workdir, "--trials", "1")) == 0
    study = optuna.load_study(study_name="t", storage=open_storage("sqlite:///s.db"))
    assert [len(_trial_artifacts(study, t)) for t in study.trials] == [1]


def test_a_study_artifacts_path_that_is_a_file_stores_no_figure_and_the_run_goes_on(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [[0.2, 0.21, 0.22]])
    (workdir / "taken").write_text("mine", encoding="utf-8")
    monkeypatch.setenv("STUDY_ARTIFACTS", str(workdir / "taken"))
    assert main(_run_argv(workdir, "--trials", "1")) == 0
    study = optuna.load_study(study_name="t", storage=open_storage("sqlite:///s.db"))
    assert [len(_trial_artifacts(study, t)) for t in study.trials] == [0]
    assert (workdir / "taken").read_text(encoding="utf-8") == "mine"
