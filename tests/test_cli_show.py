"""``python -m study show`` and ``list`` on a scripted study, in-process through ``main``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from study.cli import BROKEN_PIPE_EXIT, main
from tests.report_fixtures import grid_study, write_storage

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A storage with one scripted study ``g`` of 6 trials (shared: the tests only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('storage') / 's.db'}"
    write_storage(grid_study(6, epochs=30, name="g"), url)
    return url


class _ClosedPipe:
    """Standard output whose reader went away, as after ``| head -c 100``."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_show_json_lists_every_trial(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "g", "--json", "--storage", url]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["study"]["name"] == "g"
    assert [t["number"] for t in shown["trials"]] == list(range(6))


def test_list_counts_the_trials_by_state(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--storage", url]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    counts = [int(n) for n in rows["g"][-5:]]
    assert sum(counts) == 6 and counts[2] >= 1  # Trial 1 of the scripted study failed.


def test_closed_pipe_exits_quietly(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["show", "g", "--json", "--storage", url]) == BROKEN_PIPE_EXIT
    assert capsys.readouterr().err == ""


@pytest.mark.e2e
def test_show_json_into_head_exits_quietly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    write_storage(grid_study(150, epochs=30, name="big"), url)  # Output beyond a pipe's buffer.
    command = (
        f"{sys.executable} -m study show big --json --storage {url} | head -c 100; "
        "exit ${PIPESTATUS[0]}"
    )
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert (done.returncode, done.stderr) == (BROKEN_PIPE_EXIT, "")
    assert len(done.stdout) == 100
