from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from study.curves import SeedCurves
from study.parallel._lockstep import DirectMonitor, LockstepCoordinator, LockstepMonitor


def _curves(seed: int, epochs: int) -> SeedCurves:
    values = np.linspace(1.0, 0.5, 100)[:epochs]
    return SeedCurves(seed=seed, train_loss=values, val_loss=values + seed, epochs_planned=100)


def _worker(
    channel: Path, group: int, seeds: tuple[int, ...], chunks: int, out: list[int]
) -> None:
    monitor = LockstepMonitor(channel, group)
    for step in range(1, chunks + 1):
        monitor.update([_curves(s, 10 * step) for s in seeds])
        if monitor.should_stop():
            out.append(step)
            return
    out.append(chunks)


def test_direct_monitor_relays_the_verdict() -> None:
    monitor = DirectMonitor(lambda curves: curves[0].epochs_trained >= 20)
    monitor.update([_curves(0, 10)])
    assert not monitor.should_stop()
    monitor.update([_curves(0, 20)])
    assert monitor.should_stop()


def test_coordinator_sees_every_seed_at_the_same_epoch_and_stops_all(tmp_path: Path) -> None:
    seen: list[list[int]] = []

    def decide(curves: list[SeedCurves]) -> bool:
        seen.append([c.epochs_trained for c in curves])
        return curves[0].epochs_trained >= 30

    coordinator = LockstepCoordinator(tmp_path, 2, decide)
    coordinator.start()
    stopped: list[int] = []
    workers = [
        threading.Thread(target=_worker, args=(tmp_path, 0, (0, 1), 10, stopped)),
        threading.Thread(target=_worker, args=(tmp_path, 1, (2,), 10, stopped)),
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=10)
    coordinator.close()
    assert seen == [[10, 10, 10], [20, 20, 20], [30, 30, 30]]
    assert stopped == [3, 3]


def test_curves_are_rebuilt_exactly_from_chunks(tmp_path: Path) -> None:
    last: list[SeedCurves] = []

    def keep(curves: list[SeedCurves]) -> bool:
        last[:] = curves
        return False

    coordinator = LockstepCoordinator(tmp_path, 1, keep)
    coordinator.start()
    done: list[int] = []
    worker = threading.Thread(target=_worker, args=(tmp_path, 0, (0, 1), 4, done))
    worker.start()
    worker.join(timeout=10)
    coordinator.group_finished(0)
    coordinator.close()
    np.testing.assert_array_equal(last[1].val_loss, _curves(1, 40).val_loss.astype(np.float32))


def test_a_finished_group_does_not_block_the_others(tmp_path: Path) -> None:
    seen: list[int] = []

    def count(curves: list[SeedCurves]) -> bool:
        seen.append(len(curves))
        return False

    coordinator = LockstepCoordinator(tmp_path, 2, count)
    coordinator.start()
    coordinator.group_finished(1)  # A worker whose seeds all failed returns at once.
    done: list[int] = []
    worker = threading.Thread(target=_worker, args=(tmp_path, 0, (0,), 2, done))
    worker.start()
    worker.join(timeout=10)
    coordinator.group_finished(0)
    coordinator.close()
    assert seen == [1, 1] and done == [2]
