"""Signals at random moments: Ctrl-C to the process group, SIGTERM, SIGKILL.

Each round starts ``python -m study run`` (in its own process group, as a terminal starts a
command), waits a random moment (imports, worker start-up, training, storage writes) and
signals it. Whatever the moment: SIGINT and SIGTERM end the run with exit code 130 and one
line; finished trials stay as they were; an interrupted trial is re-run once with its
parameters; after a final run nothing is left RUNNING.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from study.storage import keys, open_storage
from study.storage.runs import inspect_sqlite, retried_numbers, retry_of, was_interrupted
from tests.services import ROOT, sqlite_states

pytestmark = [pytest.mark.e2e, pytest.mark.soak]

ROUNDS = int(os.environ.get("STUDY_SIGNAL_ROUNDS", "8"))
"""Rounds of the soak (``STUDY_SIGNAL_ROUNDS``): 8 in the suite, more for a longer soak."""
# Trials of a few seconds: long enough for signals to land mid-trial, few enough that the
# study stays small over the rounds.
SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 6 }\nepochs = { low = 3000, high = 6000, step = 1000 }\n"
    "learning_rate = 0.01\n\n[pruner]\nenabled = false\n"
)
EXPECTED = {signal.SIGINT: 130, signal.SIGTERM: 130, signal.SIGKILL: -signal.SIGKILL}


def _start(workdir: Path, trials: int, jobs: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONPATH": str(ROOT),
        "PYTHONFAULTHANDLER": "1",
    }
    env.pop("STUDY_STORAGE", None)
    argv = [
        sys.executable,
        "-m",
        "study",
        "run",
        "--space",
        "space.toml",
        "--study",
        "s",
        "--trials",
        str(trials),
        "--jobs",
        str(jobs),
        "--no-report",
        "--storage",
        "sqlite:///s.db",
    ]
    return subprocess.Popen(
        argv,
        cwd=workdir,
        env=env,
        text=True,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGABRT)  # Dump every thread's stack (faulthandler).
        _, err = process.communicate()
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError(f"the run did not stop:\n{err[-4000:]}") from None
    return process.returncode, err


def _finished(study: optuna.Study) -> dict[int, Any]:
    return {
        t.number: (t.state, t.value, t.params, t.system_attrs.get(keys.CURVES))
        for t in study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
    }


def _load(workdir: Path) -> optuna.Study:
    storage = open_storage(f"sqlite:///{workdir}/s.db", must_exist=True)  # Read-only.
    return optuna.load_study(study_name="s", storage=storage)


def _finished_so_far(workdir: Path) -> dict[int, Any]:
    """The finished trials, read as a user's reader would read them between runs.

    A run stopped while it created the database or the study leaves neither to read yet.
    """
    if inspect_sqlite(workdir / "s.db", "s.db") != "optuna":
        return {}
    try:
        return _finished(_load(workdir))
    except KeyError:  # No study named "s" yet.
        return {}


def test_signals_at_random_moments_lose_nothing_and_exit_as_documented(workdir: Path) -> None:
    (workdir / "space.toml").write_text(SPACE)
    rng = random.Random(20261123)
    n_int, n_term = round(ROUNDS * 0.4), round(ROUNDS * 0.3)
    kinds = [signal.SIGINT] * n_int + [signal.SIGTERM] * n_term
    kinds += [signal.SIGKILL] * (ROUNDS - n_int - n_term)
    rng.shuffle(kinds)
    seen: dict[int, Any] = {}
    table = []
    for round_, kind in enumerate(kinds):
        before = len(sqlite_states(workdir / "s.db"))
        process = _start(workdir, trials=10_000, jobs=2 if kind == signal.SIGINT else 1)
        # Every other round waits for a trial to train first; the others may land anywhere,
        # from the imports to the first trial.
        phase = "training" if round_ % 2 else "start-up"
        if phase == "training":
            _wait_for_a_trial(workdir, process, before)
        moment = rng.uniform(0.0, 3.0) if phase == "training" else rng.uniform(0.3, 8.0)
        time.sleep(moment)
        if process.poll() is not None:  # It must not end before it is told to.
            raise AssertionError((round_, kind.name, process.returncode, _finish(process)[1]))
        os.killpg(process.pid, kind)
        code, err = _finish(process)
        table.append((round_, kind.name, phase, round(moment, 1), code))
        assert code == EXPECTED[kind], (round_, kind.name, moment, err[-3000:])
        if kind != signal.SIGKILL:
            # A seed worker still loading Python when the group's SIGINT comes may print its
            # own start-up traceback (see the README); the run's own output is one line.
            assert err.strip().splitlines()[-1] == "interrupted.", err[-3000:]
            assert f"{os.sep}study{os.sep}" not in err, err[-3000:]
        now = _finished_so_far(workdir)
        assert {n: now[n] for n in seen if n in now} == seen  # Finished trials are intact.
        seen = now
    final = _start(workdir, trials=len(seen) + 1, jobs=2)
    code, err = _finish(final)
    assert code == 0, err[-3000:]
    print("\nround signal phase moment_s exit", *table, sep="\n")
    study = _load(workdir)
    print(
        "states after the final run:",
        sorted(Counter(sqlite_states(workdir / "s.db")).items()),
        "re-runs:",
        sum(retry_of(t) is not None for t in study.get_trials()),
    )
    _check_nothing_lost(study, seen)


def _wait_for_a_trial(workdir: Path, process: subprocess.Popen[str], before: int) -> None:
    """Wait until a trial of this run shows in the database (or 60 s: it is training then).

    The database is read while the run writes it, so a read may fail now and then; the wait
    is a best effort to land the signal mid-trial, never a reason to fail the round.
    """
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if len(sqlite_states(workdir / "s.db")) > before:
            return
        time.sleep(0.1)


def _check_nothing_lost(study: optuna.Study, seen: dict[int, Any]) -> None:
    trials = study.get_trials()
    assert {n: v for n, v in _finished(study).items() if n in seen} == seen
    assert not study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    failed = [t for t in trials if t.state == TrialState.FAIL]
    retried = retried_numbers(trials)
    assert failed and all(was_interrupted(t, retried) for t in failed)
    retries = [retry_of(t) for t in trials if retry_of(t) is not None]
    assert sorted(retries) == sorted(t.number for t in failed)  # Each re-run once.
    by_number = {t.number: t for t in trials}
    for trial in trials:
        if (original := retry_of(trial)) is not None:
            assert trial.params == by_number[original].params
