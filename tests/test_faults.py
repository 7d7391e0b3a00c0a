"""Faults: a run killed, interrupted or cut off from its storage, and seed workers that die.

Whatever happens, nothing is lost: trials finished before the fault stay as they were, the
trial that was cut short is run again with the same parameters, and the study reaches its
target without a trial counted twice.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import optuna
import psutil
import pytest
from optuna.trial import FrozenTrial, TrialState

import study.runner._objective as objective_module
from study.cli import main
from study.curves import SeedCurves
from study.errors import InputError
from study.parallel import SeedJob, run_seeds, train_job
from study.params import TrialParams
from study.runner import RunOptions, run
from study.storage import check_storage, keys, open_storage, trial_curves, trial_record
from study.storage.runs import count_finished, retried_numbers
from study.tasks import load_task
from tests.services import (
    FAST_HEARTBEAT,
    StudyProcess,
    free_port,
    postgres_server,
    sqlite_states,
    wait_for,
)

pytestmark = pytest.mark.e2e  # Trains models or spawns processes.

SLOW_SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nepochs = { low = 1500, high = 2000, step = 100 }\n"
    "learning_rate = 0.01\n\n[pruner]\nenabled = false\n"
)
"""Trials long enough (seconds) that a signal sent during one lands in training."""


def _load(url: str, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=open_storage(url))


def _count(url: str, name: str) -> int:
    try:
        return count_finished(_load(url, name))
    except KeyError:
        return 0  # Not created yet.


def _finished(study: optuna.Study) -> dict[int, Any]:
    """Everything stored about each finished trial, to compare before and after a fault."""
    return {
        t.number: (
            t.state,
            t.value,
            t.params,
            t.system_attrs.get(keys.CURVES),
            t.system_attrs.get(keys.FULL_DIAGNOSIS),
        )
        for t in study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
    }


def _seeds(trial: FrozenTrial) -> list[dict[str, Any]]:
    """Each seed's stored summary (epochs, stop, error, final loss)."""
    return [s.summary() for s in trial_record(trial).seeds]


def _check_nothing_lost(study: optuna.Study, target: int) -> list[FrozenTrial]:
    """Assert the study reached ``target`` exactly, each interrupted trial re-run once with
    its parameters, and no trial counted twice; return the interrupted trials."""
    trials = study.get_trials()
    interrupted = [t for t in trials if t.state == TrialState.FAIL]
    retried = retried_numbers(trials)
    assert all(trial_record(t, retried).interrupted for t in interrupted)
    retries = [t.user_attrs["retry_of"] for t in trials if "retry_of" in t.user_attrs]
    assert sorted(retries) == sorted(t.number for t in interrupted)  # once each, no more
    by_number = {t.number: t for t in trials}
    for trial in trials:
        if "retry_of" in trial.user_attrs:
            assert trial.params == by_number[trial.user_attrs["retry_of"]].params | trial.params
            original = by_number[trial.user_attrs["retry_of"]]
            assert {k: trial.params[k] for k in original.params} == original.params
    counted = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(counted) == target == count_finished(study)
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    for trial in counted:  # Never a trial stored complete with curves cut short.
        if trial.state == TrialState.COMPLETE:
            assert all(
                s["epochs_trained"] == s["epochs_planned"] or s["stop"] == "diverged"
                for s in _seeds(trial)
                if not s.get("error")
            )
    return interrupted


@pytest.mark.e2e
def test_kill_9_at_random_moments_loses_nothing(tiny_space: Path, workdir: Path) -> None:
    rng = random.Random(20240607)
    url, target = "sqlite:///k.db", 6
    argv = [
        "run",
        "--space",
        str(tiny_space),
        "--study",
        "k",
        "--trials",
        str(target),
        "--jobs",
        "1",
        "--no-report",
        "--storage",
        url,
    ]
    seen: dict[int, Any] = {}
    # While training (after a trial has finished, at a random instant), then in the middle of
    # storing a trial's result (after its summaries, before its curves), then training again.
    for moment in ("training", "storage write", "training"):
        env = {"STUDY_TEST_KILL_AT_ATTR": keys.CURVES} if moment == "storage write" else {}
        process = StudyProcess(argv, workdir, env)
        if moment == "storage write":
            assert process.wait() == -signal.SIGKILL
        else:
            done = sqlite_states(workdir / "k.db").count("COMPLETE")
            wait_for(
                lambda done=done: sqlite_states(workdir / "k.db").count("COMPLETE") > done,
                120,
                "a trial to finish",
            )
            time.sleep(rng.uniform(0.0, 1.0))
            assert process.kill() == -signal.SIGKILL
        now = _finished(_load(url, "k"))
        assert {n: now[n] for n in seen} == seen  # Finished trials are intact.
        seen = now
    final = StudyProcess(argv, workdir)
    assert final.wait() == 0, final.output()[1]
    study = _load(url, "k")
    assert {n: v for n, v in _finished(study).items() if n in seen} == seen
    interrupted = _check_nothing_lost(study, target)
    assert len(interrupted) >= 2  # At least the storage-write kill and one during training.


