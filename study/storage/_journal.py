"""Journal files: Optuna's JSON-lines storage for several runs on one machine.

A process killed in the middle of appending leaves a cut-off last record. Optuna's reader
skips such a tail, but the next append would continue the cut-off line and make the file
unreadable. Before a run writes, the tail is cut off under the journal's own lock, after a copy
of the whole file is kept beside it.

A file that does not begin with a journal record (an SQLite database, a CSV, a search space
named by mistake) is never repaired, locked or opened: :func:`journal_problem` says what it is.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from optuna.storages.journal import JournalFileSymlinkLock

logger = logging.getLogger(__name__)

BACKUP_SUFFIX = ".bak"
TAIL_WINDOW = 1 << 16
"""Bytes read from the end of the file to find its last complete record."""
_RECORD_START = re.compile(rb'\s*\{\s*"op_code"\s*:')
"""How every record of Optuna's journal begins."""
_SQLITE_HEADER = b"SQLite format 3\x00"


def journal_problem(path: Path) -> str | None:
    """Why the existing file at ``path`` is not an Optuna journal, or ``None`` when it may be one.

    Reads the file's first bytes only. A missing or empty file may become a journal.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(_SQLITE_HEADER):
        return "an SQLite database (use sqlite:///PATH for it)"
    if _RECORD_START.match(head):
        return None
    return "not an Optuna journal file (it does not begin with a journal record)"


def partial_tail(path: Path) -> int:
    """Bytes after the journal's last complete record (a record ends with a newline)."""
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb") as f:
        start = max(0, size - TAIL_WINDOW)
        while True:
            f.seek(start)
            chunk = f.read(size - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return len(chunk) - newline - 1
            if start == 0:
                return size  # Not one complete record.
            start = max(0, start - TAIL_WINDOW)


def repair_journal(path: Path, shown: str) -> str | None:
    """Cut a partial last record off the journal at ``path``, keeping a backup copy.

    Holds the lock Optuna's writers hold, so no run is appending meanwhile.

    Returns:
        One line saying what was done, or ``None`` when the file was whole.
    """
    if not path.is_file() or partial_tail(path) == 0:
        return None
    lock = JournalFileSymlinkLock(str(path))
    lock.acquire()
    try:
        cut = partial_tail(path)
        if cut == 0:
            return None
        backup = _free_backup_name(path)
        shutil.copy2(path, backup)
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size - cut)
            f.flush()
            os.fsync(f.fileno())
    finally:
        lock.release()
    note = (
        f"journal {shown} ended with a cut-off record ({cut} bytes, from a process that "
        f"stopped while writing); removed it, the whole file is kept as {backup}"
    )
    logger.warning(note)
    return note


def _free_backup_name(path: Path) -> Path:
    candidate = path.with_name(path.name + BACKUP_SUFFIX)
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}{BACKUP_SUFFIX}.{n}")
        n += 1
    return candidate
