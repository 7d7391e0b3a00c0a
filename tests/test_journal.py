"""Optuna's journal file: several runs of one study on one machine, with no server."""

from __future__ import annotations

import hashlib
import json
import logging
import signal
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from study.errors import InputError
from study.storage import open_storage, trial_record
from study.storage.runs import count_finished, retried_numbers
from tests.services import StudyProcess, wait_for

pytestmark = pytest.mark.e2e

SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nepochs = { low = 6000, high = 9000, step = 1000 }\n"
    "learning_rate = 0.01\n\n[pruner]\nenabled = false\n"
)
CUT_OFF = b'{"op_code":4,"worker_id":"ab12","study_id":0,"datetime_st'
"""The start of a record, as a process killed while appending leaves it."""


def _running_of(url: str, pid: int) -> bool:
    try:
        study = optuna.load_study(study_name="j", storage=open_storage(url, must_exist=True))
    except (KeyError, InputError):
        return False
    return any(
        t.user_attrs.get("worker", {}).get("pid") == pid
        for t in study.get_trials(states=(TrialState.RUNNING,))
    )


@pytest.mark.e2e
def test_two_runs_share_a_journal_and_a_killed_runs_trial_is_rerun(workdir: Path) -> None:
    (workdir / "space.toml").write_text(SPACE)
    url, target = f"journal:///{workdir}/study.log", 5
    argv = [
        "run",
        "--space",
        "space.toml",
        "--study",
        "j",
        "--trials",
        str(target),
        "--jobs",
        "1",
        "--no-report",
        "--storage",
        url,
    ]
    first = StudyProcess(argv, workdir)
    wait_for(lambda: _running_of(url, first.pid), 120, "the first run's trial")
    second = StudyProcess(argv, workdir)
    wait_for(lambda: _running_of(url, second.pid), 120, "the second run's trial")
    study = optuna.load_study(study_name="j", storage=open_storage(url, must_exist=True))
    [lost] = [
        t
        for t in study.get_trials(states=(TrialState.RUNNING,))
        if t.user_attrs["worker"]["pid"] == second.pid
    ]
    second.kill(signal.SIGKILL)

    assert first.wait() == 0, first.output()[1]
    study = optuna.load_study(study_name="j", storage=open_storage(url, must_exist=True))
    trials = study.get_trials()
    assert count_finished(study) == target
    finished = (TrialState.COMPLETE, TrialState.PRUNED)
    assert sum(t.state in finished for t in trials) == target
    assert trials[lost.number].state == TrialState.FAIL
    assert trial_record(trials[lost.number], retried_numbers(trials)).interrupted
    [rerun] = [t for t in trials if t.user_attrs.get("retry_of") == lost.number]
    assert rerun.state in finished
    assert {k: rerun.params[k] for k in lost.params} == lost.params
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))


def _journal(workdir: Path, n_trials: int = 2) -> tuple[str, Path]:
    path = workdir / "j.log"
    url = f"journal:///{path}"
    study = optuna.create_study(storage=open_storage(url), study_name="x")
    study.optimize(lambda t: t.suggest_float("a", 0, 1), n_trials=n_trials)
    return url, path


def test_the_journal_is_plain_json_lines_that_a_new_process_reads_back(workdir: Path) -> None:
    url, path = _journal(workdir)
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert all(isinstance(r, dict) and "op_code" in r for r in records)
    reread = optuna.load_study(study_name="x", storage=open_storage(url, must_exist=True))
    assert [t.state for t in reread.trials] == [TrialState.COMPLETE] * 2


def test_a_cut_off_last_record_is_removed_before_writing_with_a_backup(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, path = _journal(workdir)
    whole = path.read_bytes()
    path.write_bytes(whole + CUT_OFF)
    with caplog.at_level(logging.WARNING):
        storage = open_storage(url)
    assert path.read_bytes() == whole
    assert (workdir / "j.log.bak").read_bytes() == whole + CUT_OFF
    [note] = [r.getMessage() for r in caplog.records if r.name.startswith("study.")]
    assert f"cut-off record ({len(CUT_OFF)} bytes" in note and "j.log.bak" in note
    optuna.load_study(study_name="x", storage=storage).optimize(
        lambda t: t.suggest_float("a", 0, 1), n_trials=1
    )
    reread = optuna.load_study(study_name="x", storage=open_storage(url, must_exist=True))
    assert len(reread.trials) == 3


def test_a_second_repair_keeps_the_first_backup(workdir: Path) -> None:
    url, path = _journal(workdir)
    path.write_bytes(path.read_bytes() + CUT_OFF)
    open_storage(url)
    first_backup = (workdir / "j.log.bak").read_bytes()
    path.write_bytes(path.read_bytes() + CUT_OFF[:10])
    open_storage(url)
    assert (workdir / "j.log.bak").read_bytes() == first_backup
    assert (workdir / "j.log.bak.1").read_bytes().endswith(CUT_OFF[:10])


def test_reading_a_journal_with_a_cut_off_record_changes_no_byte(workdir: Path) -> None:
    url, path = _journal(workdir)
    path.write_bytes(path.read_bytes() + CUT_OFF)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    study = optuna.load_study(study_name="x", storage=open_storage(url, must_exist=True))
    assert len(study.trials) == 2
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not (workdir / "j.log.bak").exists()


def test_a_journal_damaged_inside_is_refused_in_one_line(workdir: Path) -> None:
    url, path = _journal(workdir)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([lines[0], b"not a record\n", *lines[1:]]))
    with pytest.raises(InputError) as info:
        open_storage(url)
    message = str(info.value)
    assert "journal file is damaged" in message and "\n" not in message
