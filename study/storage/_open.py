"""Opening storages: read-only for looking, for writing only after everything is checked.

The default is one embedded SQLite file in the working directory, for one run at a time. For
several processes on one machine without a server, Optuna's journal file
(``journal:///path.log``); for many workers or machines, PostgreSQL
(``postgresql://user:password@host/db``, through psycopg 3, which the ``postgres`` extra
installs).

* :func:`check_storage` looks at a storage without creating or changing anything: the URL,
  the folder, what an existing file holds (another program's SQLite database is refused),
  whether another run holds an SQLite file.
* ``open_storage(url, must_exist=True)`` opens an existing storage read-only (``list``,
  ``show``, ``report``): SQLite through a read-only connection, no table created, no
  journal-mode switch, no byte written.
* ``open_storage(url)`` opens for writing: it locks an SQLite file for this run, cuts off a
  journal's partial last record (keeping a backup), and creates the tables of a new database.

In PostgreSQL (and other server databases) a running trial sends a heartbeat every
``$STUDY_HEARTBEAT_SECONDS`` (default 10); a trial whose heartbeat is older than
``$STUDY_GRACE_SECONDS`` (default 30) belongs to a dead worker: the other workers fail it and
re-run its parameters.
"""

from __future__ import annotations

import functools
import os
import time
import warnings
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial

from study.errors import InputError
from study.storage._errors import error_reason, shorten
from study.storage._journal import journal_problem, repair_journal
from study.storage._resume import requeue
from study.storage._sqlite import (
    inspect_sqlite,
    lock_sqlite,
    read_only_connection,
    writable,
    write_connection,
)
from study.storage._urls import (
    STORAGE_ENV,
    is_journal,
    journal_path,
    mask_url,
    refuse_in_memory,
    sqlite_path,
)

HEARTBEAT_SECONDS = 10
"""Interval of a running trial's heartbeat in RDB storages."""
GRACE_SECONDS = 30
"""A running trial whose heartbeat is older than this is failed and re-run by other workers."""
HEARTBEAT_ENV = "STUDY_HEARTBEAT_SECONDS"
"""Environment variable that overrides :data:`HEARTBEAT_SECONDS`."""
GRACE_ENV = "STUDY_GRACE_SECONDS"
"""Environment variable that overrides :data:`GRACE_SECONDS`; must exceed the heartbeat."""
MAX_ENV_SECONDS = 86_400
"""Largest heartbeat or grace period taken from the environment: one day."""
CONNECT_TIMEOUT = 10
"""Seconds to wait for a database server before giving up."""
SCHEMA_ATTEMPTS = 5
"""Tries at opening a new database whose tables other workers are creating at the same time."""

StaleCallback = Callable[[optuna.Study, FrozenTrial], None]


def check_storage(url: str, *, must_exist: bool = False) -> None:
    """Check that ``url`` can be opened, without creating or changing anything.

    Args:
        url: The storage URL.
        must_exist: The storage must already exist (a read-only command).

    Raises:
        InputError: The URL is malformed, its folder is missing, the file is not a study
            storage, the path is unusable (too long, under a file), or (SQLite) another run
            is using it.
    """
    refuse_in_memory(url)
    shown = mask_url(url)
    try:
        _check_storage(url, shown, must_exist)
    except OSError as e:  # A path the system refuses to look at (too long, a loop).
        raise InputError(
            f"cannot open storage {shorten(shown)}: {e.strerror or type(e).__name__}; check "
            f"--storage or ${STORAGE_ENV}."
        ) from None


def _check_storage(url: str, shown: str, must_exist: bool) -> None:
    if is_journal(url):
        _journal_file(url, shown, must_exist)
        return
    path = sqlite_path(url)
    if path is None:
        return  # A server database: only connecting tells.
    _check_folder(path.parent, shown)
    if inspect_sqlite(path, shown) in ("missing", "empty") and must_exist:
        raise InputError(
            f"no study database at {shown}; run `python -m study run` first, or point "
            f"--storage (or ${STORAGE_ENV}) at an existing database."
        )


def storage_exists(url: str) -> bool:
    """Whether ``url`` names a storage that already exists, looking without writing.

    An SQLite file holding Optuna's tables, a non-empty journal file, or any server database
    (only connecting tells more). A run reads an existing storage read-only
    (``open_storage(url, must_exist=True)``) to validate its input, and opens it for writing
    only after.

    Raises:
        InputError: Anything :func:`check_storage` refuses.
    """
    check_storage(url)
    shown = mask_url(url)
    if is_journal(url):
        journal = _journal_file(url, shown, must_exist=False)
        return journal.is_file() and journal.stat().st_size > 0
    path = sqlite_path(url)
    return path is None or inspect_sqlite(path, shown) == "optuna"


