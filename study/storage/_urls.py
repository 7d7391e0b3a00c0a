"""Storage URLs: resolving the one to use, telling the kinds apart, and hiding secrets.

URLs are parsed by SQLAlchemy (:func:`sqlalchemy.engine.make_url`), the same parser the
database connection uses, so what is hidden is exactly what would be sent: the password of
``user:password@host``, and secret query parameters such as ``?password=...``.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from study.errors import InputError

DEFAULT_STORAGE = "sqlite:///studies.db"
STORAGE_ENV = "STUDY_STORAGE"
"""Environment variable that sets the storage URL when ``--storage`` is not given."""
STORAGE_FILE_ENV = "STUDY_STORAGE_FILE"
"""Environment variable naming a file that holds the storage URL (when neither ``--storage``,
``--storage-file`` nor :data:`STORAGE_ENV` is given): a password then appears in no process
list."""
MAX_URL_FILE_BYTES = 4096
"""A storage-URL file larger than this is not one."""
MASK = "***"
SECRET_PARTS = ("pass", "pwd", "secret", "token")
"""A query parameter whose lower-cased name contains one of these holds a secret."""


def resolve_url(url: str | None) -> str:
    """Return the storage URL to use.

    ``url`` when given, else ``$STUDY_STORAGE``, else the URL in the file that
    ``$STUDY_STORAGE_FILE`` names, else the default.

    Raises:
        InputError: ``$STUDY_STORAGE_FILE`` names a file that holds no URL.
    """
    if url:
        return url
    if os.environ.get(STORAGE_ENV):
        return os.environ[STORAGE_ENV]
    if os.environ.get(STORAGE_FILE_ENV):
        return url_from_file(Path(os.environ[STORAGE_FILE_ENV]), f"${STORAGE_FILE_ENV}")
    return DEFAULT_STORAGE


def url_from_file(path: Path, source: str) -> str:
    """The storage URL held in the file at ``path``: its first line that is not blank.

    Args:
        path: The file.
        source: Where the path was given (``--storage-file``, ``$STUDY_STORAGE_FILE``), for
            the message.

    Raises:
        InputError: The file is missing, unreadable, too large, or holds no URL.
    """
    try:
        if path.stat().st_size > MAX_URL_FILE_BYTES:
            raise InputError(
                f"{source}={_short(path)} is not a storage-URL file (over "
                f"{MAX_URL_FILE_BYTES} bytes); point it at a file holding one URL."
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or "not UTF-8 text"
        raise InputError(
            f"{source}={_short(path)} cannot be read ({reason}); point it at a "
            "file holding the storage URL."
        ) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(
            f"{source}={_short(path)} holds no storage URL; write the URL "
            "(e.g. postgresql://user:password@host/db) on its first line."
        )
    return lines[0]


def _short(path: Path, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names an SQLite database (one run at a time)."""
    return url.startswith("sqlite:")


def is_journal(url: str) -> bool:
    """Whether ``url`` names an Optuna journal file (several processes on one machine)."""
    return url.startswith("journal:")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL, or ``None`` for other URLs and in-memory SQLite."""
    if not is_sqlite(url):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def refuse_in_memory(url: str) -> None:
    """Refuse an in-memory SQLite URL: its study would vanish with the process that made it.

    Every command opens the storage afresh (a run stores its trials, then the report reads
    them back), so a study in memory would be trained and then never found.

    Raises:
        InputError: ``url`` is ``sqlite://``, ``sqlite:///:memory:`` or an SQLite URI with
            ``mode=memory``.
    """
    if not is_sqlite(url):
        return
    rest = url.split(":", 1)[1].lstrip("/")
    path, _, query = rest.partition("?")
    if path in ("", ":memory:") or ":memory:" in path or "mode=memory" in query:
        raise InputError(
            f"`--storage` must be a database that outlives the command, but got --storage={url} "
            "(in memory: the study would be lost when the command ends); use a file, "
            "e.g. --storage sqlite:///studies.db."
        )


def journal_path(url: str) -> Path | None:
    """The file of a ``journal:`` URL (``journal:///abs/path`` or ``journal://rel/path``)."""
    if not is_journal(url):
        return None
    rest = url.split(":", 1)[1]
    rest = rest[2:] if rest.startswith("//") else rest
    return Path(rest) if rest.strip() else None


def mask_url(url: str) -> str:
    """Return ``url`` with every secret replaced by ``***``, safe to print or store."""
    if is_sqlite(url) or is_journal(url):
        return url  # Files: nothing secret, and shown exactly as given.
    parsed = _parse(url)
    if parsed is None:
        return scrub(url, url)
    query = {k: (MASK if _is_secret(k) else v) for k, v in parsed.query.items()}
    shown = parsed.set(query=query).render_as_string(hide_password=True)
    return shown.replace(urllib.parse.quote(MASK, safe=""), MASK)


def secrets_of(url: str) -> list[str]:
    """The secret values in ``url`` (password, secret query values), as given and decoded."""
    parsed = _parse(url)
    found: list[str] = []
    if parsed is not None:
        if parsed.password:
            found.append(str(parsed.password))
        for key, value in parsed.query.items():
            if _is_secret(key):
                found.extend([value] if isinstance(value, str) else list(value))
    else:
        found.extend(m.group(1) for m in re.finditer(r"://[^:/@]*:([^@/]+)@", url))
        found.extend(m.group(1) for m in re.finditer(r"pass\w*=([^&]+)", url, re.I))
    encoded = [urllib.parse.quote(s, safe="") for s in found]
    return sorted({s for s in found + encoded if s}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """Replace every secret of ``url`` in ``text`` (e.g. a driver's message) by ``***``."""
    for secret in secrets_of(url):
        text = text.replace(secret, MASK)
    return text


def _parse(url: str) -> URL | None:
    try:
        return make_url(url)
    except Exception:  # SQLAlchemy raises ArgumentError, or ValueError for a bad port.
        return None


def _is_secret(name: str) -> bool:
    return any(part in name.lower() for part in SECRET_PARTS)
