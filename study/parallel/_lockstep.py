"""Checking a trial's live curves at fixed epochs, so pruning is exact and reproducible.

After every chunk of epochs each seed worker publishes the epochs it trained since its last
chunk and waits for the trial's verdict (go on, or stop); the trial waits for every worker's
chunk, looks at all seeds' curves at the same epoch, and answers. A decision therefore depends
on the curves only, never on timing: the same study prunes the same trials at the same epochs.

Workers that run in the trial's own process use :class:`DirectMonitor` (no files at all);
workers in other processes talk through files in a shared folder (:class:`LockstepMonitor`
and :class:`LockstepCoordinator`), which needs no server and no pickles.

A worker that is lost (its process or its machine gone, or its job still waiting for a free
Dask worker) must not hold up the others: while it trains, each worker shows it is alive
every :data:`HEARTBEAT_SECONDS` (:func:`heartbeat`), and the trial goes on without a worker
that has shown no sign of life for :data:`LOST_SECONDS`. The others then wait at most that long
for a verdict; the lost worker's seeds come back when its job ends (Dask runs a lost worker's
job again elsewhere; a process pool runs it again alone), trained unwatched.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from study.curves import SERIES, SeedCurves, decode_series, encode_series

Callback = Callable[[list[SeedCurves]], bool]
"""Receives every seed's curves so far; returns ``True`` to stop all seeds."""
VERDICT_TIMEOUT = 120.0
"""Seconds a worker waits for a verdict before it trains on (the trial's process is gone)."""
HEARTBEAT_SECONDS = 2.0
"""How often a watched worker shows that it is alive."""
LOST_SECONDS = 30.0
"""Silence after which the trial decides without a worker (its seeds then train unwatched)."""
_POLL = 0.0005  # Seconds between two looks for a file: a chunk takes milliseconds.


class DirectMonitor:
    """The engine's monitor for seeds trained in the trial's own process."""

    def __init__(self, callback: Callback) -> None:
        self._callback = callback
        self._stop = False

    def update(self, curves: Sequence[SeedCurves]) -> None:
        """Ask the trial about the curves so far."""
        self._stop = bool(self._callback(list(curves)))

    def should_stop(self) -> bool:
        """The trial's last verdict."""
        return self._stop


class LockstepMonitor:
    """The engine's monitor in a seed worker: publish each chunk, wait for the verdict.

    Args:
        channel: The folder shared with the trial.
        group: This worker's index.
    """

    def __init__(self, channel: Path, group: int) -> None:
        self._channel, self._group = channel, group
        self._sent: dict[int, int] = {}
        self._step = 0
        self._stop = False

    def update(self, curves: Sequence[SeedCurves]) -> None:
        """Publish the epochs trained since the last chunk, then wait for the verdict."""
        self._step += 1
        payload = [self._increment(c) for c in curves]
        _write_json(self._channel / f"g{self._group}-{self._step}.json", payload)
        verdict = self._channel / f"verdict-{self._step}"
        deadline = time.monotonic() + VERDICT_TIMEOUT
        while not verdict.exists():
            if time.monotonic() > deadline or _lost_marker(self._channel, self._group).exists():
                return  # Trained on unwatched: nobody decides for this worker any more.
            time.sleep(_POLL)
        self._stop = verdict.read_text(encoding="utf-8") == "stop"

    def should_stop(self) -> bool:
        """Whether the trial asked every seed to stop."""
        return self._stop

    def _increment(self, curves: SeedCurves) -> dict[str, Any]:
        start = self._sent.get(curves.seed, 0)
        self._sent[curves.seed] = curves.epochs_trained
        series = {}
        for name in SERIES:
            values = getattr(curves, name)
            if values is not None:
                series[name] = encode_series(values[start:])
        return {
            "seed": curves.seed,
            "epochs_planned": curves.epochs_planned,
            "stop": curves.stop,
            "val_samples": curves.val_samples,
            "series": series,
        }


