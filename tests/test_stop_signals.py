"""The run's signal handling, in-process: one orderly stop, remembered for later checks."""

from __future__ import annotations

import os
import signal

import pytest

from study.runner._signals import stop_on_signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_interrupts_and_is_remembered(signum: int) -> None:
    with stop_on_signals() as stop:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signum)
        with pytest.raises(KeyboardInterrupt):
            stop()  # A library that swallowed the first one meets it again.


def test_no_signal_no_stop() -> None:
    with stop_on_signals() as stop:
        stop()


def test_the_previous_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