@pytest.mark.e2e
def test_ctrl_c_stores_the_trial_interrupted_and_resume_reruns_it(workdir: Path) -> None:
    (workdir / "slow.toml").write_text(SLOW_SPACE)
    url = "sqlite:///c.db"
    argv = [
        "run",
        "--space",
        "slow.toml",
        "--study",
        "c",
        "--trials",
        "2",
        "--jobs",
        "1",
        "--no-report",
        "--storage",
        url,
    ]
    process = StudyProcess(argv, workdir)
    wait_for(lambda: sqlite_states(workdir / "c.db") == ["RUNNING"], 120, "the first trial")
    time.sleep(2.0)  # The trial is training.
    assert process.kill(signal.SIGINT) == 130
    err = process.output()[1]
    assert "interrupted." in err and "Traceback" not in err
    first = _load(url, "c").trials[0]
    assert first.state == TrialState.FAIL and first.user_attrs["interrupted"] is True
    assert keys.CURVES not in first.system_attrs

    run(RunOptions(study="c", trials=1, storage=url, jobs=1), out=io.StringIO())
    study = _load(url, "c")
    rerun = study.trials[1]
    assert rerun.user_attrs["retry_of"] == 0 and rerun.params == first.params
    assert rerun.state == TrialState.COMPLETE
    _check_nothing_lost(study, 1)


@pytest.mark.e2e
def test_sigterm_is_handled_like_ctrl_c(workdir: Path) -> None:
    (workdir / "slow.toml").write_text(SLOW_SPACE)
    argv = [
        "run",
        "--space",
        "slow.toml",
        "--study",
        "t",
        "--trials",
        "1",
        "--jobs",
        "1",
        "--no-report",
        "--storage",
        "sqlite:///t.db",
    ]
    process = StudyProcess(argv, workdir)
    wait_for(lambda: sqlite_states(workdir / "t.db") == ["RUNNING"], 120, "the first trial")
    time.sleep(1.0)
    assert process.kill(signal.SIGTERM) == 130
    trial = _load("sqlite:///t.db", "t").trials[0]
    assert trial.state == TrialState.FAIL and trial.user_attrs["interrupted"] is True


# Module-level, so that loky worker processes can import them.
def die_on_seed_zero(job: SeedJob, channel: Path | None, group: int) -> list[SeedCurves]:
    """A worker whose process dies (SIGKILL) when it is given seed 0."""
    if 0 in job.seeds:
        os.kill(os.getpid(), signal.SIGKILL)
    return train_job(job, channel, group)


def raise_on_seed_zero(job: SeedJob, channel: Path | None, group: int) -> list[SeedCurves]:
    """A worker that raises when it is given seed 0."""
    if 0 in job.seeds:
        raise MemoryError("out of memory on seed 0")
    return train_job(job, channel, group)


PARAMS = TrialParams(units=4, epochs=30, learning_rate=0.01, batch_size=5)


@pytest.mark.e2e
@pytest.mark.parametrize("worker", [die_on_seed_zero, raise_on_seed_zero])
def test_a_dead_or_raising_seed_worker_is_recorded_against_its_seeds(worker: Any) -> None:
    curves = run_seeds(
        "lstm",
        PARAMS,
        load_task("sequence"),
        [0, 1],
        n_jobs=2,
        backend="loky",
        worker=worker,
        on_progress=lambda c: False,
    )
    assert [c.seed for c in curves] == [0, 1]
    assert curves[0].stop == "error" and curves[0].epochs_trained == 0
    expected = "seed worker died" if worker is die_on_seed_zero else "MemoryError"
    assert curves[0].error is not None and expected in curves[0].error
    assert all(c.stop == "completed" and c.epochs_trained == 30 for c in curves[1:])


@pytest.mark.e2e
def test_a_trial_completes_from_the_seeds_whose_worker_survived(
    tiny_space: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        objective_module, "run_seeds", functools.partial(run_seeds, worker=die_on_seed_zero)
    )
    url = "sqlite:///w.db"
    run(RunOptions(study="w", trials=1, space=tiny_space, storage=url, jobs=2), out=io.StringIO())
    [trial] = _load(url, "w").trials
    assert trial.state == TrialState.COMPLETE
    seeds = _seeds(trial)
    assert "seed worker died" in seeds[0]["error"] and seeds[1]["error"] is None
    assert trial.value == pytest.approx(seeds[1]["final_val_loss"])


