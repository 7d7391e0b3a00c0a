"""What Optuna's loggers may say during a run: its warnings, not what the run reports itself.

Optuna logs each finished trial (info) and each failed one (a warning with the traceback). A
trial that failed as a whole (:class:`~study.errors.TrialError`) or was interrupted is reported
once, in one line, by the progress display or the command's exit; so is a trial another run
failed while this process was paused, and a storage that went away (the run ends with "lost
the storage ..."). Optuna's records about those are dropped: the traceback of a lost
connection, and its storage's note that it retries a query "with a slower alternative".
Every other warning is kept.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import optuna

from study.errors import TrialError
from study.storage.runs import is_storage_error

__all__ = ["optuna_logging"]

_OPTIMIZE_LOGGER = "optuna.study._optimize"  # Where Optuna logs each finished or failed trial.
_RDB_LOGGER = "optuna.storages._rdb.storage"  # Where it logs a query it retries.
_RETRY_NOTE = "Caught an error from sqlalchemy"
_LIMIT_WORDS = ("too many",)  # A query over the database's limit of variables: a real note.


@contextlib.contextmanager
def optuna_logging() -> Iterator[None]:
    """Within the block, Optuna logs warnings and up, less what the run reports itself."""
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(max(verbosity, optuna.logging.WARNING))
    filters = [(_OPTIMIZE_LOGGER, drop_reported_failures), (_RDB_LOGGER, drop_lost_retries)]
    for name, keep in filters:
        logging.getLogger(name).addFilter(keep)
    try:
        yield
    finally:
        for name, keep in filters:
            logging.getLogger(name).removeFilter(keep)
        optuna.logging.set_verbosity(verbosity)


def drop_reported_failures(record: logging.LogRecord) -> bool:
    """Whether to keep a record of Optuna's optimize loop (``False``: the run reports it)."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, TrialError | KeyboardInterrupt):
        return False
    if isinstance(error, optuna.exceptions.UpdateFinishedTrialError):
        return False  # Another run failed the trial meanwhile: the run says so in one line.
    if error is not None and is_storage_error(error):
        return False  # The run ends with one line about the lost storage.
    # The second line Optuna logs about a trial whose objective raised instead of returning.
    return not record.getMessage().endswith("failed with value None.")


def drop_lost_retries(record: logging.LogRecord) -> bool:
    """Whether to keep a record of Optuna's RDB storage (``False``: a lost connection's retry).

    The storage retries a failed query another way, taking any error for a query over the
    database's limit of variables; when the server is gone, the retry fails too and the run
    says so in one line, so the note (with the whole SQL statement) is noise.
    """
    message = record.getMessage()
    if not message.startswith(_RETRY_NOTE):
        return True
    return any(word in message.lower() for word in _LIMIT_WORDS)
