"""Writing the page: to a temporary file in the same folder, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by a file holding ``text`` (UTF-8) in one rename.

    A reader sees the old file or the new one, never a partly written one; when writing
    fails (a full disk), the old file is left as it was and no temporary file remains.

    Raises:
        OSError: The text could not be written or renamed into place.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the page from other readers
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
