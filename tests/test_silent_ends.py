"""A builder that ends its process: ``sys.exit`` fails its trial with that cause, a worker killed
by ``os.abort()`` fails its seeds in one line, and the run goes on to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # Spawns runs that import TensorFlow and start seed workers.

ROOT = Path(__file__).resolve().parents[1]
SPACE = (
    'model = "ending_builder:{function}"\nseeds = {seeds}\n\n[task]\nname = "sine"\n'
    "lookback = 4\n\n[params]\nepochs = 2\n\n[pruner]\nenabled = false\n"
)
BUILDER = '''\
import os
import sys

import keras

os.environ.setdefault("BUILDER_MAIN_PID", str(os.getpid()))  # The run's process.
_calls = []


def _model(input_shape, output):
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(output.units)(x))


def exits(params, input_shape, output):
    """Builds for the run's check (the first call), then exits with $BUILDER_EXIT."""
    _calls.append(1)
    if len(_calls) > 1:
        code = os.environ["BUILDER_EXIT"]
        sys.exit(int(code) if code.isdigit() else None)
    return _model(input_shape, output)


def aborts(params, input_shape, output):
    """Builds in the run's process (its check), aborts in every seed worker."""
    if os.getpid() != int(os.environ["BUILDER_MAIN_PID"]):
        os.abort()
    return _model(input_shape, output)
'''


def _run(
    workdir: Path, function: str, *flags: str, seeds: int = 1, exit_code: str = ""
) -> subprocess.CompletedProcess[str]:
    (workdir / "ending_builder.py").write_text(BUILDER)
    (workdir / "s.toml").write_text(SPACE.format(function=function, seeds=seeds))
    argv = [
        sys.executable,
        "-m",
        "study",
        "run",
        "--space",
        "s.toml",
        "--study",
        "s",
        "--storage",
        "sqlite:///s.db",
        "--no-report",
        "--trials",
        "1",
        *flags,
    ]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BUILDER_EXIT": exit_code}
    return subprocess.run(argv, capture_output=True, text=True, cwd=workdir, env=env, timeout=600)


@pytest.mark.parametrize(
    ("code", "called"), [("0", "sys.exit(0)"), ("3", "sys.exit(3)"), ("", "sys.exit()")]
)
def test_a_builder_calling_sys_exit_fails_its_trial_with_that_cause(
    workdir: Path, code: str, called: str
) -> None:
    done = _run(workdir, "exits", "--jobs", "1", exit_code=code)
    assert done.returncode == 0, done.stderr
    cause = f"trial 0 failed: 1 of 1 seeds failed: RuntimeError: the model builder called {called}"
    assert cause in done.stderr and "Traceback" not in done.stderr
    assert "study 's': 1 finished trial," in done.stdout


def test_a_builder_aborting_its_seed_workers_fails_the_trial_in_one_line(
    workdir: Path,
) -> None:
    done = _run(workdir, "aborts", "--jobs", "2", seeds=2)
    assert done.returncode == 0, done.stderr
    assert (
        "trial 0 failed: 2 of 2 seeds failed: seed worker died: TerminatedWorkerError"
        in done.stderr
    )
    assert "Fatal Python error" not in done.stderr and "Traceback" not in done.stderr
