"""``python -m study`` starts fast: ``--help``, ``list`` and ``show`` import only what they use.

How long a start takes is measured by ``benchmarks/cli_start.py``; these tests check the cause
(which libraries a command loads), which does not depend on the machine's load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from study.cli import build_parser
from study.cli._common import STORAGE_HELP
from study.cli._report import MAX_CURVES_HELP
from tests.report_fixtures import grid_study, write_storage

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras", "sklearn", "pandas", "optuna", "matplotlib", "seaborn")
PROBE = """
import contextlib, io, json, sys
from study.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _heavy_modules(*argv: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return [name for name in loaded if name in HEAVY]


@pytest.mark.e2e
def test_help_imports_no_heavy_library() -> None:
    assert _heavy_modules("--help") == []


@pytest.mark.e2e
@pytest.mark.parametrize("command", ["run", "list", "show", "report", "diagnose", "next"])
def test_subcommand_help_imports_no_heavy_library(command: str) -> None:
    assert _heavy_modules(command, "--help") == []


@pytest.mark.e2e
@pytest.mark.parametrize("command", [["list"], ["show", "g"], ["show", "g", "--json"]])
def test_reading_a_study_imports_optuna_but_no_tensorflow_or_sklearn(
    command: list[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    write_storage(grid_study(4, epochs=20, name="g"), url)
    assert _heavy_modules(*command, "--storage", url) == ["optuna"]


def test_storage_help_names_the_real_variable_and_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from study.storage import STORAGE_ENV, resolve_url

    monkeypatch.delenv(STORAGE_ENV, raising=False)
    assert f"${STORAGE_ENV}, else {resolve_url(None)})" in STORAGE_HELP


def test_report_help_shows_the_report_default() -> None:
    from study.reporting import MAX_CURVES

    assert MAX_CURVES_HELP == MAX_CURVES


def test_usage_names_the_command_as_it_is_typed() -> None:
    assert build_parser().format_usage().startswith("usage: python -m study ")
