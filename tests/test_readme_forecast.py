"""The README's "forecast a series" walkthrough, run as written at a tiny size.

Its commands run in-process with fewer trials, one seed and few epochs; its Python block runs
as is, in the same folder, and must print next year's sunspot number in the series' units.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from study.cli import main
from tests.services import ROOT

pytestmark = pytest.mark.e2e

SECTION = "## Example 2: forecast a series"
TINY = ["--trials", "2", "--seeds", "1", "--set", "epochs=3", "--set", "units=4"]
"""Appended to the walkthrough's `run`: the commands stay as written, the sweep shrinks."""


def _walkthrough() -> tuple[list[str], str]:
    """The section's shell commands (one per line, comments dropped) and its Python code."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.DOTALL)
    shell = [body for lang, body in blocks if lang == ""]
    python = [body for lang, body in blocks if lang == "python"]
    assert len(shell) == 1 and len(python) == 1, "one block of commands, one of Python"
    commands = [line.split("#", 1)[0].strip() for line in shell[0].splitlines()]
    return [c for c in commands if c], python[0]


def test_the_walkthrough_is_at_most_ten_lines() -> None:
    commands, code = _walkthrough()
    assert len(commands) + len(code.strip().splitlines()) <= 10


def test_the_walkthrough_forecasts_the_next_year_as_written(workdir: Path) -> None:
    (workdir / "search_spaces").mkdir()
    (workdir / "examples").mkdir()
    shutil.copy(ROOT / "search_spaces" / "lstm_sunspots.toml", workdir / "search_spaces")
    shutil.copy(ROOT / "examples" / "sunspots.csv", workdir / "examples")
    commands, code = _walkthrough()
    for command in commands:
        argv = shlex.split(command)
        assert argv[:3] == ["python", "-m", "study"], command
        args = argv[3:] + (TINY if argv[3] == "run" else [])
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(args) == 0, command
    assert (workdir / "reports" / "sun" / "index.html").is_file()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    forecast = np.array(re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", printed.getvalue()), float)
    years = pd.read_csv(workdir / "examples" / "sunspots.csv")["SUNACTIVITY"]
    assert forecast.size == 1, printed.getvalue()
    # In sunspot numbers, not standardised units (where a barely trained model says about 0):
    # inside the range of the series, above its lowest tenth.
    assert years.quantile(0.1) < forecast[0] < years.max()
