"""``study.run``: a sweep from Python, with the space as a path, TOML text or a dict."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import study
from study.cli import main
from study.curves import SeedCurves
from study.errors import InputError
from study.runner import RunResult

TEXT = (
    'family = "mlp"\ntask = "moons"\nseeds = 1\n\n'
    "[params]\nunits = { low = 2, high = 8 }\nepochs = 5\n"
)
SPACE = {
    "family": "mlp",
    "task": "moons",
    "seeds": 1,
    "params": {"units": {"low": 2, "high": 8}, "epochs": 5},
}


def _scripted_seeds(
    family: str, params: Any, data: Any, seeds: list[int], **kwargs: Any
) -> list[SeedCurves]:
    loss = 1.0 / np.arange(1, params.epochs + 1)
    return [
        SeedCurves(seed=s, train_loss=loss, val_loss=1.1 * loss, epochs_planned=params.epochs)
        for s in seeds
    ]


@pytest.fixture
def scripted(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("study.runner._objective.run_seeds", _scripted_seeds)
    monkeypatch.setattr("study.runner._run.warm_up", lambda *args: None)
    return workdir


def _run(space: Any, **kwargs: Any) -> RunResult:
    return study.run(space, storage="sqlite:///s.db", jobs=1, out=io.StringIO(), **kwargs)


def test_a_path_runs_the_study_named_after_the_file(scripted: Path) -> None:
    (scripted / "moons.toml").write_text(TEXT)
    result = _run(scripted / "moons.toml", trials=2)
    assert (result.study, result.finished, result.target) == ("moons", 2, 2)


def test_toml_text_runs_the_named_study(scripted: Path) -> None:
    assert _run(TEXT, name="text", trials=1).finished == 1


def test_a_dict_runs_the_named_study(scripted: Path) -> None:
    assert _run(SPACE, name="dict", trials=1).finished == 1


def test_a_study_run_from_a_dict_resumes_with_its_stored_space(scripted: Path) -> None:
    _run(SPACE, name="dict", trials=1)
    assert _run(None, name="dict", trials=2).finished == 2


def test_a_dict_and_the_same_text_are_the_same_study(scripted: Path) -> None:
    _run(SPACE, name="same", trials=1)
    assert _run(TEXT, name="same", trials=2).finished == 2


def test_text_without_a_name_is_refused_before_any_storage(scripted: Path) -> None:
    with pytest.raises(InputError, match="`name` is needed with TOML text"):
        _run(TEXT, trials=1)
    assert not (scripted / "s.db").exists()


@pytest.mark.parametrize(("key", "value"), [("trials", 0), ("jobs", -1), ("seeds", 0)])
def test_a_count_below_one_is_refused_before_any_storage(
    scripted: Path, key: str, value: int
) -> None:
    options: dict[str, Any] = {"trials": 1, key: value}
    with pytest.raises(InputError, match=f"`{key}` must be a positive integer"):
        study.run(TEXT, name="n", storage="sqlite:///s.db", out=io.StringIO(), **options)
    assert not (scripted / "s.db").exists()


def test_a_negative_number_of_kept_models_is_refused_before_any_storage(
    scripted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InputError, match="`keep_models` must be 0 or more"):
        study.run(TEXT, name="n", storage="sqlite:///s.db", out=io.StringIO(), keep_models=-1)
    argv = ["run", "--space", str(scripted / "x.toml"), "--keep-models", "-1"]
    (scripted / "x.toml").write_text(TEXT)
    assert main([*argv, "--storage", "sqlite:///s.db"]) == 2
    assert "keep_models" in capsys.readouterr().err
    assert not (scripted / "s.db").exists()


def test_a_space_of_another_type_is_refused(scripted: Path) -> None:
    with pytest.raises(InputError, match="`space` must be a path, TOML text or a dict"):
        _run(42, name="n", trials=1)


def test_the_cli_runs_through_the_api(scripted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def recorded(space: Any, **kwargs: Any) -> RunResult:
        calls.append((space, kwargs))
        return RunResult(kwargs["name"], "sqlite:///s.db", 1, kwargs["trials"])

    monkeypatch.setattr("study.api.run", recorded)
    (scripted / "moons.toml").write_text(TEXT)
    argv = ["run", "--space", "moons.toml", "--trials", "1", "--set", "epochs=3", "--no-report"]
    assert main(argv) == 0
    [(space, kwargs)] = calls
    assert space == Path("moons.toml") and kwargs["name"] == "moons"
    assert kwargs["overrides"] == {"epochs": "3"} and kwargs["trials"] == 1
