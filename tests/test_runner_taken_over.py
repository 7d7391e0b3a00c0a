"""A trial that another run failed while this process was paused: one line, and the run goes on."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

import study.runner._objective as objective_module
import study.runner._run as run_module
from study.curves import SeedCurves
from study.params import TrialParams
from study.runner import RunOptions, run
from study.storage import open_storage
from tests.scripted_runs import EPOCHS, falling, write_space

URL = "sqlite:///s.db"


def _fail_running_trial() -> None:
    """What another run does to a trial whose heartbeat stopped: fail it."""
    storage = open_storage(URL)
    study = optuna.load_study(study_name="t", storage=storage)
    (running,) = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    storage.set_trial_state_values(running._trial_id, TrialState.FAIL)


def _script(monkeypatch: pytest.MonkeyPatch, *, taken_at_check: bool) -> None:
    calls = {"trial": 0}

    def run_seeds(
        family: str,
        params: TrialParams,
        data: Any,
        seeds: list[int],
        *,
        chunk_epochs: int,
        on_progress: Any,
        **kwargs: Any,
    ) -> list[SeedCurves]:
        calls["trial"] += 1
        full = [falling(s, 0.2) for s in seeds]
        if calls["trial"] == 1:
            _fail_running_trial()  # The process was paused here, past the grace period.
            if taken_at_check:  # The next write of this trial fails.
                on_progress([c.truncated(chunk_epochs) for c in full])
        for step in range(chunk_epochs, EPOCHS + 1, chunk_epochs):
            if on_progress([c.truncated(step) for c in full]):
                return [dataclasses.replace(c.truncated(step), stop="pruned") for c in full]
        return full

    monkeypatch.setattr(objective_module, "run_seeds", run_seeds)
    monkeypatch.setattr(run_module, "warm_up", lambda *args, **kwargs: None)


@pytest.mark.parametrize("taken_at_check", [False, True])
def test_the_run_says_so_in_one_line_and_goes_on(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    taken_at_check: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    _script(monkeypatch, taken_at_check=taken_at_check)
    out = io.StringIO()
    options = RunOptions(study="t", trials=2, space=write_space(tmp_path), storage=URL, jobs=1)
    run(options, out=out)
    assert "Traceback" not in capsys.readouterr().err
    said = [
        line for line in out.getvalue().splitlines() if "while this process was paused" in line
    ]
    assert len(said) == 1 and said[0].startswith("trial 0 was failed by another run")
    states = [t.state for t in optuna.load_study(study_name="t", storage=open_storage(URL)).trials]
    assert states == [TrialState.FAIL, TrialState.COMPLETE]
