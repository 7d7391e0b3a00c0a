"""Bad input of every kind: one line on standard error, exit code 2, and no file touched.

The cases live in ``tests/bad_input/`` by kind (search spaces, CSV data, command-line flags,
storages, ``diagnose`` files). Each runs in-process through ``main(argv)`` in a folder that
holds a SQLite and a journal storage with a finished study; every file in the folder is
hashed before and after, so a case that writes, creates or converts anything fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from study.cli import main
from study.curves import SeedCurves
from study.runner import RunOptions, run
from tests.bad_input import TINY, Case, curve_files, flags, misc, owned, spaces, storages
from tests.bad_input import csvs as csv_cases
from tests.bad_input import series as series_cases

CASES: list[Case] = [
    *spaces.CASES,
    *csv_cases.CASES,
    *flags.CASES,
    *storages.CASES,
    *curve_files.CASES,
    *owned.CASES,
    *series_cases.CASES,
    *misc.CASES,
]
ROOT = Path(__file__).resolve().parents[1]


def _scripted_seeds(
    family: str, params: Any, data: Any, seeds: list[int], **kwargs: Any
) -> list[SeedCurves]:
    """Curves that fall like a good fit, in place of training (this file tests input only)."""
    loss = 1.0 / np.arange(1, params.epochs + 1)
    return [
        SeedCurves(seed=s, train_loss=loss, val_loss=1.1 * loss, epochs_planned=params.epochs)
        for s in seeds
    ]


def _no_training(*args: Any, **kwargs: Any) -> list[SeedCurves]:
    raise AssertionError("bad input reached training")


def _patch_training(patch: pytest.MonkeyPatch, seeds: Any) -> None:
    # Not raising when a name moves: the base study is then trained for real, only slower.
    patch.setattr("study.runner._objective.run_seeds", seeds, raising=False)
    patch.setattr("study.runner._run.warm_up", lambda *args: None, raising=False)


@pytest.fixture(scope="module")
def storages_with_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ``s.db`` and ``j.log``, each holding study ``base`` with one trial."""
    folder = tmp_path_factory.mktemp("base")
    (folder / "tiny.toml").write_text(TINY)
    with pytest.MonkeyPatch.context() as patch:
        _patch_training(patch, _scripted_seeds)
        for url in (f"sqlite:///{folder}/s.db", f"journal://{folder}/j.log"):
            options = RunOptions(
                study="base", trials=1, space=folder / "tiny.toml", storage=url, jobs=1
            )
            run(options, out=io.StringIO())
    (folder / "tiny.toml").unlink()
    # Move what the run's still-open connections left in the write-ahead log into the file.
    with contextlib.closing(sqlite3.connect(folder / "s.db")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder


def _hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path) with the SHA-256 of its bytes.

    SQLite's shared-memory index (``-shm``) and an empty write-ahead log (``-wal``) are left
    out: reading a WAL database makes both while a connection is open, without writing.
    """
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not _reader_side_file(p)
    }


def _reader_side_file(path: Path) -> bool:
    return path.name.endswith("-shm") or (path.name.endswith("-wal") and not path.stat().st_size)


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    case: Case,
    storages_with_base: Path,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("s.db", "j.log"):
        shutil.copy(storages_with_base / name, workdir / name)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    _patch_training(monkeypatch, _no_training)
    argv = case.setup(workdir)
    before = _hashes(workdir)
    capsys.readouterr()

    code = main(argv)

    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert case.says in lines[0]
    assert "Traceback" not in err and "hunter2" not in err
    assert _hashes(workdir) == before


def test_there_are_at_least_130_cases() -> None:
    assert len(CASES) >= 130
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "argv",
    [
        ["--colour"],
        ["run", "--space", "missing.toml"],
        ["diagnose", "--baseline", "-1", "missing.csv"],
    ],
)
def test_bad_input_from_a_real_shell_is_one_line_exit_2(argv: list[str], workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "study", *argv],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert list(workdir.iterdir()) == []
