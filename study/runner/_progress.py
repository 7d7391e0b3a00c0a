"""A progress display for a running study: trials done of total, the trial's epochs, time."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from study.diagnosis import TrialDiagnosis

REDRAW_SECONDS = 0.1
"""The status line is redrawn at most this often."""


class Progress:
    """Shows how far a study has come.

    On a terminal one status line is redrawn as seeds train; elsewhere (a log file, CI) one
    line is printed per finished trial.

    Args:
        done: Finished trials when the run starts.
        total: The target number of finished trials.
        stream: Where to write (standard error by default, so standard output stays clean).
        live: Redraw a status line; default: whether ``stream`` is a terminal.
    """

    def __init__(
        self, done: int, total: int, *, stream: TextIO | None = None, live: bool | None = None
    ) -> None:
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty() if live is None else live
        self._done, self._total = done, total
        self._start = time.monotonic()
        self._trial_start = self._start
        self._lock = threading.Lock()
        self._trial, self._seeds, self._planned = -1, 0, 0
        self._drawn = 0.0

    def start_trial(self, number: int, seeds: int, epochs: int) -> None:
        """A trial starts training ``seeds`` seeds for ``epochs`` epochs."""
        with self._lock:
            self._trial, self._seeds, self._planned = number, seeds, epochs
            self._trial_start = time.monotonic()
        self.update_epochs([0])

    def update_epochs(self, epochs: list[int]) -> None:
        """The seeds have trained ``epochs`` epochs so far (one entry per seed)."""
        if not self._live:
            return
        now = time.monotonic()
        if now - self._drawn < REDRAW_SECONDS and epochs and min(epochs) > 0:
            return
        self._drawn = now
        with self._lock:
            slowest = min(epochs) if epochs else 0
            line = (
                f"[{self._done}/{self._total}] trial {self._trial}: {self._seeds} seeds, "
                f"epoch {slowest}/{self._planned} · {_clock(time.monotonic() - self._start)}"
            )
            self._stream.write("\r\x1b[2K" + line)
            self._stream.flush()

    def end_trial(
        self,
        number: int,
        value: float,
        diagnosis: TrialDiagnosis | None,
        pruned: bool,
        *,
        warning: str | None = None,
    ) -> None:
        """A trial finished with ``value`` and ``diagnosis``; ``warning`` says what went wrong
        on the way (e.g. some seeds failed)."""
        state = "pruned" if pruned else "complete"
        fit = "" if diagnosis is None else f", {diagnosis.agreement_text()}"
        note = "" if warning is None else f"; warning: {warning}"
        self._line(f"trial {number} {state}: value {value:.4g}{fit}{note}")

    def failed_trial(self, number: int, message: str) -> None:
        """A trial failed with ``message``."""
        self._line(f"trial {number} failed: {message}")

    def finished(self, done: int) -> None:
        """Update the count of finished trials."""
        with self._lock:
            self._done = done

    def _line(self, text: str) -> None:
        with self._lock:
            seconds = time.monotonic() - self._trial_start
            prefix = "\r\x1b[2K" if self._live else ""
            self._done += 1
            self._stream.write(f"{prefix}[{self._done}/{self._total}] {text} ({seconds:.1f} s)\n")
            self._stream.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
