"""Stored studies written once per test session and copied for each test that stores them again.

Writing a study through Optuna costs tens of milliseconds a trial, and many tests store the same
scripted study into a fresh SQLite file. The first write of a study goes to a template file; a
later request for the same study in a new SQLite file gets a copy of that template, made with
SQLite's backup so that the copy is a whole database. Any other storage is written directly.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import pickle
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

_SQLITE = "sqlite:///"
_templates: dict[str, Path] = {}
"""Template files by the digest of what they store."""
_folder: list[Path] = []


def stored_once(url: str, key: object, write: Callable[[str], object]) -> None:
    """Store into ``url`` what ``write(url)`` stores, copying an earlier write of ``key``.

    Args:
        url: The storage to fill.
        key: Everything the write depends on (picklable); equal keys must store equal studies.
        write: Stores the study into the storage whose URL it is given.
    """
    path = _new_sqlite_file(url)
    if path is None:
        write(url)
        return
    digest = hashlib.sha256(pickle.dumps(key)).hexdigest()
    template = _templates.get(digest)
    if template is None:
        template = _template_folder() / f"{digest}.db"
        write(f"{_SQLITE}{template}")
        _templates[digest] = template
    with (
        contextlib.closing(sqlite3.connect(template)) as source,
        contextlib.closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)


def _new_sqlite_file(url: str) -> Path | None:
    """The SQLite file ``url`` names when it does not exist yet (its folder does), else None."""
    if not url.startswith(_SQLITE) or "?" in url:
        return None
    path = Path(url.removeprefix(_SQLITE))
    if path.exists() or not path.parent.is_dir():
        return None
    return path


def _template_folder() -> Path:
    if not _folder:
        root = os.environ.get("PYTEST_DEBUG_TEMPROOT")  # Where the tests' own folders are.
        folder = Path(tempfile.mkdtemp(prefix="stored-once-", dir=root))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _folder.append(folder)
    return _folder[0]
