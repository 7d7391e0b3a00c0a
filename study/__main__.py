"""Entry point of ``python -m study`` and of the ``study`` console script.

Ctrl-C (SIGINT) and SIGTERM stop the command at any moment with one line and exit code 130:
while its libraries load (seconds with TensorFlow), during a run (see
:mod:`study.runner`), and while the process exits (the signal then ends it at once with the
code it was exiting with).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

EXIT_INTERRUPTED = 130


def main() -> int:
    """Run the command line as ``python -m study`` and the ``study`` console script do.

    Returns:
        The exit code: 0, 2 for bad input, 130 when a signal stopped the command.
    """
    # Also when started in the background (SIGINT then arrives ignored) and for SIGTERM.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    sys.unraisablehook = _redeliver_interrupt
    try:
        from study.cli import main

        code = main()
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        _forget_keyboard_interrupt()
    _exit_at_once_on_signals(code)
    return code


def _redeliver_interrupt(unraisable: UnraisableHookArgs) -> None:
    """Deliver again a Ctrl-C that landed where Python cannot raise it (a finaliser).

    Python would print it with a traceback and carry on as if it had not come.
    """
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        return
    sys.__unraisablehook__(unraisable)


def _forget_keyboard_interrupt() -> None:
    """Let the process exit with code 130 although a KeyboardInterrupt crossed C code.

    CPython remembers a KeyboardInterrupt that left code run through its C API (as some
    libraries' imports do) and then ends the process by SIGINT (status -2) instead of with
    the exit code. Running an empty statement through the same API clears that memory.
    """
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.pythonapi.PyRun_SimpleString(b"pass")


def _exit_at_once_on_signals(code: int) -> None:
    """While the interpreter shuts down (worker pools joined), a signal just ends it."""

    def leave(signum: int, frame: FrameType | None) -> None:
        sys.stderr.flush()
        os._exit(code)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, leave)


if __name__ == "__main__":
    sys.exit(main())
