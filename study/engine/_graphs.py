"""Compiled trainers kept per worker, by structure, so a seen structure never traces again."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

from study.engine._loop import Structure, Trainer

MAX_GRAPHS = 4
"""Trainers kept per process; the least recently used one is dropped beyond it."""

_TRAINERS: OrderedDict[Structure, Trainer] = OrderedDict()
_GUARD = threading.Lock()


@contextlib.contextmanager
def trainer_for(structure: Structure, shapes: Sequence[tuple[int, ...]]) -> Iterator[Trainer]:
    """Lend the kept trainer of ``structure``, or build (and keep) a new one.

    A trainer serves one call at a time: a thread that finds it busy gets a fresh trainer.
    """
    with _GUARD:
        trainer = _TRAINERS.get(structure)
        if trainer is not None and trainer.lock.acquire(blocking=False):
            _TRAINERS.move_to_end(structure)
        else:
            trainer = None
    if trainer is None:
        trainer = Trainer(structure, shapes)
        trainer.lock.acquire()
        _keep(structure, trainer)
    try:
        yield trainer
    finally:
        trainer.lock.release()


def clear_graphs() -> None:
    """Drop every kept trainer, so the next trial of any structure compiles afresh."""
    with _GUARD:
        _TRAINERS.clear()


def _keep(structure: Structure, trainer: Trainer) -> None:
    with _GUARD:
        if structure in _TRAINERS:
            return
        _TRAINERS[structure] = trainer
        while len(_TRAINERS) > MAX_GRAPHS:
            _TRAINERS.popitem(last=False)
