from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from study.errors import InputError
from study.storage import (
    count_finished,
    mask_url,
    open_storage,
    recover,
    resolve_url,
)


def test_default_url_is_sqlite_in_working_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDY_STORAGE", raising=False)
    assert resolve_url(None) == "sqlite:///studies.db"


def test_environment_overrides_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDY_STORAGE", "sqlite:///other.db")
    assert resolve_url(None) == "sqlite:///other.db"
    assert resolve_url("sqlite:///flag.db") == "sqlite:///flag.db"


def test_password_is_masked() -> None:
    assert mask_url("postgresql://me:s3cret@db:5432/x") == "postgresql://me:***@db:5432/x"
    assert mask_url("sqlite:///studies.db") == "sqlite:///studies.db"


def test_unreachable_server_is_a_one_line_error_without_password() -> None:
    url = "postgresql://me:s3cret@127.0.0.1:1/none"
    with pytest.raises(InputError) as info:
        open_storage(url)
    message = str(info.value)
    assert "s3cret" not in message and "cannot open storage" in message
    assert "\n" not in message


def test_malformed_url_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="cannot open storage"):
        open_storage("nosuchdb://x")


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        open_storage(f"sqlite:///{tmp_path}/missing/studies.db")


def test_read_only_open_does_not_create_a_file(workdir: Path) -> None:
    with pytest.raises(InputError, match="no study database"):
        open_storage("sqlite:///studies.db", must_exist=True)
    assert not (workdir / "studies.db").exists()


def _study(workdir: Path) -> optuna.Study:
    storage = open_storage(f"sqlite:///{workdir}/s.db")
    return optuna.create_study(storage=storage, study_name="s")


def test_recover_reruns_a_trial_left_running(workdir: Path) -> None:
    study = _study(workdir)
    study.add_trial(optuna.trial.create_trial(value=1.0, params={"x": 1},
                    distributions={"x": optuna.distributions.IntDistribution(0, 9)}))
    left = study.ask({"x": optuna.distributions.IntDistribution(0, 9)})
    x = left.params["x"]
    assert recover(study, single_process=True) == [left.number]
    trials = study.get_trials()
    assert trials[left.number].state == TrialState.FAIL
    waiting = [t for t in trials if t.state == TrialState.WAITING]
    assert len(waiting) == 1 and waiting[0].user_attrs["retry_of"] == left.number
    rerun = study.ask()
    assert rerun.suggest_int("x", 0, 9) == x


def test_recover_is_idempotent(workdir: Path) -> None:
    study = _study(workdir)
    study.ask()
    recover(study, single_process=True)
    assert recover(study, single_process=True) == []
    assert len(study.get_trials(states=(TrialState.WAITING,))) == 1


def test_interrupted_trials_do_not_count_as_finished(workdir: Path) -> None:
    study = _study(workdir)
    study.add_trial(optuna.trial.create_trial(value=1.0))
    study.add_trial(optuna.trial.create_trial(state=TrialState.PRUNED, value=2.0))
    study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL))
    study.ask()
    recover(study, single_process=True)
    assert count_finished(study) == 3


def test_a_retried_trial_reads_as_interrupted_without_its_flag(workdir: Path) -> None:
    from study.storage import retry_trial, study_record

    study = _study(workdir)
    study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL))
    retry_trial(study, study.trials[0])  # As a stale heartbeat does: no flag on the trial.
    record = study_record(study, "sqlite:///s.db")
    assert record.trials[0].interrupted is True
    assert record.trials[1].retry_of == 0
