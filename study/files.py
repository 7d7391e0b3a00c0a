"""Reading a file the user names, safely: regular files only, and never more than a cap.

A path on the command line or in a search space may name anything: a device that never ends
(``/dev/zero``), a FIFO that nobody writes to, a folder, or a regular file far larger than it
should be. :func:`read_capped` reads only regular files, without blocking on the open, and at
most ``cap + 1`` bytes, so a wrong path costs a one-line error, never a hang or the memory of
the machine.
"""

from __future__ import annotations

import collections
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from study.errors import InputError

__all__ = ["check_unique_names", "read_capped"]

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_capped(path: str | Path, *, cap: int, what: str, fix: str) -> bytes:
    """Return the bytes of the regular file ``path``, refusing anything else or anything larger.

    The file is opened without blocking (a FIFO with no writer would otherwise wait forever)
    and read up to ``cap + 1`` bytes: a file that grows, or whose size the system does not
    report, is still never read past the cap.

    Args:
        path: The file the user named.
        cap: The most bytes accepted.
        what: What the file is, for the message (e.g. ``"search-space file"``).
        fix: How to fix a file that is too large, ending the message.

    Raises:
        FileNotFoundError: ``path`` does not exist (the caller says where to point it).
        OSError: ``path`` cannot be opened or read.
        InputError: ``path`` is not a regular file, or holds more than ``cap`` bytes.
    """
    path = Path(path)
    _check_regular(path, os.stat(path).st_mode, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with open(fd, "rb", closefd=True) as f:
        # Checked again on what was opened: the path may have been replaced in between.
        _check_regular(path, os.fstat(fd).st_mode, what)
        data = f.read(cap + 1)
    if len(data) > cap:
        raise InputError(
            f"{path}: the {what} is too large (it may hold at most {cap:,} bytes); {fix}"
        )
    return data


def _check_regular(path: Path, mode: int, what: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "another kind of entry")
    raise InputError(f"`{path}` is not a file but {kind}; give the {what} as a regular file.")


def check_unique_names(names: Iterable[str], where: str) -> None:
    """Refuse a header that repeats a column name, which pandas would silently rename.

    Args:
        names: The header's column names, as written.
        where: What the header belongs to, the start of the message (a file's path).

    Raises:
        InputError: A name appears more than once.
    """
    counts = collections.Counter(names)
    repeated = [name for name, n in counts.items() if n > 1]
    if repeated:
        raise InputError(
            f"{where}: column name {repeated[0]!r} appears {counts[repeated[0]]} times in the "
            "header; give every column its own name."
        )
