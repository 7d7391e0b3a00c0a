"""Reading a user's file: regular files only, never past the cap, never blocking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from study.cli import main
from study.errors import InputError
from study.files import read_capped
from study.space import load_space
from study.tasks import load_task, make_spec

needs_devices = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
needs_fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A FIFO that nobody writes to: opening it for reading would normally wait forever."""
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _read(path: Path, cap: int = 10) -> bytes:
    return read_capped(path, cap=cap, what="test file", fix="make it smaller.")


def test_a_regular_file_within_the_cap_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"0123456789")
    assert _read(tmp_path / "f") == b"0123456789"


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"0123456789!")
    with pytest.raises(InputError, match=r"too large \(it may hold at most 10 bytes\); make it"):
        _read(tmp_path / "f")


@needs_devices
def test_an_endless_device_is_refused() -> None:
    with pytest.raises(InputError, match="is not a file but a character device"):
        _read(Path("/dev/zero"))


@needs_fifos
def test_a_fifo_without_writer_is_refused_without_waiting(fifo: Path) -> None:
    with pytest.raises(InputError, match=r"is not a file but a FIFO"):
        _read(fifo)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a file but a folder"):
        _read(tmp_path)


def test_a_missing_file_is_left_to_the_caller(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        _read(tmp_path / "missing")


@needs_devices
def test_a_search_space_on_a_device_is_refused() -> None:
    with pytest.raises(InputError, match="give the search-space file as a regular file"):
        load_space("/dev/zero")


@needs_fifos
def test_a_search_space_on_a_fifo_is_refused(fifo: Path) -> None:
    with pytest.raises(InputError, match="FIFO"):
        load_space(fifo)


@needs_fifos
def test_a_task_csv_on_a_fifo_is_refused(fifo: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="give the CSV file of the task as a regular file"):
        load_task(make_spec({"csv": fifo.name, "target": "y"}, tmp_path))


@needs_devices
def test_a_task_csv_on_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="character device"):
        load_task(make_spec({"csv": "/dev/zero", "target": "y"}, tmp_path))


@needs_fifos
def test_diagnose_of_a_fifo_is_one_line_and_exit_2(
    fifo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagnose", str(fifo)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(fifo) in err[0]
