"""Storage failures: telling them apart from other errors, and saying them in one line."""

from __future__ import annotations

from study.storage._urls import scrub


def is_storage_error(error: BaseException) -> bool:
    """Whether ``error`` means the storage itself failed (server gone, disk, locks).

    Such an error stops a run: no trial can be stored until the storage is back.
    """
    return storage_cause(error) is not None


def storage_cause(error: BaseException) -> BaseException | None:
    """The storage failure behind ``error``, looking through the exceptions it was raised
    from or while handling (Optuna can fail again while reporting a storage error)."""
    import sqlalchemy.exc

    kinds = (
        sqlalchemy.exc.OperationalError,
        sqlalchemy.exc.InterfaceError,
        sqlalchemy.exc.DisconnectionError,
        OSError,
    )
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def error_reason(error: BaseException, url: str) -> str:
    """The first line of a storage error's message, shortened and without any secret.

    The database's own words when there are any: Optuna wraps every database error of a
    commit in one generic message ("... e.g. exceeding max length").
    """
    error = _database_error(error) or storage_cause(error) or error
    text = str(error).strip()
    reason = text.splitlines()[0] if text else type(error).__name__
    return shorten(scrub(reason, url))


def _database_error(error: BaseException) -> BaseException | None:
    import sqlalchemy.exc

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.orig is not None:
            return current.orig
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def shorten(reason: str, limit: int = 160) -> str:
    """``reason`` on one line, cut to ``limit`` characters."""
    reason = reason.replace("\n", " ")
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"
