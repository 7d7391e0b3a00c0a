"""What a study stores, where: readable summaries for Optuna's tools, the bulk for `study`."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from study.cli import main
from study.curves import SeedCurves
from study.storage import PruneInfo, keys, open_storage, study_record, trial_record
from study.storage.runs import (
    count_states,
    state_counts,
    trial_attrs,
    write_error,
    write_trial_result,
)
from tests.report_fixtures import scripted_curves, scripted_diagnosis

FORMAT1 = Path(__file__).parent / "fixtures" / "study_format1.sqlite3"
"""A study written by the previous layout (everything in user attributes): three complete
trials of `tests/conftest.py`'s tiny space, one interrupted trial and its queued re-run."""


def _stored(n_seeds: int = 10, epochs: int = 500) -> optuna.trial.FrozenTrial:
    study = optuna.create_study()
    trial = study.ask()
    curves = [scripted_curves("overfit", epochs, s) for s in range(n_seeds)]
    diagnosis = scripted_diagnosis("overfit", n_seeds, advice="reduce capacity " * 10)
    write_trial_result(trial, curves, diagnosis, PruneInfo(epochs, 2 * epochs, "overfit"))
    study.tell(trial, 1.0)
    return study.trials[0]


def test_a_trial_round_trips_through_the_encoder_and_decoder() -> None:
    stored = _stored(n_seeds=3, epochs=50)
    record = trial_record(stored)
    expected = [scripted_curves("overfit", 50, s) for s in range(3)]
    assert [c.to_dict() for c in record.seeds] == [c.to_dict() for c in expected]
    assert record.diagnosis == scripted_diagnosis("overfit", 3, advice="reduce capacity " * 10)
    assert record.pruned == PruneInfo(50, 100, "overfit")


def test_what_optuna_tools_show_stays_under_2_kb_for_ten_seeds_of_500_epochs() -> None:
    stored = _stored()
    assert len(json.dumps(stored.user_attrs)) < 2048
    assert keys.CURVES in stored.system_attrs and keys.FULL_DIAGNOSIS in stored.system_attrs


def test_the_readable_diagnosis_is_the_summary_of_the_full_one() -> None:
    stored = _stored(n_seeds=2, epochs=20)
    summary = stored.user_attrs[keys.DIAGNOSIS]
    assert summary["agreement_text"] == "2 of 2 seeds overfit"
    assert "verdict" not in summary and "seeds" not in summary


def test_a_long_error_is_cut_where_it_is_shown_and_kept_whole_in_the_record() -> None:
    study = optuna.create_study()
    trial = study.ask()
    write_error(trial, "every seed failed: " + "x" * 5000)
    study.tell(trial, state=TrialState.FAIL)
    stored = study.trials[0]
    assert len(stored.user_attrs[keys.ERROR]) == keys.ERROR_SHOWN
    assert trial_record(stored).error == "every seed failed: " + "x" * 5000


def test_the_pure_encoder_builds_what_the_writer_stores() -> None:
    curves = [scripted_curves("underfit", 10, 0)]
    user, system = trial_attrs(curves, None, error="boom")
    frozen = optuna.trial.create_trial(value=1.0, user_attrs=user, system_attrs=system)
    assert trial_record(frozen).seeds[0].to_dict() == curves[0].to_dict()
    assert trial_record(frozen).error == "boom"


def test_counting_states_never_decodes_curves(monkeypatch: pytest.MonkeyPatch) -> None:
    study = optuna.create_study()
    for value in (1.0, 2.0):
        trial = study.ask()
        write_trial_result(trial, [scripted_curves("good_fit", 10, 0)], None)
        study.tell(trial, value)
    study.ask()

    def refuse(cls: type, data: dict[str, object]) -> SeedCurves:
        raise AssertionError("a curve was decoded")

    monkeypatch.setattr(SeedCurves, "from_dict", classmethod(refuse))
    assert count_states(study) == (2, 1)
    assert state_counts(study) == {"COMPLETE": 2, "RUNNING": 1}


@pytest.fixture
def format1(workdir: Path) -> Path:
    path = workdir / "old.sqlite3"
    shutil.copyfile(FORMAT1, path)
    return path


def _load_format1(path: Path) -> optuna.Study:
    storage = open_storage(f"sqlite:///{path}", must_exist=True)
    return optuna.load_study(study_name="v1", storage=storage)


def test_a_study_of_the_previous_layout_decodes_whole(format1: Path) -> None:
    record = study_record(_load_format1(format1), "old")
    complete = [t for t in record.trials if t.state == "COMPLETE"]
    assert len(complete) == 3
    assert all(len(t.seeds) == 2 and t.seeds[0].epochs_trained >= 20 for t in complete)
    assert all(t.diagnosis is not None and t.params["learning_rate"] == 0.01 for t in complete)
    assert record.trials[3].interrupted and record.trials[4].retry_of == 3


def test_a_study_of_the_previous_layout_shows_and_counts(
    format1: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "v1", "--json", "--storage", f"sqlite:///{format1}"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [t["state"] for t in shown["trials"]] == [
        "COMPLETE",
        "COMPLETE",
        "COMPLETE",
        "FAIL",
        "WAITING",
    ]
    assert shown["trials"][0]["seeds"][0]["epochs_trained"] >= 20
    assert shown["trials"][0]["diagnosis"]["agreement_text"].endswith(
        shown["trials"][0]["diagnosis"]["category"]
    )
    assert count_states(_load_format1(format1)) == (3, 0)


def test_reading_a_study_of_the_previous_layout_changes_no_byte(format1: Path) -> None:
    before = hashlib.sha256(format1.read_bytes()).hexdigest()
    study_record(_load_format1(format1), "old")
    assert main(["show", "v1", "--storage", f"sqlite:///{format1}"]) == 0
    assert hashlib.sha256(format1.read_bytes()).hexdigest() == before


def test_optuna_cli_prints_under_2_kb_per_trial(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from optuna.cli import main as optuna_main

    url = f"sqlite:///{workdir}/s.db"
    study = optuna.create_study(study_name="s", storage=open_storage(url))
    for number in range(3):
        trial = study.ask()
        trial.suggest_int("units", 1, 64)
        curves = [scripted_curves("overfit", 400, s) for s in range(5)]
        write_trial_result(trial, curves, scripted_diagnosis("overfit", 5))
        study.tell(trial, float(number))
    printed = {}
    for form in ("table", "json"):
        monkeypatch.setattr(
            sys, "argv", ["optuna", "trials", "--study-name", "s", "--storage", url, "-f", form]
        )
        assert optuna_main() == 0
        printed[form] = capsys.readouterr().out
    assert max(len(line.encode()) for line in printed["table"].splitlines()) <= 2048
    assert all(len(json.dumps(t).encode()) <= 2048 for t in json.loads(printed["json"]))


def test_study_attributes_use_the_documented_keys(workdir: Path) -> None:
    from study.storage.runs import write_study_attrs

    study = optuna.create_study()
    write_study_attrs(study, {keys.STUDY_FAMILY: "mlp"})
    assert study.user_attrs == {keys.STUDY_FORMAT: keys.FORMAT, keys.STUDY_FAMILY: "mlp"}
