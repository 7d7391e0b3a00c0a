"""What a trial stores and reports as its value, on scripted curves (nothing trains)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import study.runner._objective as objective_module
import study.runner._run as run_module
from study.curves import SeedCurves
from study.params import TrialParams
from study.runner import RunOptions, objective_value, run
from study.storage import open_storage

URL = "sqlite:///studies.db"
EPOCHS = 50
CHECK = 10


def _space(workdir: Path, objective: str, pruner: str) -> Path:
    path = workdir / "space.toml"
    path.write_text(
        f'family = "mlp"\ntask = "moons"\nseeds = 2\nobjective = "{objective}"\n\n[params]\n'
        f"units = {{ low = 2, high = 8 }}\nepochs = {EPOCHS}\n\n"
        f"[pruner]\ncheck_every = {CHECK}\nmin_checks = {EPOCHS // CHECK}\n{pruner}\n"
    )
    return path


def _seed(seed: int, turn: int, scale: float) -> SeedCurves:
    """A seed whose validation loss falls to epoch ``turn`` and then rises (overfit)."""
    epochs = np.arange(1, EPOCHS + 1, dtype=float)
    val = scale * (0.3 + 0.01 * (epochs - turn) ** 2 / turn)
    return SeedCurves(
        seed=seed,
        train_loss=scale * 1.0 / epochs,
        val_loss=val,
        train_metric=np.full(EPOCHS, 0.99),
        val_metric=0.5 + 0.4 * epochs / EPOCHS,
        epochs_planned=EPOCHS,
    )


def _scripted(monkeypatch: pytest.MonkeyPatch, turns: list[int]) -> None:
    """Trial ``i`` trains seeds that turn at epoch ``turns[i]``, checked every chunk."""
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
        turn = turns[calls["trial"] % len(turns)]
        calls["trial"] += 1
        full = [_seed(s, turn, 1.0 + 0.1 * s) for s in seeds]
        for step in range(chunk_epochs, EPOCHS + 1, chunk_epochs):
            now = [c.truncated(step) for c in full]
            if on_progress(now):
                return [dataclasses.replace(c, stop="pruned") for c in now]
        return full

    monkeypatch.setattr(objective_module, "run_seeds", run_seeds)
    monkeypatch.setattr(run_module, "warm_up", lambda *args, **kwargs: None)


def _run(space: Path, trials: int) -> list[optuna.trial.FrozenTrial]:
    run(RunOptions(study="t", trials=trials, space=space, storage=URL, jobs=1), out=io.StringIO())
    return optuna.load_study(study_name="t", storage=open_storage(URL)).trials


def _objective_at(trial: optuna.trial.FrozenTrial, objective: str, turn: int) -> float:
    step = trial.last_step
    assert step is not None
    return objective_value(
        objective, [_seed(s, turn, 1.0 + 0.1 * s).truncated(step) for s in (0, 1)]
    )


@pytest.mark.parametrize("objective", ["final_val_accuracy", "best_val_loss", "final_val_loss"])
def test_a_pruned_trials_value_is_its_objective_at_the_stop(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, objective: str
) -> None:
    _scripted(monkeypatch, [10])
    space = _space(workdir, objective, "warmup_epochs = 0\nwarmup_fraction = 0.0\npatience = 10")
    (trial,) = _run(space, 1)
    assert trial.state == TrialState.PRUNED and trial.last_step < EPOCHS
    assert trial.value == pytest.approx(_objective_at(trial, objective, 10))


@pytest.mark.parametrize("objective", ["final_val_accuracy", "best_val_loss"])
def test_intermediate_values_are_the_objective_at_every_check(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, objective: str
) -> None:
    _scripted(monkeypatch, [40])
    (trial,) = _run(_space(workdir, objective, "patience = 100"), 1)
    assert trial.state == TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == list(range(CHECK, EPOCHS + 1, CHECK))
    for step, value in trial.intermediate_values.items():
        seeds = [_seed(s, 40, 1.0 + 0.1 * s).truncated(step) for s in (0, 1)]
        assert value == pytest.approx(objective_value(objective, seeds))
    assert trial.value == trial.intermediate_values[EPOCHS]


def test_a_median_pruner_in_an_accuracy_study_keeps_the_most_accurate_trial(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every trial has the same accuracy curve; the later trials reach a lower loss. A pruner
    # fed losses in a study that maximises would stop them; fed accuracies, it has no reason.
    # A patience longer than the trials leaves the decisions to the median pruner.
    _scripted(monkeypatch, [40, 35, 30, 25])
    pruner = (
        'patience = 100\nwrap = "median"\n'
        "wrap_options = { n_startup_trials = 1, n_warmup_steps = 0 }"
    )
    trials = _run(_space(workdir, "final_val_accuracy", pruner), 4)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4