def test_unreachable_storage_at_start_is_one_line_and_exit_2(
    tiny_space: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for url in (
        f"postgresql+psycopg2://me:hunter2@127.0.0.1:{free_port()}/db",
        "postgresql+psycopg2://me:hunter2@no-such-host.invalid/db",
        "nosuchdb://x",
    ):
        # From the environment, as a URL with a password should come (not the process list).
        monkeypatch.setenv("STUDY_STORAGE", url)
        code = main(["run", "--space", str(tiny_space), "--no-report"])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith("error: cannot open storage") and err.count("\n") == 1
        assert "hunter2" not in err


@pytest.mark.e2e
def test_storage_lost_mid_run_stops_cleanly_and_resume_continues(
    tiny_space: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres_server() as server:
        url = server.url(server.database("lost"), password=True)
        argv = [
            "run",
            "--space",
            str(tiny_space),
            "--study",
            "l",
            "--trials",
            "50",
            "--jobs",
            "1",
            "--no-report",
            "--storage",
            url,
        ]
        process = StudyProcess(argv, workdir, FAST_HEARTBEAT)
        wait_for(lambda: _count(url, "l") >= 2 or not process.alive(), 120, "two finished trials")
        before = _finished(_load(url, "l"))
        server.stop()
        assert process.wait() == 2
        out, err = process.output()
        assert err.strip().splitlines()[-1].startswith("error: lost the storage")
        assert "Traceback" not in err and "Pw-9f3kq" not in err + out

        server.start()
        for name, value in FAST_HEARTBEAT.items():
            monkeypatch.setenv(name, value)
        time.sleep(4)  # The dead run's trial goes stale.
        target = len(before) + 1
        run(RunOptions(study="l", trials=target, storage=url, jobs=1), out=io.StringIO())
        study = _load(url, "l")
        assert {n: v for n, v in _finished(study).items() if n in before} == before
        assert count_finished(study) == target


def test_a_partial_seed_failure_is_warned_once_and_shown(
    tiny_space: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        objective_module, "run_seeds", functools.partial(run_seeds, worker=raise_on_seed_zero)
    )
    url = "sqlite:///p.db"
    run(RunOptions(study="p", trials=1, space=tiny_space, storage=url, jobs=2), out=io.StringIO())
    warning = "1 of 2 seeds failed: MemoryError: out of memory on seed 0 (1)"
    assert capsys.readouterr().err.count(warning) == 1
    [trial] = _load(url, "p").trials
    traceback = trial_curves(trial)[0].traceback
    assert traceback is not None and "raise MemoryError" in traceback
    assert main(["show", "p", "--storage", url]) == 0
    assert f"warning: {warning}" in capsys.readouterr().out


def _seed_workers(pid: int) -> list[psutil.Process]:
    """The loky worker processes of the run ``pid`` (not its resource tracker)."""
    try:
        children = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    out = []
    for child in children:
        with contextlib.suppress(psutil.Error):
            if "popen_loky" in " ".join(child.cmdline()):
                out.append(child)
    return out


def _busy(workers: list[psutil.Process], seconds: float) -> bool:
    """Whether every worker used ``seconds`` of CPU (it took tasks: TensorFlow, training)."""
    try:
        return all(w.cpu_times().user > seconds for w in workers)
    except psutil.Error:
        return False


def test_kill_9_of_a_run_ends_its_seed_workers(workdir: Path) -> None:
    (workdir / "slow.toml").write_text(SLOW_SPACE)
    argv = ["run", "--space", "slow.toml", "--trials", "3", "--jobs", "2", "--no-report"]
    process = StudyProcess(argv, workdir)
    workers: list[psutil.Process] = []
    try:
        wait_for(lambda: len(_seed_workers(process.pid)) == 2, 120, "two seed workers")
        workers = _seed_workers(process.pid)
        # Past a few seconds of CPU each worker has taken its first task (loading TensorFlow).
        wait_for(lambda: _busy(workers, 3.0), 120, "both seed workers at work")

        process.kill(signal.SIGKILL)

        _, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive
    finally:
        if process.alive():
            process.kill(signal.SIGKILL)
        for worker in workers:
            with contextlib.suppress(psutil.Error):
                worker.kill()


@pytest.mark.parametrize(
    "url",
    ["sqlite:///:memory:", "sqlite://", "sqlite:///file:s?mode=memory&cache=shared&uri=true"],
)
def test_an_in_memory_storage_is_refused(url: str) -> None:
    with pytest.raises(InputError, match="use a file"):
        check_storage(url)


def test_a_run_on_an_in_memory_storage_is_refused_before_training(
    tiny_space: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "run",
        "--space",
        str(tiny_space),
        "--trials",
        "1",
        "--no-report",
        "--storage",
        "sqlite:///:memory:",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "in memory" in err[0] and "sqlite:///studies.db" in err[0]
    assert sorted(p.name for p in workdir.iterdir()) == ["tiny.toml"]
