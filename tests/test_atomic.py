"""Output files: written whole or not at all, never over a file the user did not ask for."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from study.atomic import check_output, write_atomic, write_text_atomic
from study.errors import InputError


def _full_disk(temp: Path) -> None:
    """A write that stops halfway, as on a full disk."""
    temp.write_text("half a fi")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_new_file_is_written(tmp_path: Path) -> None:
    path = write_text_atomic(tmp_path / "a.toml", "x = 1\n")
    assert path.read_text() == "x = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.toml"]


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text("old")
    write_text_atomic(path, "new")
    assert path.read_text() == "new"


def test_a_failed_write_keeps_the_previous_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "curves.csv"
    path.write_text("the good one")
    with pytest.raises(InputError, match="No space left on device"):
        write_atomic(path, _full_disk)
    assert path.read_text() == "the good one"
    assert [p.name for p in tmp_path.iterdir()] == ["curves.csv"]


def test_the_written_file_has_the_usual_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "a.toml", "x")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_an_existing_file_needs_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("mine")
    with pytest.raises(InputError, match="exists; pass --force"):
        check_output(path, flag="--out")
    check_output(path, flag="--out", force=True)


def test_a_protected_file_is_refused_even_with_force(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_text("db")
    with pytest.raises(InputError, match="is the storage; it is never written over"):
        check_output(path, flag="--out", force=True, protected=[(path, "the storage")])


def test_a_protected_file_is_recognised_through_another_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "s.db").write_text("db")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="never written over"):
        check_output(
            Path("./s.db"),
            flag="--out",
            force=True,
            protected=[(tmp_path / "s.db", "the storage")],
        )


@pytest.mark.parametrize("out", ["f/x.toml", "x" * 5000])
def test_an_unusable_path_is_one_error(tmp_path: Path, out: str) -> None:
    (tmp_path / "f").write_text("a file")
    with pytest.raises(InputError, match="--out"):
        check_output(tmp_path / out, flag="--out")
