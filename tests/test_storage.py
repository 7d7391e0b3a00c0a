from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from study.errors import InputError
from study.storage import check_storage, mask_url, open_storage, resolve_url
from study.storage.runs import count_finished, recover


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
    study.add_trial(
        optuna.trial.create_trial(
            value=1.0,
            params={"x": 1},
            distributions={"x": optuna.distributions.IntDistribution(0, 9)},
        )
    )
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
    from study.storage import study_record
    from study.storage.runs import retry_trial

    study = _study(workdir)
    study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL))
    retry_trial(study, study.trials[0])  # As a stale heartbeat does: no flag on the trial.
    record = study_record(study, "sqlite:///s.db")
    assert record.trials[0].interrupted is True
    assert record.trials[1].retry_of == 0


def test_a_rerun_carries_optunas_retry_record_and_not_the_dead_process(workdir: Path) -> None:
    from study.storage import keys
    from study.storage._resume import requeue
    from study.storage.runs import retry_of

    study = _study(workdir)
    left = study.ask({"x": optuna.distributions.IntDistribution(0, 9)})
    left.set_user_attr(keys.WORKER, {"host": "h", "pid": 1, "started": 1})
    left.set_user_attr(keys.PARAMS, {"x": left.params["x"], "y": 2})
    study.tell(left, state=TrialState.FAIL)
    requeue(study, study.trials[0])
    rerun = study.trials[1]
    assert rerun.state == TrialState.WAITING
    assert rerun.system_attrs["failed_trial"] == 0 and rerun.system_attrs["retry_history"] == [0]
    assert rerun.user_attrs == {keys.PARAMS: {"x": left.params["x"], "y": 2}, keys.RETRY_OF: 0}
    assert retry_of(rerun) == 0


def test_a_trial_whose_heartbeat_stopped_is_rerun_by_optunas_callback(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from study.storage import study_record

    monkeypatch.setenv("STUDY_HEARTBEAT_SECONDS", "1")
    monkeypatch.setenv("STUDY_GRACE_SECONDS", "2")
    storage = open_storage(f"sqlite:///{workdir}/h.db")
    study = optuna.create_study(storage=storage, study_name="h")
    left = study.ask({"x": optuna.distributions.IntDistribution(0, 9)})
    study_id = storage.get_study_id_from_name("h")
    storage.record_heartbeat(storage.get_trial_id_from_study_id_trial_number(study_id, 0))
    time.sleep(3)  # Past the grace period: the worker is gone.
    assert recover(study, single_process=False) == []  # Optuna's callback queued it.
    record = study_record(study, "h")
    assert record.trials[0].state == "FAIL" and record.trials[0].interrupted
    assert record.trials[1].retry_of == 0 and record.trials[1].params == {"x": left.params["x"]}


@pytest.mark.parametrize(("heartbeat", "failed"), [(False, True), (True, False)])
def test_a_dead_process_trial_is_failed_only_where_no_heartbeat_watches_it(
    workdir: Path, heartbeat: bool, failed: bool
) -> None:
    import socket

    from study.storage import keys
    from study.storage._resume import fail_dead_workers

    study = _study(workdir)
    trial = study.ask()
    dead = {"host": socket.gethostname(), "pid": 2**22 + 7, "started": 1, "heartbeat": heartbeat}
    trial.set_user_attr(keys.WORKER, dead)
    assert fail_dead_workers(study) == ([0] if failed else [])
    assert (study.trials[0].state == TrialState.FAIL) is failed


def test_a_storage_exists_once_it_holds_a_study(workdir: Path) -> None:
    from study.storage._open import storage_exists

    url = f"sqlite:///{workdir}/e.db"
    assert not storage_exists(url) and not (workdir / "e.db").exists()
    optuna.create_study(storage=open_storage(url), study_name="e")
    assert storage_exists(url)
    assert not storage_exists(f"journal:///{workdir}/none.log")


def _interrupted(study: optuna.Study, tag: dict[str, object], ended: float) -> None:
    """Add a trial that a Ctrl-C stopped ``ended`` seconds ago in the process ``tag`` names."""
    import datetime

    from study.storage import keys

    end = datetime.datetime.now() - datetime.timedelta(seconds=ended)
    study.add_trial(
        optuna.trial.FrozenTrial(
            number=0,
            trial_id=0,
            state=TrialState.FAIL,
            value=None,
            values=None,
            datetime_start=end - datetime.timedelta(seconds=5),
            datetime_complete=end,
            params={"x": 3},
            distributions={"x": optuna.distributions.IntDistribution(0, 9)},
            user_attrs={keys.INTERRUPTED: True, keys.WORKER: tag},
            system_attrs={},
            intermediate_values={},
        )
    )


def _journal_study(workdir: Path) -> optuna.Study:
    return optuna.create_study(storage=open_storage(f"journal:///{workdir}/s.log"), study_name="s")


def _this_process(**extra: object) -> dict[str, object]:
    from study.storage.runs import worker_tag

    return {**worker_tag(), **extra}


def test_an_interrupted_trial_of_a_live_process_is_left_to_that_process(workdir: Path) -> None:
    study = _journal_study(workdir)
    _interrupted(study, _this_process(), ended=0.0)  # Its process queues the re-run itself.
    assert recover(study, single_process=False) == []
    assert not study.get_trials(states=(TrialState.WAITING,))


def test_an_interrupted_trial_of_a_dead_process_is_rerun_by_another_run(workdir: Path) -> None:
    study = _journal_study(workdir)
    _interrupted(study, _this_process(pid=2**22 + 7), ended=0.0)  # No such process.
    assert recover(study, single_process=False) == [0]


@pytest.mark.parametrize(("ended", "rerun"), [(1.0, False), (600.0, True)])
def test_an_interrupted_trial_of_another_machine_is_rerun_after_a_grace_period(
    workdir: Path, ended: float, rerun: bool
) -> None:
    study = _journal_study(workdir)
    _interrupted(study, _this_process(host="elsewhere", heartbeat=True), ended=ended)
    assert (recover(study, single_process=False) == [0]) is rerun


@pytest.mark.parametrize(
    "content",
    [b'{"op_code":0,"worker_id":"a","study_na', b'{"op_code": 0}\n', b"", b'  {"op_code":4}\n'],
)
def test_a_journal_even_one_cut_off_in_its_first_record_is_taken(
    workdir: Path, content: bytes
) -> None:
    (workdir / "j.log").write_bytes(content)
    check_storage("journal://j.log")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"SQLite format 3\x00" + b"\x00" * 100, "an SQLite database"),
        (b"a,b\n1,2\n", "not an Optuna journal file"),
        (b'family = "lstm"\n', "not an Optuna journal file"),
    ],
)
def test_a_file_that_is_not_a_journal_is_refused_untouched(
    workdir: Path, content: bytes, says: str
) -> None:
    (workdir / "j.log").write_bytes(content)
    with pytest.raises(InputError, match=says):
        open_storage("journal://j.log")
    assert [p.name for p in workdir.iterdir()] == ["j.log"]
    assert (workdir / "j.log").read_bytes() == content
