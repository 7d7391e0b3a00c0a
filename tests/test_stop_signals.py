"""The run's signal handling, in-process: one orderly stop, remembered for later checks."""

from __future__ import annotations

import os
import signal
import time
from types import SimpleNamespace

import pytest

from study.runner._signals import stop_on_signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_interrupts_and_is_remembered(signum: int) -> None:
    with stop_on_signals() as stop:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signum)
        with pytest.raises(KeyboardInterrupt):
            stop()  # A library that swallowed the first one meets it again.


def _storage_call() -> object:
    """A function that runs as a database driver's code, where a signal lands half-way."""
    namespace: dict[str, object] = {"__name__": "sqlalchemy.engine.stand_in", "signal": signal}
    namespace["time"] = time
    source = (
        "def write(done):\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "    time.sleep(0.1)\n"
        "    done.append('committed')\n"
    )
    exec(compile(source, "<storage>", "exec"), namespace)
    return namespace["write"]


def test_a_signal_inside_a_storage_call_is_raised_once_the_call_ends() -> None:
    write = _storage_call()
    done: list[str] = []
    with stop_on_signals() as stop:
        with pytest.raises(KeyboardInterrupt):
            write(done)  # type: ignore[operator]
            for _ in range(500):  # Short sleeps: a stop delivered again lands between them.
                time.sleep(0.01)  # The deferred stop is raised here, once the write ended.
        assert done == ["committed"]
        assert stop.signals == 1  # Delivered again, but counted once: not a second Ctrl-C.


def test_a_deferred_stop_that_a_live_check_raised_is_not_raised_again() -> None:
    write = _storage_call()
    with stop_on_signals() as stop:
        write([])  # type: ignore[operator]
        with pytest.raises(KeyboardInterrupt):
            stop()  # The next live check comes before the delivery again.
        time.sleep(0.2)  # Several re-checks later: nothing more is raised.


def test_a_stop_deferred_in_the_blocks_last_storage_call_is_raised_as_it_ends() -> None:
    write = _storage_call()
    with pytest.raises(KeyboardInterrupt), stop_on_signals():
        write([])  # type: ignore[operator]
    time.sleep(0.2)  # And not once more, outside the block.


def test_no_signal_no_stop() -> None:
    with stop_on_signals() as stop:
        stop()


def test_the_previous_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


class _SignalledWhileCollected:
    """An object whose finaliser is running when the signal comes (Python cannot raise there)."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_signal_inside_a_finaliser_prints_nothing_and_is_remembered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with stop_on_signals() as stop:
        _SignalledWhileCollected()  # Collected at once: the signal lands in `__del__`.
        with pytest.raises(KeyboardInterrupt):
            stop()
    assert capsys.readouterr().err == ""


def test_before_a_run_a_signal_inside_a_finaliser_is_delivered_again() -> None:
    from study.__main__ import _redeliver_interrupt

    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        hook_args = SimpleNamespace(
            exc_type=KeyboardInterrupt,
            exc_value=KeyboardInterrupt(),
            exc_traceback=None,
            err_msg=None,
            object=None,
        )
        _redeliver_interrupt(hook_args)  # type: ignore[arg-type]
    finally:
        signal.signal(signal.SIGINT, previous)
    assert received == [signal.SIGINT]