class LockstepCoordinator(threading.Thread):
    """The trial's side: gathers each chunk of every live worker, decides, answers.

    Args:
        channel: The folder shared with the workers.
        groups: Number of workers.
        callback: Decides from every seed's curves so far.
    """

    def __init__(self, channel: Path, groups: int, callback: Callback) -> None:
        super().__init__(name="study-lockstep", daemon=True)
        self._channel, self._groups, self._callback = channel, groups, callback
        self._since = time.time()
        self._finished: set[int] = set()
        self._closing = threading.Event()
        self._series: dict[int, dict[str, list[np.ndarray]]] = {}
        self._meta: dict[int, dict[str, Any]] = {}
        self.error: BaseException | None = None

    def group_finished(self, group: int) -> None:
        """Note that a worker returned: no more chunks will come from it."""
        self._finished.add(group)

    def run(self) -> None:
        step = 1
        while not self._closing.is_set():
            if not self._gather(step):
                return
            try:
                stop = bool(self._callback(self._curves()))
            except BaseException as e:  # Surface it in the trial's thread, not here.
                self.error, stop = e, True
            _write_text(self._channel / f"verdict-{step}", "stop" if stop else "go")
            if stop:
                return
            step += 1

    def close(self) -> None:
        """Stop coordinating and re-raise a decision error in the caller's thread."""
        self._closing.set()
        self.join()
        if self.error is not None:
            raise self.error

    def _gather(self, step: int) -> bool:
        """Wait for chunk ``step`` of every live worker; ``False`` when none will come."""
        pending = set(range(self._groups))
        received = False
        while pending:
            for group in sorted(pending):
                path = self._channel / f"g{group}-{step}.json"
                if path.exists():
                    self._add(json.loads(path.read_text(encoding="utf-8")))
                    pending.discard(group)
                    received = True
                elif group in self._finished:
                    pending.discard(group)
                elif self._silent(group):
                    _write_text(_lost_marker(self._channel, group), "lost")
                    self._finished.add(group)
                    pending.discard(group)
            if pending:
                if self._closing.is_set():
                    return False
                time.sleep(_POLL)
        return received

    def _silent(self, group: int) -> bool:
        """Whether ``group`` showed no sign of life for :data:`LOST_SECONDS`."""
        try:
            last = max(self._since, _alive_file(self._channel, group).stat().st_mtime)
        except FileNotFoundError:  # Not started yet: counted from the trial's start.
            last = self._since
        return time.time() - last > LOST_SECONDS

    def _add(self, payload: list[dict[str, Any]]) -> None:
        for part in payload:
            seed = int(part["seed"])
            self._meta[seed] = part
            store = self._series.setdefault(seed, {})
            for name, text in part["series"].items():
                store.setdefault(name, []).append(decode_series(text))

    def _curves(self) -> list[SeedCurves]:
        out = []
        for seed in sorted(self._series):
            series: dict[str, Any] = {
                name: np.concatenate(parts) for name, parts in self._series[seed].items()
            }
            meta = self._meta[seed]
            out.append(
                SeedCurves(
                    seed=seed,
                    epochs_planned=int(meta["epochs_planned"]),
                    stop=meta["stop"],
                    val_samples=meta.get("val_samples"),
                    **series,
                )
            )
        return out


@contextlib.contextmanager
def heartbeat(channel: Path, group: int) -> Iterator[None]:
    """Show that worker ``group`` is alive, every :data:`HEARTBEAT_SECONDS`, while inside."""
    done = threading.Event()

    def beat() -> None:
        path = _alive_file(channel, group)
        while True:
            with contextlib.suppress(OSError):  # The trial's folder may be gone: it ended.
                path.touch()
            if done.wait(HEARTBEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name="study-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _alive_file(channel: Path, group: int) -> Path:
    return channel / f"alive-g{group}"


def _lost_marker(channel: Path, group: int) -> Path:
    return channel / f"lost-g{group}"


def _write_json(path: Path, payload: Any) -> None:
    _write_text(path, json.dumps(payload))


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # Atomic: the reader never sees a half-written file.
