"""A lost seed worker does not hold up the others: the trial decides without it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

import study.parallel._lockstep as lockstep
from study.curves import SeedCurves
from study.parallel._lockstep import LockstepCoordinator, LockstepMonitor, heartbeat


@pytest.fixture(autouse=True)
def quick_loss(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker is lost after one silent second; the live ones beat every 50 ms."""
    monkeypatch.setattr(lockstep, "LOST_SECONDS", 1.0)
    monkeypatch.setattr(lockstep, "HEARTBEAT_SECONDS", 0.05)


def _curves(seed: int, epochs: int) -> SeedCurves:
    values = np.linspace(1.0, 0.5, 100)[:epochs]
    return SeedCurves(seed=seed, train_loss=values, val_loss=values, epochs_planned=100)


def _worker(channel: Path, group: int, seeds: tuple[int, ...], delay: float = 0.0) -> None:
    with heartbeat(channel, group):
        time.sleep(delay)  # Alive, but slow to its first chunk.
        monitor = LockstepMonitor(channel, group)
        for step in range(1, 4):
            monitor.update([_curves(s, 10 * step) for s in seeds])


def _coordinate(channel: Path, groups: int, workers: list[threading.Thread]) -> list[list[int]]:
    seen: list[list[int]] = []
    coordinator = LockstepCoordinator(channel, groups, lambda c: seen.append([x.seed for x in c]))
    coordinator.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert not any(w.is_alive() for w in workers)
    coordinator.close()
    return seen


def test_a_silent_worker_is_left_behind(tmp_path: Path) -> None:
    alive = threading.Thread(target=_worker, args=(tmp_path, 0, (0, 1)))
    seen = _coordinate(tmp_path, 2, [alive])  # Group 1 never shows up.
    assert seen == [[0, 1], [0, 1], [0, 1]]
    assert (tmp_path / "lost-g1").exists()


def test_a_slow_worker_that_shows_it_is_alive_is_waited_for(tmp_path: Path) -> None:
    workers = [
        threading.Thread(target=_worker, args=(tmp_path, 0, (0,))),
        threading.Thread(target=_worker, args=(tmp_path, 1, (1,), 2.5)),
    ]
    seen = _coordinate(tmp_path, 2, workers)
    assert seen == [[0, 1], [0, 1], [0, 1]]
    assert not (tmp_path / "lost-g1").exists()


def test_a_worker_left_behind_trains_on_without_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lockstep, "VERDICT_TIMEOUT", 600.0)
    (tmp_path / "lost-g0").write_text("lost")
    monitor = LockstepMonitor(tmp_path, 0)
    worker = threading.Thread(target=monitor.update, args=([_curves(0, 10)],), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and not monitor.should_stop()
