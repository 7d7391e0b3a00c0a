"""Stopping a run on Ctrl-C or SIGTERM: one orderly stop, and a second signal exits at once.

A terminal's Ctrl-C sends SIGINT to the whole process group, seed workers included. The
workers ignore it (see :func:`study.parallel.run_seeds`): only the run decides to stop, so
the running trial is stored as interrupted (and re-run on resume), the workers are stopped
with the pool, and the command exits with code 130. The first signal raises
``KeyboardInterrupt`` in the main thread and is also remembered, so that the next live check
of the trial raises it again should a library have swallowed the first one. A second signal,
while the run is still cleaning up, ends the process at once (exit 130); a trial it leaves
``RUNNING`` is recovered by the next run.

A stop that lands inside a storage call waits for the call to end (it is looked at again every
few milliseconds): raised half-way through a database transaction, it would leave the
transaction open, and with it the database's write lock, so the very writes that store the
interrupted trial would fail on a locked database.
"""

from __future__ import annotations

import _thread
import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

EXIT_INTERRUPTED = 130
"""Exit code of a run stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report Ctrl-C)."""
SIGNALS = (signal.SIGINT, signal.SIGTERM)
STORAGE_MODULES = ("sqlalchemy", "sqlite3", "psycopg", "optuna.storages")
"""Modules whose code a stop must not cut through: the database drivers and Optuna's storages."""
RECHECK_SECONDS = 0.02


class StopRequest:
    """Whether the run was asked to stop; calling it raises ``KeyboardInterrupt`` if so."""

    def __init__(self) -> None:
        self.signals = 0
        self.raised = False
        self._again = False
        self._timer: threading.Timer | None = None

    def __call__(self) -> None:
        """Raise ``KeyboardInterrupt`` once a stop was requested."""
        if self.signals:
            self.raised = True
            raise KeyboardInterrupt

    def receive(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: stop in order the first time, exit at once the second.

        A first signal that lands inside a storage call is delivered again once the call has
        ended, unless a live check raised the stop meanwhile (it is raised once).
        """
        again, self._again = self._again, False
        if again and self.raised:
            return
        if not again:
            self.signals += 1
        if self.signals > 1:
            with contextlib.suppress(Exception):
                sys.stderr.write("interrupted.\n")
                sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        if inside_storage(frame):
            self._timer = threading.Timer(RECHECK_SECONDS, self._deliver_again, (signum,))
            self._timer.daemon = True
            self._timer.start()
            return
        self.raised = True
        raise KeyboardInterrupt

    def pending(self) -> bool:
        """Whether a stop was asked for and not raised yet; no later delivery will raise it."""
        if self._timer is not None:
            self._timer.cancel()
        return bool(self.signals) and not self.raised

    def _deliver_again(self, signum: int) -> None:
        self._again = True
        _thread.interrupt_main(signal.Signals(signum))


def inside_storage(frame: FrameType | None) -> bool:
    """Whether ``frame`` or a frame that called it runs a storage's or a database driver's code."""
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith(STORAGE_MODULES):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Handle SIGINT and SIGTERM as a :class:`StopRequest` while the block runs.

    Outside the main thread (where handlers cannot be installed) the request is never set.
    """
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {s: signal.signal(s, request.receive) for s in SIGNALS}
    unraisable = sys.unraisablehook
    sys.unraisablehook = functools.partial(_quiet_interrupt, unraisable)
    try:
        yield request
        if request.pending():  # It landed in the block's last storage call.
            raise KeyboardInterrupt
    finally:
        request.pending()  # A stop not delivered yet is not delivered outside the block.
        sys.unraisablehook = unraisable
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _quiet_interrupt(
    previous: Callable[[UnraisableHookArgs], object], unraisable: UnraisableHookArgs
) -> None:
    """Drop a stop that landed where Python cannot raise it (a finaliser, a weakref callback).

    Python would print it with a traceback and carry on; the request remembers the signal and
    the trial's next live check raises it again, so it is not lost, only not printed.
    """
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        return
    previous(unraisable)
