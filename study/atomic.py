"""Writing output files whole or not at all, and never over a file the user did not ask for.

Every file a command writes (a follow-up space, an export's CSV files, a report page) is written
to a temporary file in the same folder and renamed into place (:func:`os.replace`), so a reader
sees the previous file or the new one, never a part. A failure (a full disk, a folder that
turned read-only) leaves the previous file as it was and no temporary file behind, and is
reported as :class:`~study.errors.InputError`: one line, exit code 2.

This module sits low in the layering (it imports only :mod:`study.errors`), so every package
that writes files may use it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from study.errors import InputError

__all__ = ["check_output", "same_file", "write_atomic", "write_text_atomic"]

_TEMP_SUFFIX = ".tmp"


def check_output(
    path: Path,
    *,
    flag: str,
    force: bool = False,
    protected: Iterable[tuple[Path, str]] = (),
) -> None:
    """Refuse an output file that cannot or must not be written, before anything is opened.

    Args:
        path: The file to write.
        flag: The option that named it, for the message (e.g. ``--out``).
        force: The user asked to replace an existing file.
        protected: Files never written over, even with ``force``, each with what it is
            (e.g. the storage the command reads, the study's search-space file).

    Raises:
        InputError: ``path`` is a protected file, a folder, under a missing folder or a file,
            too long for the system, not writable, or an existing file without ``force``.
    """
    try:
        exists, is_dir = path.exists(), path.is_dir()
        folder = path.parent
        folder_ok = folder.is_dir()
        protected_hit = next((what for p, what in protected if same_file(path, p)), None)
    except OSError as e:
        raise InputError(
            f"{flag}={_short(path)} cannot be used: {e.strerror}; pass a shorter or valid path."
        ) from None
    if protected_hit is not None:
        raise InputError(
            f"{flag}={_short(path)} is {protected_hit}; it is never written "
            f"over: pass another {flag}."
        )
    if is_dir:
        raise InputError(
            f"{flag} must be a file, but got {flag}={_short(path)}, which is a folder."
        )
    if not folder_ok:
        raise InputError(
            f"{flag}={_short(path)}: the folder {_short(folder)} does not exist "
            "(or is a file); create it first or pass another path."
        )
    if not os.access(folder, os.W_OK) or (exists and not os.access(path, os.W_OK)):
        raise InputError(f"{flag}={_short(path)} is not writable; pass a path you can write to.")
    if exists and not force:
        raise InputError(
            f"{flag}={_short(path)} exists; pass --force to replace it, or another path."
        )


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file (``False`` when either is missing)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Have ``write`` write a temporary file beside ``path``, then rename it to ``path``.

    Args:
        path: The file to make; an existing file is replaced only once the new one is whole.
        write: Called with the temporary file's path; writes the whole content there.

    Returns:
        ``path``.

    Raises:
        InputError: The folder cannot take the file (full disk, no permission, ...); the
            previous file at ``path`` is left as it was and no temporary file remains.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=folder)
    except OSError as e:
        raise _write_error(path, e) from None
    temp = Path(name)
    try:
        os.close(fd)
        write(temp)
        # mkstemp makes the file readable by its owner only; an output gets the usual mode.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise _write_error(path, e) from None
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (see :func:`write_atomic`).

    The text is flushed to the disk before the rename, so that a crash right after it leaves
    the new file whole rather than empty.
    """

    def write(temp: Path) -> None:
        with open(temp, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())

    return write_atomic(path, write)


def _umask() -> int:
    mask = os.umask(0o022)  # Reading the mask means setting it; it is set back at once.
    os.umask(mask)
    return mask


def _write_error(path: Path, error: OSError) -> InputError:
    reason = error.strerror or type(error).__name__
    return InputError(
        f"cannot write {_short(path)}: {reason}; the previous file (if any) is "
        "unchanged: free space or choose another folder, then run again."
    )


def _short(path: Path, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else text[: limit - 1] + "…"
