"""A seed worker's process: loky must not retire it for memory a trial keeps by design."""

from __future__ import annotations

import os
import threading

import pytest
from joblib.externals.loky import process_executor

import study.parallel._worker as worker_module
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


def _watchers() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "study-parent-watch"]


def test_the_runs_own_process_is_not_tied_to_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "_tied", False)
    monkeypatch.setattr(worker_module, "_die_with_parent", lambda: pytest.fail("tied"))
    worker_module.tie_to_parent(os.getpid(), from_main_thread=True)
    assert not worker_module._tied and not _watchers()


def test_a_process_the_run_did_not_start_is_not_tied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "_tied", False)
    monkeypatch.setattr(worker_module, "_die_with_parent", lambda: pytest.fail("tied"))
    worker_module.tie_to_parent(os.getppid() + 1, from_main_thread=True)  # A Dask nanny's child.
    assert not worker_module._tied and not _watchers()


def test_a_worker_sees_its_parent_gone_once_its_parent_id_changes() -> None:
    assert worker_module._parent_alive(os.getppid())
    assert not worker_module._parent_alive(os.getppid() + 1)
