from __future__ import annotations

from study.parallel import describe_error, describe_failures, failed_seeds


def test_failures_are_counted_by_cause() -> None:
    errors = [None, "MemoryError: oom", "MemoryError: oom", "ValueError: nan"]
    assert describe_failures(errors) == (
        "3 of 4 seeds failed: MemoryError: oom (2); ValueError: nan (1)"
    )


def test_no_failure_gives_no_warning() -> None:
    assert describe_failures([None, None]) is None


def test_an_error_is_described_by_type_and_first_line() -> None:
    assert describe_error(ValueError("bad value\nmore detail")) == "ValueError: bad value"


def test_failed_seeds_carry_the_message_and_the_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError as e:
        [curves] = failed_seeds([3], e, 100, context="seed worker died")
    assert curves.error == "seed worker died: RuntimeError: boom"
    assert curves.traceback is not None and "raise RuntimeError" in curves.traceback
    assert (curves.seed, curves.stop, curves.epochs_trained) == (3, "error", 0)
