"""End to end: a deliberately overfitting configuration is pruned while it trains."""

from __future__ import annotations

import io
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from study.runner import RunOptions, run
from study.storage import open_storage, study_record

pytestmark = pytest.mark.e2e

URL = "sqlite:///studies.db"
# The reference overfit: 500 ReLU units on 30 two-moons samples for 4000 epochs; validation
# bottoms out near epoch 800 and climbs after it.
OVERFIT = """
family = "mlp"
task = "moons"
seeds = 2

[params]
units = 500
epochs = 4000
dropout = { low = 0.0, high = 0.01 }

[pruner]
patience = 100
"""


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "two-workers"])
def test_overfitting_trial_is_pruned_and_its_seeds_stop_early(workdir: Path, jobs: int) -> None:
    space = workdir / "overfit.toml"
    space.write_text(OVERFIT)
    run(RunOptions(study="o", trials=1, space=space, storage=URL, jobs=jobs), out=io.StringIO())
    study = optuna.load_study(study_name="o", storage=open_storage(URL))
    trial = study_record(study, URL).trials[0]
    assert trial.state == TrialState.PRUNED.name
    assert trial.pruned is not None and trial.pruned.by == "overfit"
    # Past the validation minimum (near 848) and before the end. On 70 validation samples
    # the rise must outlast what a sample or two can cause, so the prune comes late.
    assert 848 < trial.pruned.epoch < 4000
    assert all(s.stop == "pruned" and s.epochs_trained == trial.pruned.epoch for s in trial.seeds)
    assert trial.diagnosis is not None and trial.diagnosis.category == "overfit"
    frozen = study.trials[0]
    assert frozen.value == frozen.intermediate_values[frozen.last_step]
