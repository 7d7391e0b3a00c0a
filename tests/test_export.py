"""``python -m study export`` and reading its curves back with ``diagnose``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from study.cli import main
from tests.stored_fixtures import store_study


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url)
    return url


def test_export_writes_trials_and_curves(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "demo", "--storage", url, "--out", str(tmp_path / "x")]) == 0
    trials = pd.read_csv(tmp_path / "x" / "trials.csv")
    curves = pd.read_csv(tmp_path / "x" / "curves.csv")
    assert list(trials["number"]) == [0, 1, 2]
    assert sorted(curves["trial"].unique()) == [0, 1, 2]


def test_export_one_trial(url: str, tmp_path: Path) -> None:
    main(["export", "demo", "--storage", url, "--out", str(tmp_path), "--trial", "1"])
    assert list(pd.read_csv(tmp_path / "curves.csv")["trial"].unique()) == [1]


def test_exported_trial_diagnoses_back(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["export", "demo", "--storage", url, "--out", str(tmp_path), "--trial", "0"])
    capsys.readouterr()
    assert main(["diagnose", str(tmp_path / "curves.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["files"]) == 2 and out["aggregate"]["category"] == "overfit"


def test_diagnose_several_trials_fails(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["export", "demo", "--storage", url, "--out", str(tmp_path)])
    capsys.readouterr()
    assert main(["diagnose", str(tmp_path / "curves.csv")]) == 2
    assert "holds the curves of 3 trials" in capsys.readouterr().err


def test_export_unknown_trial(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["export", "demo", "--storage", url, "--out", str(tmp_path / "x"), "--trial", "9"])
        == 2
    )
    assert "--trial must name a trial" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_export_out_is_a_file(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file"
    target.write_text("keep")
    assert main(["export", "demo", "--storage", url, "--out", str(target)]) == 2
    assert target.read_text() == "keep"


def test_export_unknown_study(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "nope", "--storage", url, "--out", str(tmp_path / "x")]) == 2
    assert "no study named 'nope'" in capsys.readouterr().err


def test_export_leaves_existing_files_under_out_without_force(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "curves.csv").write_text("mine")
    assert main(["export", "demo", "--storage", url, "--out", str(tmp_path / "x")]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "x" / "curves.csv").read_text() == "mine"
    assert main(["export", "demo", "--storage", url, "--out", str(tmp_path / "x"), "--force"]) == 0
    assert list(pd.read_csv(tmp_path / "x" / "trials.csv")["number"]) == [0, 1, 2]


def test_a_failed_export_keeps_the_previous_files_and_no_temporary_file(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "x"
    assert main(["export", "demo", "--storage", url, "--out", str(folder)]) == 0
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    capsys.readouterr()

    def full_disk(frame: pd.DataFrame, path: Path, **kwargs: object) -> None:
        Path(path).write_text("trial,se")  # What a full disk leaves: part of the file.
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    assert main(["export", "demo", "--storage", url, "--out", str(folder), "--force"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "No space left" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
