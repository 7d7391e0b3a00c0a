"""A seed worker's process: loky must not retire it for memory a trial keeps by design."""

from __future__ import annotations

import pytest
from joblib.externals.loky import process_executor

from study.parallel import WORKER_GROWTH
from study.parallel._worker import _allow_growth


def test_a_worker_may_grow_by_what_a_large_trial_keeps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_executor, "_MAX_MEMORY_LEAK_SIZE", int(3e8))
    _allow_growth()
    assert process_executor._MAX_MEMORY_LEAK_SIZE == WORKER_GROWTH


def test_a_larger_limit_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_executor, "_MAX_MEMORY_LEAK_SIZE", 2 * WORKER_GROWTH)
    _allow_growth()
    assert process_executor._MAX_MEMORY_LEAK_SIZE == 2 * WORKER_GROWTH
