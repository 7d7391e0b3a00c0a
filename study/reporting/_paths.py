"""File-system names for reports."""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 80


def safe_dirname(name: str) -> str:
    """A folder name for study ``name`` that is valid on every file system.

    Letters, digits, ``.``, ``-`` and ``_`` are kept, anything else becomes ``_``; when that
    changed the name, a short hash of the original keeps different names apart.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._")[:MAX_NAME]
    if safe == name and safe:
        return safe
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{safe or 'study'}-{digest}"
