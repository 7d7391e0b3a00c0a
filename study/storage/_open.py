"""Where studies live: resolving, masking and opening storage URLs.

The default is one embedded SQLite file in the working directory, for one process. For several
processes on one machine without a server, Optuna's journal file (``journal:///path.log``); for
many workers or machines, PostgreSQL (``postgresql://user:password@host/db``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

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
    if url.startswith("journal:"):
        return _open_journal(url, shown, must_exist)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_path(path, shown, must_exist)
    try:
        with warnings.catch_warnings():
            # Heartbeats are what keeps a dead worker's trial from staying RUNNING forever.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return RDBStorage(
                url,
                heartbeat_interval=HEARTBEAT_SECONDS,
                grace_period=GRACE_SECONDS,
                heartbeat_stale_trial_callback=stale_callback,
            )
    except Exception as e:  # SQLAlchemy and driver errors differ by database; all mean "unusable".
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(
            f"cannot open storage {shown}: {_short(_scrub(reason, url))}; check --storage or ${STORAGE_ENV} "
            "and that the database server is running."
        ) from None


def _open_journal(url: str, shown: str, must_exist: bool) -> BaseStorage:
    path = Path(url.split("://", 1)[1] if "://" in url else url.split(":", 1)[1])
    if must_exist and not path.is_file():
        raise InputError(f"no journal file at {shown}; check --storage or ${STORAGE_ENV}.")
    if not path.parent.is_dir():
        raise InputError(f"cannot open storage {shown}: folder {path.parent} does not exist.")
    return JournalStorage(JournalFileBackend(str(path)))


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
