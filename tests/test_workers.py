"""Several runs of one study on a real PostgreSQL server, and passwords that never show."""

from __future__ import annotations

import io
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from study.cli import main
from study.runner import RunOptions, run
from study.storage import open_storage
from study.storage.runs import count_finished
from tests.services import (
    FAST_HEARTBEAT,
    PASSWORD,
    Postgres,
    StudyProcess,
    postgres_server,
    wait_for,
)

pytestmark = pytest.mark.e2e

WORKER_SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nepochs = { low = 6000, high = 9000, step = 1000 }\n"
    "learning_rate = 0.01\n\n[pruner]\nenabled = false\n"
)
"""Trials of about a second, so that the workers' trials overlap."""


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL server for the module's tests, each with its own database."""
    with postgres_server() as server:
        yield server


def _study(url: str, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=open_storage(url))


def _running_of(url: str, name: str, pid: int) -> bool:
    try:
        trials = _study(url, name).get_trials(states=(TrialState.RUNNING,))
    except KeyError:
        return False
    return any(t.user_attrs.get("worker", {}).get("pid") == pid for t in trials)


def test_workers_share_a_study_and_retry_a_killed_workers_trial(
    postgres: Postgres, workdir: Path
) -> None:
    (workdir / "space.toml").write_text(WORKER_SPACE)
    url, target = postgres.url(postgres.database("workers"), password=True), 8
    argv = [
        "run",
        "--space",
        "space.toml",
        "--study",
        "w",
        "--trials",
        str(target),
        "--jobs",
        "1",
        "--no-report",
        "--storage",
        url,
    ]
    # One worker creates the study; the others join it.
    workers = [StudyProcess(argv, workdir, FAST_HEARTBEAT)]
    wait_for(lambda: _running_of(url, "w", workers[0].pid), 120, "the first trial")
    workers += [StudyProcess(argv, workdir, FAST_HEARTBEAT) for _ in range(2)]
    victim = workers[1]
    wait_for(lambda: _running_of(url, "w", victim.pid), 120, "a trial of the second worker")
    lost = next(
        t
        for t in _study(url, "w").get_trials(states=(TrialState.RUNNING,))
        if t.user_attrs["worker"]["pid"] == victim.pid
    )
    victim.kill(signal.SIGKILL)

    for worker in (workers[0], workers[2]):
        assert worker.wait() == 0, worker.output()[1]
    study = _study(url, "w")
    trials = study.get_trials()
    counted = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(counted) == target == count_finished(study)
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    # The killed worker's trial was failed when its heartbeat went stale, and re-run once,
    # with its parameters, by another worker.
    assert trials[lost.number].state == TrialState.FAIL
    [rerun] = [t for t in trials if t.user_attrs.get("retry_of") == lost.number]
    assert rerun.state in (TrialState.COMPLETE, TrialState.PRUNED)
    assert {k: rerun.params[k] for k in lost.params} == lost.params
    assert rerun.user_attrs["worker"]["pid"] in (workers[0].pid, workers[2].pid)
    # Every trial ran in one worker only: nothing was run twice.
    failed = {t.number for t in trials if t.state == TrialState.FAIL}
    retried = [t.user_attrs["retry_of"] for t in trials if "retry_of" in t.user_attrs]
    assert sorted(retried) == sorted(failed)
    pids = {t.user_attrs["worker"]["pid"] for t in counted}
    assert len(pids) >= 2  # The surviving workers both took trials.


def _everything_stored(url: str) -> str:
    storage = open_storage(url)
    parts = []
    for summary in optuna.get_all_study_summaries(storage):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        parts.append(json.dumps(study.user_attrs, default=str))
        parts.append(json.dumps(storage.get_study_system_attrs(study._study_id), default=str))
        for trial in study.get_trials():
            parts.append(
                json.dumps([trial.user_attrs, trial.system_attrs, trial.params], default=str)
            )
    return "\n".join(parts)


def test_the_password_is_never_printed_or_stored(
    postgres: Postgres,
    tiny_space: Path,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = postgres.url(postgres.database("secret"), password=True)
    assert PASSWORD in url
    commands: list[list[str]] = [
        [
            "run",
            "--space",
            str(tiny_space),
            "--study",
            "p",
            "--trials",
            "1",
            "--jobs",
            "1",
            "--storage",
            url,
        ],
        ["list", "--storage", url],
        ["show", "p", "--storage", url],
        ["show", "p", "--json", "--storage", url],
        ["report", "p", "--out", str(workdir / "r"), "--storage", url],
        ["show", "missing", "--storage", url],
        ["list", "--storage", url.replace(PASSWORD, PASSWORD + "x")],
    ]
    shown: list[Any] = []
    for argv in commands:
        main(argv)
        captured = capsys.readouterr()
        shown += [captured.out, captured.err]
    assert all(PASSWORD not in text for text in shown)
    assert "sweeper:***@" in "".join(shown)
    assert PASSWORD not in _everything_stored(url)
    for page in workdir.rglob("*"):
        if page.is_file():
            assert PASSWORD.encode() not in page.read_bytes(), page


def test_a_run_waits_for_the_last_trials_of_other_workers_instead_of_overshooting(
    postgres: Postgres, tiny_space: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres.url(postgres.database("waits"), password=True)
    run(RunOptions(study="o", trials=1, space=tiny_space, storage=url, jobs=1), out=io.StringIO())
    # Another worker holds the study's second and last trial, alive (fresh heartbeat).
    for name, value in FAST_HEARTBEAT.items():
        monkeypatch.setenv(name, value)
    study = _study(url, "o")
    held = study.ask()
    storage = study._storage
    started = time.monotonic()

    def finish_held() -> None:
        time.sleep(2.0)
        storage.record_heartbeat(held._trial_id)  # type: ignore[attr-defined]
        study.tell(held, 1.0)

    import threading

    threading.Thread(target=finish_held, daemon=True).start()
    storage.record_heartbeat(held._trial_id)  # type: ignore[attr-defined]
    run(RunOptions(study="o", trials=2, storage=url, jobs=1), out=io.StringIO())
    assert time.monotonic() - started >= 2.0
    assert len(_study(url, "o").trials) == 2  # It waited; it did not start a third trial.
