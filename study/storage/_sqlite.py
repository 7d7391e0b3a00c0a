"""SQLite files: telling an Optuna study database from anything else, and one run per file.

An SQLite file serves one run at a time: a run holds an exclusive lock on ``FILE.lock`` beside
the database for as long as it lives (the operating system drops it when the process ends, even
on ``kill -9``), and a second run on the same file is refused with one line naming the
alternatives. Read-only commands take no lock and open the file read-only.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fcntl
import functools
import os
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from study.errors import InputError
from study.storage._urls import STORAGE_ENV

OPTUNA_TABLES = frozenset({"studies", "trials", "version_info"})
"""Tables every Optuna RDB storage has."""
CREATED_TABLE = "alembic_version"
"""The table Optuna writes last as it creates a storage, before any study can be stored."""
LOCK_SUFFIX = ".lock"
_NOT_A_DATABASE = "SQLITE_NOTADB"
"""SQLite's name for the error of a file that is not a database."""

SqliteKind = Literal["missing", "empty", "optuna"]

_held: dict[str, _Lock] = {}
"""Lock files this process holds, by resolved path."""


def inspect_sqlite(path: Path, shown: str) -> SqliteKind:
    """What ``path`` holds, reading it without writing a byte.

    Returns:
        ``missing`` (no file), ``empty`` (an SQLite file without tables, e.g. 0 bytes, or one
        whose creation as a study storage was cut short: it can hold no study yet) or
        ``optuna`` (an Optuna storage).

    Raises:
        InputError: The file is not an SQLite database, is damaged, or is the database of
            another program.
    """
    if not path.exists():
        return "missing"
    if path.is_dir():
        raise InputError(f"cannot open storage {shown}: {path} is a folder, not a file.")
    if path.stat().st_size == 0:
        return "empty"
    tables = _tables(path, shown)
    if not tables or (OPTUNA_TABLES.issubset(tables) and CREATED_TABLE not in tables):
        return "empty"
    if not OPTUNA_TABLES.issubset(tables):
        listed = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise InputError(
            f"cannot open storage {shown}: {path} is the SQLite database of another program "
            f"(tables {listed}), not a study database; it was left untouched: choose another "
            "--storage file."
        )
    return "optuna"


def read_only_connection(path: str) -> sqlite3.Connection:
    """A connection that cannot write: no table, no journal-mode switch, no byte changed.

    In a folder this process cannot write to, a database in WAL mode cannot get the shared
    memory file its readers need; it is then read as immutable (no other process can be
    writing there either).
    """
    resolved = Path(path).resolve()
    options = "mode=ro" if writable(resolved.parent) else "mode=ro&immutable=1"
    return sqlite3.connect(f"{resolved.as_uri()}?{options}", uri=True, check_same_thread=False)


def writable(folder: Path) -> bool:
    """Whether this process may create files in ``folder``."""
    return os.access(folder, os.W_OK)


def write_connection(path: str) -> sqlite3.Connection:
    """A connection in write-ahead-log mode, for the run that holds the file's lock.

    A commit then appends to the log instead of syncing the whole database: storage writes
    cost a fraction of a millisecond instead of several. A killed process loses nothing it
    committed; only a power cut can lose the last commits before the log is synced.
    """
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def lock_sqlite(path: Path, shown: str) -> Callable[[], None]:
    """Make this process the one run of the database at ``path``.

    Opening the same file again in this process shares the lock; it is let go when every
    opener has called the returned function, or when the process ends.

    Returns:
        The function that ends this opener's hold.

    Raises:
        InputError: Another live process holds the file; nothing was changed.
    """
    lock = path.with_name(path.name + LOCK_SUFFIX)
    key = str(lock.resolve())
    if key not in _held:
        _held[key] = _Lock(_acquire(lock, shown))
        atexit.register(_release, key, force=True)
    _held[key].users += 1
    return functools.partial(_release, key)


@dataclasses.dataclass
class _Lock:
    fd: int
    users: int = 0


def _acquire(lock: Path, shown: str) -> int:
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            break
        # The holder removes the file as it ends: a lock on a removed file guards nothing,
        # so lock the file now at the path instead.
        if _same_file(fd, lock):
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode())
            return fd
        os.close(fd)
    holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
    os.close(fd)
    raise InputError(
        f"storage {shown} is in use by another run ({holder}); an SQLite file serves one "
        "run at a time: wait for it to finish, or share a study between runs with a "
        "journal file (--storage journal:///path/study.log, one machine) or PostgreSQL "
        "(--storage postgresql://user@host/db, many machines)."
    )


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _release(key: str, *, force: bool = False) -> None:
    held = _held.get(key)
    if held is None:
        return
    held.users -= 1
    if held.users > 0 and not force:
        return
    del _held[key]
    with contextlib.suppress(OSError):
        os.unlink(key)  # A run that opened it meanwhile sees it gone and locks a new one.
    os.close(held.fd)


def _tables(path: Path, shown: str) -> set[str]:
    """The database's tables, after SQLite's own check of its pages.

    The file is read through SQLite only, never opened by this module: closing any other
    descriptor of the file would drop the locks that this process's open connections hold on
    it (POSIX locks belong to the process), and a run ending elsewhere could then delete the
    write-ahead log under them, leaving them reading a stale copy of the database.
    """
    problem = ""
    for attempt in range(3):
        rows, problem = _read_tables(path)
        if problem == "ok":
            return {str(row[0]) for row in rows}
        if problem == _NOT_A_DATABASE:
            raise InputError(
                f"cannot open storage {shown}: {path} is not an SQLite database (SQLite cannot "
                f"read it as one); point --storage (or ${STORAGE_ENV}) at a study database or "
                "a new file."
            )
        # A reader may catch the write-ahead log of a run that is just ending; only a problem
        # that persists is damage.
        time.sleep(0.25 * (attempt + 1))
    raise InputError(damaged_message(path, shown, problem))


def _read_tables(path: Path) -> tuple[list[Any], str]:
    try:
        with contextlib.closing(read_only_connection(str(path))) as db:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            return rows, str(db.execute("PRAGMA quick_check(1)").fetchone()[0])
    except sqlite3.DatabaseError as e:
        if getattr(e, "sqlite_errorname", None) == _NOT_A_DATABASE:
            return [], _NOT_A_DATABASE
        return [], str(e)


def damaged_message(path: Path, shown: str, problem: str) -> str:
    """The one line for an SQLite file that SQLite itself finds damaged."""
    problem = " ".join(
        line.strip()
        for line in problem.splitlines()
        if line.strip() and not line.startswith("***")
    )
    return (
        f"cannot open storage {shown}: {path} is a damaged SQLite database (SQLite says: "
        f"{problem}); restore it from a backup, or point --storage at another file."
    )
