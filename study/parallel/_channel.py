"""A file channel between a trial and its seed workers: live curves out, a stop signal in.

Workers write their latest curves to a small JSON file at a bounded rate and check for a stop
file after every chunk of epochs; the trial reads the files and writes the stop file. Files
work the same for in-process, process and same-host cluster workers, and need no server and no
pickles.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

from study.curves import SeedCurves

WRITE_INTERVAL = 0.2
"""Seconds between two progress writes of one worker: bounds the I/O in the training path."""


class FileMonitor:
    """The worker side: implements the engine's ``TrainingMonitor`` protocol.

    Args:
        channel: The channel folder.
        group: This worker's group index (names its progress file).
    """

    def __init__(self, channel: Path, group: int) -> None:
        self._path = channel / f"group-{group}.json"
        self._stop = channel / "stop"
        self._last = 0.0

    def update(self, curves: Sequence[SeedCurves]) -> None:
        """Publish the curves so far, at most every ``WRITE_INTERVAL`` seconds."""
        now = time.monotonic()
        if now - self._last < WRITE_INTERVAL:
            return
        self._last = now
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps([c.to_dict() for c in curves]), encoding="utf-8")
        os.replace(tmp, self._path)  # Atomic: the reader never sees a half-written file.

    def should_stop(self) -> bool:
        """Whether the trial asked every seed to stop."""
        return self._stop.exists()


def read_progress(channel: Path, groups: int) -> list[SeedCurves]:
    """The trial side: the latest published curves of every group, in group order."""
    curves: list[SeedCurves] = []
    for group in range(groups):
        path = channel / f"group-{group}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            continue
        curves.extend(SeedCurves.from_dict(d) for d in data)
    return curves


def request_stop(channel: Path) -> None:
    """Ask every worker of the channel to stop after its current chunk."""
    (channel / "stop").touch()
