"""Where studies live: resolving, masking and opening storage URLs.

The default is one embedded SQLite file in the working directory, for one process. For several
processes on one machine without a server, Optuna's journal file (``journal:///path.log``); for
many workers or machines, PostgreSQL (``postgresql://user:password@host/db``).

In PostgreSQL (and other server databases) a running trial sends a heartbeat every
``$STUDY_HEARTBEAT_SECONDS`` (default 10); a trial whose heartbeat is older than
``$STUDY_GRACE_SECONDS`` (default 30) belongs to a dead worker: the other workers fail it and
re-run its parameters.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial

from study.errors import InputError

DEFAULT_STORAGE = "sqlite:///studies.db"
STORAGE_ENV = "STUDY_STORAGE"
"""Environment variable that sets the storage URL when ``--storage`` is not given."""
HEARTBEAT_SECONDS = 10
"""Interval of a running trial's heartbeat in RDB storages."""
GRACE_SECONDS = 30
"""A running trial whose heartbeat is older than this is failed and re-run by other workers."""
HEARTBEAT_ENV = "STUDY_HEARTBEAT_SECONDS"
"""Environment variable that overrides :data:`HEARTBEAT_SECONDS`."""
GRACE_ENV = "STUDY_GRACE_SECONDS"
"""Environment variable that overrides :data:`GRACE_SECONDS`; must exceed the heartbeat."""
CONNECT_TIMEOUT = 10
"""Seconds to wait for a database server before giving up."""

StaleCallback = Callable[[optuna.Study, FrozenTrial], None]


def resolve_url(url: str | None) -> str:
    """Return the storage URL to use: ``url``, else ``$STUDY_STORAGE``, else the default."""
    return url or os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE


def mask_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``, safe to print or store."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names an SQLite database (single-process storage)."""
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL, or ``None`` for other URLs and in-memory SQLite."""
    if not is_sqlite(url):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def open_storage(
    url: str, *, stale_callback: StaleCallback | None = None, must_exist: bool = False
) -> BaseStorage:
    """Open the storage at ``url``.

    Args:
        url: An Optuna RDB URL (``sqlite:///...``, ``postgresql://...``) or
            ``journal:///path`` for a journal file.
        stale_callback: Called with each trial whose worker stopped sending heartbeats.
        must_exist: For read-only commands: fail instead of creating a new database file.

    Raises:
        InputError: The URL is malformed, the database is unreachable, or (``must_exist``)
            the file does not exist.
    """
    shown = mask_url(url)
    if is_journal(url):
        return _open_journal(url, shown, must_exist)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_path(path, shown, must_exist)
    heartbeat, grace = heartbeat_settings()
    try:
        with warnings.catch_warnings():
            # Heartbeats are what keeps a dead worker's trial from staying RUNNING forever.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return RDBStorage(
                url,
                engine_kwargs=_engine_kwargs(url),
                heartbeat_interval=heartbeat,
                grace_period=grace,
                heartbeat_stale_trial_callback=stale_callback,
            )
    except Exception as e:  # SQLAlchemy and driver errors differ by database; all mean "unusable".
        raise InputError(
            f"cannot open storage {shown}: {error_reason(e, url)}; check --storage or "
            f"${STORAGE_ENV} and that the database server is running."
        ) from None


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
    if not text.isdigit() or int(text) < 1:
        raise InputError(
            f"${name} must be a whole number of seconds >= 1, but got {name}={text!r}."
        )
    return int(text)


def _engine_kwargs(url: str) -> dict[str, Any]:
    # Pre-ping replaces pooled connections that a database restart closed.
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    path = sqlite_path(url)
    if path is not None:
        kwargs["creator"] = functools.partial(_sqlite_connection, str(path))
    return kwargs


def _sqlite_connection(path: str) -> sqlite3.Connection:
    """An SQLite connection in write-ahead-log mode.

    A commit then appends to the log instead of syncing the whole database: storage writes
    cost a fraction of a millisecond instead of several. A killed process loses nothing it
    committed; only a power cut can lose the last commits before the log is synced.
    """
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def is_storage_error(error: BaseException) -> bool:
    """Whether ``error`` means the storage itself failed (server gone, disk, locks).

    Such an error stops a run: no trial can be stored until the storage is back.
    """
    return storage_cause(error) is not None


def storage_cause(error: BaseException) -> BaseException | None:
    """The storage failure behind ``error``, looking through the exceptions it was raised
    from or while handling (Optuna can fail again while reporting a storage error)."""
    import sqlalchemy.exc

    kinds = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
             sqlalchemy.exc.DisconnectionError, OSError)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def error_reason(error: BaseException, url: str) -> str:
    """The first line of a storage error's message, shortened and without the password."""
    error = storage_cause(error) or error
    text = str(error).strip()
    reason = text.splitlines()[0] if text else type(error).__name__
    return _short(_scrub(reason, url))


def _open_journal(url: str, shown: str, must_exist: bool) -> BaseStorage:
    path = journal_path(url)
    if path is None:
        raise InputError(
            f"cannot open storage {shown}: a journal URL names a file, e.g. "
            "journal:///path/to/study.log (absolute) or journal://study.log (relative)."
        )
    if must_exist and not path.is_file():
        raise InputError(f"no journal file at {shown}; check --storage or ${STORAGE_ENV}.")
    if not path.parent.is_dir():
        raise InputError(
            f"cannot open storage {shown}: folder {path.parent} does not exist; create it "
            "or choose another path."
        )
    if path.is_dir():
        raise InputError(f"cannot open storage {shown}: {path} is a folder, not a file.")
    try:
        return JournalStorage(JournalFileBackend(str(path)))
    except Exception as e:  # An unreadable or corrupt journal: nothing can be resumed from it.
        raise InputError(
            f"cannot open storage {shown}: {error_reason(e, url)}; check the journal file."
        ) from None


def is_journal(url: str) -> bool:
    """Whether ``url`` names an Optuna journal file (several processes on one machine)."""
    return url.startswith("journal:")


def journal_path(url: str) -> Path | None:
    """The file of a ``journal:`` URL (``journal:///abs/path`` or ``journal://rel/path``)."""
    if not is_journal(url):
        return None
    rest = url.split(":", 1)[1]
    rest = rest[2:] if rest.startswith("//") else rest
    return Path(rest) if rest.strip() else None


def _check_sqlite_path(path: Path, shown: str, must_exist: bool) -> None:
    if must_exist and not path.is_file():
        raise InputError(
            f"no study database at {shown}; run `python -m study run` first, or point "
            f"--storage (or ${STORAGE_ENV}) at an existing database."
        )
    if not path.parent.is_dir() and str(path.parent) != "":
        raise InputError(
            f"cannot open storage {shown}: folder {path.parent} does not exist; create it "
            "or choose another path."
        )


def _scrub(text: str, url: str) -> str:
    """Remove the URL's password from a driver's message."""
    text = text.replace(url, mask_url(url))
    if "://" in url and "@" in url:
        credentials = url.split("://", 1)[1].rsplit("@", 1)[0]
        if ":" in credentials:
            password = credentials.split(":", 1)[1]
            text = text.replace(password, "***") if password else text
    return text


def _short(reason: str, limit: int = 160) -> str:
    reason = reason.replace("\n", " ")
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"
