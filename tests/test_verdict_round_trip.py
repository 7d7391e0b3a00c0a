"""One verdict wherever a trial is read: show, study.load, study.diagnose, export + diagnose."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import study
from study.cli import main
from study.storage import StudyRecord
from tests.report_fixtures import mixed_study, write_storage

KEYS = ("category", "kind", "confidence")


def _with_val_samples(record: StudyRecord, n: int) -> StudyRecord:
    """``record`` whose seeds were validated on ``n`` samples each (as a run records)."""
    trials = tuple(
        dataclasses.replace(t, seeds=tuple(dataclasses.replace(c, val_samples=n) for c in t.seeds))
        for t in record.trials
    )
    return dataclasses.replace(record, trials=trials)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 's.db'}"
    record = _with_val_samples(mixed_study(12, name="demo"), 60)
    write_storage(dataclasses.replace(record, space_text="[pruner]\npatience = 40\n"), url)
    return url


def _verdict(entry: Any) -> tuple[Any, ...]:
    """Category, kind and confidence; a missing kind (NaN in a DataFrame) reads as None."""
    category, kind, confidence = (entry[k] for k in KEYS)
    return category, kind if isinstance(kind, str) else None, confidence


def test_every_trial_reads_the_same_verdict_everywhere(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "demo", "--storage", url, "--json"]) == 0
    shown = {
        t["number"]: _verdict(t["diagnosis"])
        for t in json.loads(capsys.readouterr().out)["trials"]
        if t["diagnosis"]
    }
    trials, curves = study.load("demo", storage=url)
    loaded = {
        int(r["number"]): _verdict(r)
        for _, r in trials.iterrows()
        if isinstance(r["category"], str)
    }
    assert len(shown) == 12 and loaded == shown
    for number, verdict in shown.items():
        again = study.diagnose(curves[curves["trial"] == number])
        assert _verdict(again.to_dict()) == verdict, f"study.diagnose, trial {number}"
        folder = tmp_path / f"t{number}"
        main(["export", "demo", "--storage", url, "--out", str(folder), "--trial", str(number)])
        capsys.readouterr()
        assert main(["diagnose", str(folder / "curves.csv"), "--json"]) == 0
        read_back = json.loads(capsys.readouterr().out)["aggregate"]
        assert _verdict(read_back) == verdict, f"export + diagnose, trial {number}"


def test_the_stored_trials_include_pruned_ones(url: str) -> None:
    trials, _ = study.load("demo", storage=url)
    assert set(trials["state"]) == {"COMPLETE", "PRUNED"}


def test_flags_given_to_diagnose_take_precedence_over_the_exported_context(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["export", "demo", "--storage", url, "--out", str(tmp_path), "--trial", "0"])
    capsys.readouterr()
    path = str(tmp_path / "curves.csv")
    assert main(["diagnose", path, "--json", "--val-samples", "5", "--reached", "0.01"]) == 0
    flagged = json.loads(capsys.readouterr().out)["aggregate"]
    _, curves = study.load("demo", storage=url)
    expected = study.diagnose(curves[curves["trial"] == 0], val_samples=5, reached_loss=0.01)
    assert _verdict(flagged) == _verdict(expected.to_dict())
