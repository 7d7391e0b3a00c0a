"""A task's data loaded once, handed out per trial: windows per lookback, and the test split."""

from __future__ import annotations

from pathlib import Path

from study.errors import InputError
from study.tasks._base import TaskData
from study.tasks._series import Series

MAX_KEPT_LOOKBACKS = 8
"""Lookbacks whose windows are kept at once; a searched range may hold many more."""


class TaskSource:
    """The data of one task, loaded, split and scaled once for a whole run.

    A series' windows are cut on first use of a lookback and kept for the next trial of the
    same lookback. The test split never reaches a trial: only :meth:`test_data` returns it.

    Args:
        data: The trials' data (training and validation) at the task's own lookback.
        test: The same training data with the test split as its validation part, or ``None``
            without a test split.
        series: The series the windows are cut from, for a CSV series task.
        path: The series' file, for messages.
    """

    def __init__(
        self,
        data: TaskData,
        test: TaskData | None = None,
        series: Series | None = None,
        path: Path | None = None,
    ) -> None:
        self._default = (data, test)
        self._series, self._path = series, path
        self._cut: dict[int, tuple[TaskData, TaskData | None]] = {}

    @property
    def has_test(self) -> bool:
        """Whether the task holds a test split."""
        return self._default[1] is not None

    @property
    def windowed(self) -> bool:
        """Whether the windows can be cut again for another lookback (a CSV series)."""
        return self._series is not None

    def data(self, lookback: int | None = None) -> TaskData:
        """The trials' data; with ``lookback``, of windows of that many rows (a series only)."""
        return self._pair(lookback)[0]

    def test_data(self, lookback: int | None = None) -> TaskData | None:
        """The training data with the test split in place of validation, or ``None``."""
        return self._pair(lookback)[1]

    def check_lookback(self, lookback: int) -> None:
        """Raise :class:`InputError` unless the series holds windows of ``lookback``."""
        self._checked_series(lookback)

    def _checked_series(self, lookback: int) -> Series:
        if self._series is None or self._path is None:
            raise InputError(
                "`params.lookback` needs a CSV series task, e.g. "
                'task = {csv = "data.csv", target = "y", lookback = 12}.'
            )
        self._series.check_lookback(self._path, lookback)
        return self._series

    def _pair(self, lookback: int | None) -> tuple[TaskData, TaskData | None]:
        if lookback is None:
            return self._default
        series = self._checked_series(lookback)
        if lookback not in self._cut:
            if len(self._cut) >= MAX_KEPT_LOOKBACKS:
                del self._cut[next(iter(self._cut))]  # the lookback cut first
            self._cut[lookback] = series.windows(lookback)
        return self._cut[lookback]
