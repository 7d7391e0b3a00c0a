"""SQLite files: one run per file, read-only commands that write nothing, foreign files refused."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from study.cli import main
from study.errors import InputError
from study.storage import check_storage, open_storage
from study.storage.runs import error_reason, inspect_sqlite

FORMAT1 = Path(__file__).parent / "fixtures" / "study_format1.sqlite3"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def foreign(workdir: Path) -> Path:
    path = workdir / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO customers (name) VALUES ('ada')")
    return path


def test_another_programs_database_is_refused_for_a_run_untouched(foreign: Path) -> None:
    before = _digest(foreign)
    with pytest.raises(InputError, match=r"database of another program .*customers"):
        open_storage(f"sqlite:///{foreign}")
    assert _digest(foreign) == before
    assert sorted(p.name for p in foreign.parent.iterdir()) == ["app.db"]


def test_another_programs_database_is_refused_by_list(
    foreign: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", "--storage", f"sqlite:///{foreign}"]) == 2
    assert "another program" in capsys.readouterr().err


def test_a_file_that_is_not_sqlite_is_named_so(workdir: Path) -> None:
    path = workdir / "notes.db"
    path.write_text("just some notes\n" * 20)
    with pytest.raises(InputError, match="is not an SQLite database"):
        check_storage(f"sqlite:///{path}")


def test_a_damaged_database_names_the_damage_and_the_fix(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check reads again after a pause in case a run was just ending; damage stays.
    monkeypatch.setattr("study.storage._sqlite.time", types.SimpleNamespace(sleep=lambda s: None))
    path = workdir / "damaged.db"
    data = bytearray(FORMAT1.read_bytes())
    data[8192:8392] = b"\xab" * 200  # One page's header: what a failing disk leaves.
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        open_storage(f"sqlite:///{path}", must_exist=True)
    message = str(info.value)
    assert "damaged SQLite database" in message and "restore it from a backup" in message
    assert "exceeding max length" not in message and "\n" not in message


@pytest.fixture
def optuna_db(workdir: Path) -> Path:
    path = workdir / "s.db"
    shutil.copyfile(FORMAT1, path)
    return path


def test_read_only_commands_change_no_byte_and_keep_the_journal_mode(
    optuna_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(optuna_db)
    url = f"sqlite:///{optuna_db}"
    assert main(["list", "--storage", url]) == 0
    assert main(["show", "v1", "--storage", url]) == 0
    assert _digest(optuna_db) == before
    with sqlite3.connect(f"file:{optuna_db}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_read_only_open_cannot_write(optuna_db: Path) -> None:
    storage = open_storage(f"sqlite:///{optuna_db}", must_exist=True)
    study = optuna.load_study(study_name="v1", storage=storage)
    with pytest.raises(optuna.exceptions.StorageInternalError) as info:
        study.set_user_attr("x", 1)
    assert "readonly database" in error_reason(info.value, "sqlite:///s.db")


def test_show_works_on_a_read_only_file(optuna_db: Path) -> None:
    optuna_db.chmod(0o444)
    assert main(["show", "v1", "--storage", f"sqlite:///{optuna_db}"]) == 0


def test_an_empty_file_is_not_a_study_database_for_reading(workdir: Path) -> None:
    (workdir / "empty.db").touch()
    with pytest.raises(InputError, match="no study database"):
        check_storage(f"sqlite:///{workdir}/empty.db", must_exist=True)
    assert inspect_sqlite(workdir / "empty.db", "x") == "empty"


@pytest.fixture
def held_by_another_run(workdir: Path) -> Iterator[Path]:
    """An SQLite database whose lock another process holds (a file descriptor of its own)."""
    path = workdir / "busy.db"
    shutil.copyfile(FORMAT1, path)
    fd = os.open(workdir / "busy.db.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, b"pid 4242 on elsewhere")
    try:
        yield path
    finally:
        os.close(fd)


def test_a_second_run_on_one_sqlite_file_is_refused_naming_the_alternatives(
    held_by_another_run: Path,
) -> None:
    before = _digest(held_by_another_run)
    with pytest.raises(InputError) as info:
        open_storage(f"sqlite:///{held_by_another_run}")
    message = str(info.value)
    assert "in use by another run (pid 4242 on elsewhere)" in message
    assert "journal:///" in message and "postgresql://" in message
    assert _digest(held_by_another_run) == before


def test_reading_a_file_a_run_holds_is_allowed(held_by_another_run: Path) -> None:
    storage = open_storage(f"sqlite:///{held_by_another_run}", must_exist=True)
    assert len(optuna.load_study(study_name="v1", storage=storage).trials) == 5


def test_the_run_that_holds_the_file_may_open_it_again(workdir: Path) -> None:
    url = f"sqlite:///{workdir}/mine.db"
    optuna.create_study(study_name="a", storage=open_storage(url))
    assert optuna.load_study(study_name="a", storage=open_storage(url)).study_name == "a"


SLOW_SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 1\n\n[params]\n'
    "units = { low = 2, high = 4 }\nepochs = { low = 1500, high = 2000, step = 100 }\n"
    "learning_rate = 0.01\n\n[pruner]\nenabled = false\n"
)


@pytest.mark.e2e
def test_a_second_run_on_a_running_sqlite_study_is_refused_and_the_first_finishes(
    workdir: Path,
) -> None:
    from tests.services import StudyProcess, sqlite_states, wait_for

    (workdir / "slow.toml").write_text(SLOW_SPACE)
    argv = [
        "run",
        "--space",
        "slow.toml",
        "--study",
        "s",
        "--trials",
        "1",
        "--jobs",
        "1",
        "--no-report",
        "--storage",
        "sqlite:///s.db",
    ]
    first = StudyProcess(argv, workdir)
    wait_for(lambda: sqlite_states(workdir / "s.db") == ["RUNNING"], 120, "the first trial")
    second = StudyProcess([*argv[:6], "2", *argv[7:]], workdir)
    assert second.wait() == 2
    err = second.output()[1]
    assert err.count("\n") == 1 and "in use by another run" in err and "Traceback" not in err
    assert first.wait() == 0, first.output()[1]
    assert sqlite_states(workdir / "s.db") == ["COMPLETE"]


def test_a_wal_database_in_a_folder_without_write_access_is_read_as_immutable(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from study.storage import _sqlite

    path = workdir / "wal.db"
    writer = open_storage(f"sqlite:///{path}")
    optuna.create_study(study_name="w", storage=writer)
    assert isinstance(writer, optuna.storages.RDBStorage)
    writer.engine.dispose()  # The run ends: its log is folded into the file.
    monkeypatch.setattr(_sqlite, "writable", lambda folder: False)
    storage = open_storage(f"sqlite:///{path}", must_exist=True)
    assert optuna.load_study(study_name="w", storage=storage).study_name == "w"
    assert not list(workdir.glob("wal.db-*"))


def test_the_lock_ends_with_the_storage_that_holds_it(workdir: Path) -> None:
    import gc

    url = f"sqlite:///{workdir}/done.db"
    storage = open_storage(url)
    assert (workdir / "done.db.lock").exists()
    del storage
    gc.collect()
    assert not (workdir / "done.db.lock").exists()
    fd = os.open(workdir / "done.db.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # Another run may now take it.
    finally:
        os.close(fd)


_WRITER = """
import sqlite3
import sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")  # As a run writes its database.
for i in range(int(sys.argv[2])):
    db.execute("INSERT INTO studies (study_name) VALUES (?)", (f"s{sys.argv[2]}-{i}",))
    db.commit()
