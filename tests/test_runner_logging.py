"""What Optuna's loggers may say during a run: real warnings, not what the run reports itself."""

from __future__ import annotations

import logging
import sys

import pytest
import sqlalchemy.exc

from study.errors import TrialError
from study.runner._logging import drop_lost_retries, drop_reported_failures, optuna_logging

_LOST = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))


def _record(message: str, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = None
    if error is not None:
        try:
            raise error
        except BaseException:
            exc_info = sys.exc_info()
    return logging.LogRecord("optuna", logging.WARNING, __file__, 1, message, None, exc_info)


@pytest.mark.parametrize("error", [_LOST, TrialError("every seed failed"), KeyboardInterrupt()])
def test_a_failure_the_run_reports_itself_is_dropped(error: BaseException) -> None:
    assert not drop_reported_failures(_record("Trial 3 failed with parameters: {}", error))


def test_a_trial_failing_with_another_error_is_kept() -> None:
    assert drop_reported_failures(_record("Trial 3 failed with parameters: {}", ValueError()))


def test_the_retry_note_of_a_lost_connection_is_dropped() -> None:
    note = f"Caught an error from sqlalchemy: {_LOST}. Falling back to a slower alternative."
    assert not drop_lost_retries(_record(note))


def test_the_retry_note_of_a_query_over_the_variable_limit_is_kept() -> None:
    note = "Caught an error from sqlalchemy: too many SQL variables. Falling back."
    assert drop_lost_retries(_record(note))


def test_other_storage_warnings_are_kept() -> None:
    assert drop_lost_retries(_record("It is taking longer than 10 seconds to acquire the lock"))


def test_the_filters_apply_only_within_the_block(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("optuna.storages._rdb.storage")
    note = f"Caught an error from sqlalchemy: {_LOST}."
    with caplog.at_level(logging.WARNING), optuna_logging():
        logger.warning(note)
    assert not caplog.records
    logger.warning(note)
    assert len(caplog.records) == 1
