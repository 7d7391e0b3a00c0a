"""Runs of `study run` whose seeds are scripted curves (nothing trains)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import study.runner._objective as objective_module
import study.runner._run as run_module
from study.curves import SeedCurves
from study.params import TrialParams
from study.runner import RunOptions, run

EPOCHS = 60
CHECK = 10


def write_space(folder: Path, pruner: str = "", seeds: int = 3) -> Path:
    """An MLP space of ``seeds`` seeds and :data:`EPOCHS` epochs; ``pruner``: the table's body."""
    path = folder / "space.toml"
    path.write_text(
        f'family = "mlp"\ntask = "moons"\nseeds = {seeds}\n\n[params]\n'
        f"units = {{ low = 2, high = 8 }}\nepochs = {EPOCHS}\n\n"
        f"[pruner]\ncheck_every = {CHECK}\nmin_checks = {EPOCHS // CHECK}\n{pruner}\n"
    )
    return path


def falling(seed: int, final: float) -> SeedCurves:
    """A seed whose validation loss falls smoothly towards ``final``."""
    t = np.arange(1, EPOCHS + 1, dtype=float)
    val = final * (1.0 + 2.0 * np.exp(-t / 8.0))
    return SeedCurves(seed=seed, train_loss=0.9 * val, val_loss=val, epochs_planned=EPOCHS)


def script(monkeypatch: pytest.MonkeyPatch, finals: Sequence[Sequence[float]]) -> None:
    """Trial ``i``'s seed ``s`` falls towards ``finals[i][s]``, looked at every chunk."""
    calls = {"trial": 0}

    def run_seeds(
        family: str,
        params: TrialParams,
        data: Any,
        seeds: list[int],
        *,
        chunk_epochs: int,
        on_progress: Any,
        **kwargs: Any,
    ) -> list[SeedCurves]:
        ends = finals[calls["trial"] % len(finals)]
        calls["trial"] += 1
        full = [falling(s, ends[s]) for s in seeds]
        for step in range(chunk_epochs, EPOCHS + 1, chunk_epochs):
            now = [c.truncated(step) for c in full]
            if on_progress(now):
                return [dataclasses.replace(c, stop="pruned") for c in now]
        return full

    monkeypatch.setattr(objective_module, "run_seeds", run_seeds)
    monkeypatch.setattr(run_module, "warm_up", lambda *args, **kwargs: None)


def run_study(space: Path, trials: int, url: str, name: str = "t") -> None:
    """Run study ``name`` in ``url`` to ``trials`` trials, quietly."""
    options = RunOptions(study=name, trials=trials, space=space, storage=url, jobs=1)
    run(options, out=io.StringIO())
