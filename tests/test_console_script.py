"""The ``study`` console script is ``python -m study``: same entry point, signals, exit codes."""

from __future__ import annotations

import importlib.metadata
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import study.__main__

SCRIPT = Path(sys.executable).parent / "study"


def test_the_console_script_calls_the_module_entry_point() -> None:
    (entry,) = importlib.metadata.entry_points(group="console_scripts", name="study")
    assert entry.load() is study.__main__.main


@pytest.mark.e2e
def test_the_console_script_ends_on_sigterm_with_one_line_and_code_130(tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: install the package with pip install -e ."
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("STUDY_STORAGE", None)
    process = subprocess.Popen(
        [
            str(SCRIPT),
            "run",
            "--trials",
            "1",
            "--no-report",
            "--storage",
            f"sqlite:///{tmp_path / 's.db'}",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)  # While its libraries load: no handler of Python's own is in place yet.
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "interrupted."
    assert "Traceback" not in err


@pytest.mark.e2e
def test_the_console_script_refuses_bad_input_with_one_line_and_code_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "show", "nothing", "--storage", "nope://x"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_package_declares_its_type_hints() -> None:
    assert Path(study.__main__.__file__).with_name("py.typed").is_file()