print("written", flush=True)
sys.stdin.readline()  # Hold the database open until told to go.
db.close()
"""


@pytest.mark.e2e
def test_checking_a_file_keeps_this_processs_readers_current_while_runs_come_and_go(
    optuna_db: Path,
) -> None:
    # Readers held open in this process (a notebook calling `study.load`, a test) must go on
    # seeing every commit of runs that start and end elsewhere, killed ones included.
    readers: list[sqlite3.Connection] = []

    def count() -> int:
        readers.append(sqlite3.connect(f"file:{optuna_db}?mode=ro", uri=True))
        return int(readers[-1].execute("SELECT count(*) FROM studies").fetchone()[0])

    expected = count()
    for round_, rows in enumerate((40, 80, 120, 160, 200, 240)):
        writer = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(optuna_db), str(rows)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None and writer.stdout.readline() == "written\n"
        expected += rows
        assert count() == expected
        inspect_sqlite(optuna_db, "s.db")  # What every command does before it opens storage.
        if round_ % 2:
            writer.kill()
            writer.communicate()
        else:
            writer.communicate("go\n")
        assert count() == expected
    for reader in readers:
        reader.close()


def test_a_database_whose_creation_was_cut_short_holds_no_study_yet(
    optuna_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A signal between Optuna creating its tables and stamping their version leaves this.
    with sqlite3.connect(optuna_db) as db:
        db.execute("DROP TABLE alembic_version")
    db.close()
    before = _digest(optuna_db)
    assert main(["list", "--storage", f"sqlite:///{optuna_db}"]) == 2
    assert "no study database" in capsys.readouterr().err
    assert _digest(optuna_db) == before


def _plain_optuna_study(path: Path, directions: list[str]) -> None:
    """Study ``plain`` with two trials, made by Optuna directly; its file closed and whole."""
    storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
    study = optuna.create_study(storage=storage, study_name="plain", directions=directions)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(lambda t: [t.suggest_float("x", 0, 1)] * len(directions), n_trials=2)
    storage.engine.dispose()


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_a_run_adopts_no_study_that_optuna_made_directly(
    workdir: Path, tiny_space: Path, capsys: pytest.CaptureFixture[str], directions: list[str]
) -> None:
    path = workdir / "plain.db"
    _plain_optuna_study(path, directions)
    before = _digest(path)
    argv = [
        "run",
        "--space",
        str(tiny_space),
        "--study",
        "plain",
        "--storage",
        f"sqlite:///{path}",
        "--no-report",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "not made by" in err
    assert _digest(path) == before
    assert not (workdir / "plain.db.lock").exists()


@pytest.mark.parametrize("command", ["show", "report", "export", "next"])
@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_read_commands_say_in_one_line_that_a_plain_optuna_study_does_not_apply(
    workdir: Path, capsys: pytest.CaptureFixture[str], command: str, directions: list[str]
) -> None:
    path = workdir / "plain.db"
    _plain_optuna_study(path, directions)
    assert main([command, "plain", "--storage", f"sqlite:///{path}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert "does not apply" in err
    assert [p.name for p in workdir.iterdir() if not p.name.startswith("plain.db")] == []


def test_a_run_in_a_read_only_folder_is_one_line(
    workdir: Path,
    tiny_space: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = workdir / "ro"
    folder.mkdir()
    real_access = os.access
    # Tests may run as root, whom no permission bit stops: the folder reads as read-only.
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != folder and real_access(p, mode))
    argv = [
        "run",
        "--space",
        str(tiny_space),
        "--study",
        "t",
        "--storage",
        f"sqlite:///{folder / 's.db'}",
        "--no-report",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "read-only" in err
    assert list(folder.iterdir()) == []


def test_a_run_on_a_read_only_database_file_is_one_line(
    workdir: Path,
    tiny_space: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = workdir / "s.db"
    _plain_optuna_study(path, ["minimize"])
    before = _digest(path)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != path and real_access(p, mode))
    argv = [
        "run",
        "--space",
        str(tiny_space),
        "--study",
        "t",
        "--storage",
        f"sqlite:///{path}",
        "--no-report",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "read-only" in err
    assert _digest(path) == before and not (workdir / "s.db.lock").exists()
