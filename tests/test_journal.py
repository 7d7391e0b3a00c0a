"""Several runs of one study on one machine through Optuna's journal file, with no server."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from study.storage import count_finished, open_storage
from tests.services import StudyProcess, wait_for

pytestmark = pytest.mark.e2e

SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nepochs = { low = 20000, high = 30000, step = 5000 }\n"
    "learning_rate = 0.01\n\n[pruner]\nenabled = false\n"
)


def _running_of(url: str, pid: int) -> bool:
    try:
        study = optuna.load_study(study_name="j", storage=open_storage(url))
    except KeyError:
        return False
    return any(t.user_attrs.get("worker", {}).get("pid") == pid
               for t in study.get_trials(states=(TrialState.RUNNING,)))


def test_two_runs_share_a_journal_and_a_killed_runs_trial_is_rerun(workdir: Path) -> None:
    (workdir / "space.toml").write_text(SPACE)
    url, target = f"journal:///{workdir}/study.log", 5
    argv = ["run", "--space", "space.toml", "--study", "j", "--trials", str(target),
            "--jobs", "1", "--no-report", "--storage", url]
    first = StudyProcess(argv, workdir)
    wait_for(lambda: _running_of(url, first.pid), 120, "the first run's trial")
    second = StudyProcess(argv, workdir)
    wait_for(lambda: _running_of(url, second.pid), 120, "the second run's trial")
    study = optuna.load_study(study_name="j", storage=open_storage(url))
    [lost] = [t for t in study.get_trials(states=(TrialState.RUNNING,))
              if t.user_attrs["worker"]["pid"] == second.pid]
    second.kill(signal.SIGKILL)

    assert first.wait() == 0, first.output()[1]
    study = optuna.load_study(study_name="j", storage=open_storage(url))
    trials = study.get_trials()
    assert count_finished(study) == target
    finished = (TrialState.COMPLETE, TrialState.PRUNED)
    assert sum(t.state in finished for t in trials) == target
    assert trials[lost.number].state == TrialState.FAIL
    assert trials[lost.number].user_attrs["interrupted"] is True
    [rerun] = [t for t in trials if t.user_attrs.get("retry_of") == lost.number]
    assert rerun.state in finished
    assert {k: rerun.params[k] for k in lost.params} == lost.params
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))


def test_the_journal_is_json_lines(workdir: Path) -> None:
    url = f"journal:///{workdir}/j.log"
    study = optuna.create_study(storage=open_storage(url), study_name="x")
    study.optimize(lambda t: t.suggest_float("a", 0, 1), n_trials=2)
    for line in (workdir / "j.log").read_text().splitlines():
        json.loads(line)  # Plain data: reading it back never unpickles anything.
