"""``python -m study next``, run in-process through ``main`` on a scripted stored study."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import sqlite3
import tomllib
from pathlib import Path

import optuna
import pytest
from optuna.distributions import IntDistribution

from study.cli import main
from study.space import load_space
from study.storage.runs import write_study_attrs
from tests.report_fixtures import grid_study, write_storage
from tests.test_followup import SPACE

NAME = "sine"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding one scripted study of known structure (written once)."""
    path = tmp_path_factory.mktemp("stored") / "studies.db"
    write_storage(
        dataclasses.replace(grid_study(60, name=NAME), space_text=SPACE), f"sqlite:///{path}"
    )
    return path


@pytest.fixture
def db(stored: Path, tmp_path: Path) -> Path:
    """A fresh copy of :func:`stored` for one test."""
    return Path(shutil.copy(stored, tmp_path / "studies.db"))


def digest(path: Path) -> str:
    """A digest of every row the database holds (opening it may switch its journal mode)."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        dump = "\n".join(connection.iterdump())
    return hashlib.sha256(dump.encode()).hexdigest()


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err and err.startswith("error: ")
    return err


def test_next_writes_a_space_that_run_accepts(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "follow.toml"
    assert main(["next", NAME, "--storage", f"sqlite:///{db}", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == str(out)
    assert any(line.startswith("units: ") for line in printed)
    space = load_space(out)
    assert space.searched["units"].low > 4  # type: ignore[union-attr]


def test_next_defaults_to_a_file_in_the_working_folder(
    db: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["next", NAME, "--storage", f"sqlite:///{db}"]) == 0
    assert (workdir / f"next_{NAME}.toml").is_file()


def test_unknown_study_is_one_line_and_leaves_the_storage_alone(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(db)
    out = tmp_path / "follow.toml"
    assert main(["next", "nope", "--storage", f"sqlite:///{db}", "--out", str(out)]) == 2
    assert "no study named 'nope'" in one_line_error(capsys)
    assert digest(db) == before and not out.exists()


@pytest.mark.parametrize("where", ["missing/follow.toml", "."])
def test_unwritable_out_is_one_line_and_leaves_the_storage_alone(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    before = digest(db)
    out = tmp_path / where
    assert main(["next", NAME, "--storage", f"sqlite:///{db}", "--out", str(out)]) == 2
    assert "--out" in one_line_error(capsys)
    assert digest(db) == before


BUILDER = """def build(params, input_shape, output):
    raise NotImplementedError  # never called: `next` only reads the study
"""

CUSTOM_SPACE = """model = "mybuild:build"
seeds = 3
objective = "final_val_loss"

[task]
name = "sine"
lookback = 12

[params]
filters = { low = 4, high = 128, log = true }
units = { low = 4, high = 128, log = true }
dropout = { low = 0.0, high = 0.5 }
optimizer = { choices = ["adam", "sgd"] }
epochs = 100
layers = 1
"""


def _custom_study(url: str) -> None:
    """The scripted study, as if a builder read ``filters`` (equal to ``units`` in each trial)."""
    record = grid_study(60, name="custom")
    filters = IntDistribution(4, 128, log=True)
    trials = tuple(
        dataclasses.replace(
            t,
            params={**t.params, "filters": t.params["units"]},
            distributions={**t.distributions, "filters": filters},
        )
        for t in record.trials
    )
    record = dataclasses.replace(
        record, trials=trials, space_text=CUSTOM_SPACE, family="mybuild:build"
    )
    write_storage(record, url)


def test_next_writes_a_custom_builder_space_that_run_accepts(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "mybuild.py").write_text(BUILDER)
    _custom_study(f"sqlite:///{workdir / 'studies.db'}")
    out = workdir / "follow.toml"
    assert main(["next", "custom", "--out", str(out)]) == 0
    space = load_space(out)
    assert space.model == "mybuild:build"
    filters = space.searched["filters"]
    assert filters.low >= 4 and filters.high <= 128  # type: ignore[union-attr]


def test_next_writes_a_csv_path_that_works_from_where_the_space_is_written(
    db: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spaces, elsewhere = workdir / "spaces", workdir / "elsewhere"
    spaces.mkdir()
    elsewhere.mkdir()
    (spaces / "data.csv").write_text("x,y\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    text = SPACE.replace(
        'name = "sine"\nlookback = 12', 'csv = "data.csv"\ntarget = "y"\nlookback = 3'
    )
    assert db == workdir / "studies.db"  # The storage a command finds in the working folder.
    study = optuna.load_study(study_name=NAME, storage=f"sqlite:///{db}")
    write_study_attrs(study, {"space_text": text})  # The study as a run on that space stores it.
    study.set_user_attr("space_path", str(spaces / "space.toml"))
    out = elsewhere / "follow.toml"
    assert main(["next", NAME, "--out", str(out)]) == 0
    csv = Path(tomllib.loads(out.read_text())["task"]["csv"])
    assert csv == spaces / "data.csv" and csv.is_absolute()
    assert load_space(out).task.options["csv"] == str(csv)


def _full_disk(fd: int) -> None:
    raise OSError(28, "No space left on device")  # Met when the written part is flushed.


def test_a_failed_write_keeps_the_previous_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "follow.toml"
    out.write_text("the previous space\n")
    monkeypatch.setattr(os, "fsync", _full_disk)
    argv = ["next", NAME, "--storage", f"sqlite:///{db}", "--out", str(out), "--force"]
    assert main(argv) == 2
    assert "No space left on device" in one_line_error(capsys)
    monkeypatch.undo()
    assert out.read_text() == "the previous space\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_force_replaces_an_existing_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "follow.toml"
    out.write_text("old\n")
    assert main(["next", NAME, "--storage", f"sqlite:///{db}", "--out", str(out), "--force"]) == 0
    assert load_space(out).path == out


@pytest.mark.parametrize("which", ["space", "csv"])
def test_the_studys_own_files_are_never_replaced(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    space, csv = tmp_path / "mine.toml", tmp_path / "data.csv"
    space.write_text("keep\n")
    csv.write_text("a,b\n")
    study = optuna.load_study(study_name=NAME, storage=f"sqlite:///{db}")
    study.set_user_attr("space_path", str(space))
    study.set_user_attr("task", {"name": "csv", "csv": "data.csv", "target": "b"})
    out = space if which == "space" else csv
    assert main(["next", NAME, "--storage", f"sqlite:///{db}", "--out", str(out), "--force"]) == 2
    assert "never written over" in one_line_error(capsys)
    assert space.read_text() == "keep\n" and csv.read_text() == "a,b\n"


@pytest.mark.parametrize("variable", ["STUDY_STORAGE", "STUDY_STORAGE_FILE"])
def test_next_reads_the_storage_named_by_the_environment(
    db: Path,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    (workdir / "url.txt").write_text(f"sqlite:///{db}\n")
    monkeypatch.setenv(variable, "url.txt" if variable.endswith("FILE") else f"sqlite:///{db}")
    assert main(["next", NAME]) == 0
    assert (workdir / f"next_{NAME}.toml").is_file()


def test_next_never_imports_the_module_a_stored_study_names(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "mybuild.py").write_text(
        "from pathlib import Path\nPath('imported.flag').write_text('ran')\n" + BUILDER
    )
    _custom_study(f"sqlite:///{workdir / 'studies.db'}")
    assert main(["next", "custom", "--out", str(workdir / "follow.toml")]) == 0
    assert (workdir / "follow.toml").is_file()
    assert not (workdir / "imported.flag").exists()
