"""Benchmark: how long ``python -m study`` takes to answer, against a bare Python start.

Each command runs in a fresh interpreter (what a user types), timed by wall clock; the rows
run in turn within every repeat, so load on the machine hits all of them alike, and the table
prints medians. ``list`` and ``show`` read a small scripted study (6 trials) in a temporary
SQLite file. Two reference rows: ``python -c pass`` (the floor every command pays) and
importing scikit-learn, pandas and optuna (what ``--help`` used to load).

Run: ``python -m benchmarks.cli_start [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 0.5
"""``--help`` should answer within this (issue goal), on an idle 2-core machine."""


def _commands(url: str) -> dict[str, list[str]]:
    python = [sys.executable]
    return {
        "python -c pass": [*python, "-c", "pass"],
        "import sklearn, pandas, optuna": [*python, "-c", "import sklearn, pandas, optuna"],
        "python -m study --help": [*python, "-m", "study", "--help"],
        "python -m study run --help": [*python, "-m", "study", "run", "--help"],
        "python -m study list": [*python, "-m", "study", "list", "--storage", url],
        "python -m study show g": [*python, "-m", "study", "show", "g", "--storage", url],
    }


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - start


def _write_study(url: str) -> None:
    import optuna

    from tests.report_fixtures import grid_study, write_storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    write_storage(grid_study(6, epochs=30, name="g"), url)


def main() -> None:
    """Print the median wall time of each command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/s.db"
        _write_study(url)
        commands = _commands(url)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, argv in commands.items():
                times[name].append(_seconds(argv, env))
    floor = statistics.median(times["python -c pass"])
    print(f"{'command':<32} {'median s':>9} {'min s':>7} {'over bare python s':>19}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<32} {median:>9.3f} {min(values):>7.3f} {median - floor:>19.3f}")
    help_s = statistics.median(times["python -m study --help"])
    print(f"--help: {help_s:.3f} s (goal < {GOAL_SECONDS} s)")


if __name__ == "__main__":
    main()