def open_storage(
    url: str, *, stale_callback: StaleCallback | None = None, must_exist: bool = False
) -> BaseStorage:
    """Open the storage at ``url``: read-only with ``must_exist``, else for writing.

    Args:
        url: An Optuna RDB URL (``sqlite:///...``, ``postgresql://...``) or
            ``journal:///path`` for a journal file.
        stale_callback: Called with each trial whose worker stopped sending heartbeats
            (writing only); the default queues its re-run
            (:func:`~study.storage._resume.requeue`).
        must_exist: For read-only commands: open an existing storage without writing to it.

    Raises:
        InputError: Anything :func:`check_storage` refuses, or the database is unreachable.
    """
    check_storage(url, must_exist=must_exist)
    shown = mask_url(url)
    if not must_exist:
        _check_writable(url, shown)
    if is_journal(url):
        return _open_journal(url, shown, read_only=must_exist)
    heartbeat, grace = (None, None) if must_exist else heartbeat_settings()
    path = sqlite_path(url)
    release = lock_sqlite(path, shown) if path is not None and not must_exist else None
    try:
        with warnings.catch_warnings():
            # Heartbeats are what keeps a dead worker's trial from staying RUNNING forever.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = _rdb_storage(
                url,
                engine_kwargs=_engine_kwargs(url, read_only=must_exist),
                heartbeat_interval=heartbeat,
                grace_period=grace,
                heartbeat_stale_trial_callback=None if must_exist else stale_callback or requeue,
                skip_table_creation=must_exist,
            )
    except Exception as e:  # SQLAlchemy and driver errors differ by database; all mean "unusable".
        if release is not None:
            release()
        raise InputError(
            f"cannot open storage {shown}: {error_reason(e, url)}; check --storage or "
            f"${STORAGE_ENV} and that the database server is running."
        ) from None
    if release is not None:
        weakref.finalize(storage, release)  # The run's hold ends with its storage.
    return storage


def _rdb_storage(url: str, **kwargs: Any) -> RDBStorage:
    """Open an RDB storage, again when other workers created its tables at the same moment.

    Workers started together on a new database all find no tables and all create them; on
    PostgreSQL all but one then fail on the catalog ("duplicate key value", "already exists").
    The winner's tables are there once it commits, so opening again finds them and succeeds.
    """
    for attempt in range(1, SCHEMA_ATTEMPTS + 1):
        try:
            return RDBStorage(url, **kwargs)
        except Exception as e:
            if attempt == SCHEMA_ATTEMPTS or not _lost_schema_race(e):
                raise
            time.sleep(0.2 * attempt)  # Let the winner commit its tables.
    raise AssertionError("unreachable")


def _lost_schema_race(error: BaseException) -> bool:
    """Whether ``error`` is another worker creating the same tables (or rows) first."""
    import sqlalchemy.exc

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError)):
            text = str(current)
            return "already exists" in text or "duplicate key" in text
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def heartbeat_settings() -> tuple[int, int]:
    """The heartbeat interval and grace period in seconds, from the environment or defaults.

    Raises:
        InputError: A value is not a positive integer, or the grace period is not longer than
            the heartbeat interval.
    """
    heartbeat = _env_seconds(HEARTBEAT_ENV, HEARTBEAT_SECONDS)
    grace = _env_seconds(GRACE_ENV, GRACE_SECONDS)
    if grace <= heartbeat:
        raise InputError(
            f"${GRACE_ENV} must be longer than ${HEARTBEAT_ENV}, but got {GRACE_ENV}={grace} "
            f"and {HEARTBEAT_ENV}={heartbeat}; raise the grace period."
        )
    return heartbeat, grace


def _env_seconds(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    # ASCII digits only: int() would refuse "²", which str.isdigit() accepts.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ENV_SECONDS:
        raise InputError(
            f"${name} must be a whole number of seconds from 1 to {MAX_ENV_SECONDS}, "
            f"but got {name}={text!r}."
        )
    return int(text)


def _engine_kwargs(url: str, *, read_only: bool) -> dict[str, Any]:
    # Pre-ping replaces pooled connections that a database restart closed.
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    path = sqlite_path(url)
    if path is not None:
        connect = read_only_connection if read_only else write_connection
        kwargs["creator"] = functools.partial(connect, str(path))
    return kwargs


def _open_journal(url: str, shown: str, *, read_only: bool) -> BaseStorage:
    path = _journal_file(url, shown, read_only)
    if not read_only:
        repair_journal(path, shown)
    try:
        # Reading never writes: the backend creates the file only when it is missing, and a
        # read-only command has checked that it exists.
        return JournalStorage(JournalFileBackend(str(path)))
    except Exception as e:  # A damaged journal: nothing can be resumed from it.
        raise InputError(
            f"cannot open storage {shown}: the journal file is damaged ({error_reason(e, url)})"
            "; restore it from a backup (e.g. its .bak copy) or choose another file."
        ) from None


def _journal_file(url: str, shown: str, must_exist: bool) -> Path:
    path = journal_path(url)
    if path is None:
        raise InputError(
            f"cannot open storage {shown}: a journal URL names a file, e.g. "
            "journal:///path/to/study.log (absolute) or journal://study.log (relative)."
        )
    if must_exist and not path.is_file():
        raise InputError(f"no journal file at {shown}; check --storage or ${STORAGE_ENV}.")
    _check_folder(path.parent, shown)
    if path.is_dir():
        raise InputError(f"cannot open storage {shown}: {path} is a folder, not a file.")
    problem = journal_problem(path)
    if problem is not None:
        raise InputError(
            f"cannot open storage {shown}: {path} is {problem}; it was left untouched: point "
            "--storage at a journal file or a new file."
        )
    return path


def _check_writable(url: str, shown: str) -> None:
    """Refuse to write a storage file that this process cannot write, or whose folder it cannot.

    SQLite needs its lock file and write-ahead log beside the database, and a journal its
    lock; a read-only folder or file would fail them midway.
    """
    path = sqlite_path(url) or journal_path(url)
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not writable(folder):
        raise InputError(
            f"cannot open storage {shown} for writing: the folder {folder} is read-only for "
            "this user; make it writable or choose a storage in a writable folder."
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(
            f"cannot open storage {shown} for writing: {path} is read-only for this user; "
            "make it writable or choose another storage file."
        )


def _check_folder(folder: Path, shown: str) -> None:
    if str(folder) not in ("", ".") and not folder.is_dir():
        raise InputError(
            f"cannot open storage {shown}: folder {folder} does not exist; create it "
            "or choose another path."
        )
