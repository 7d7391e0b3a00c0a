"""Arm (c) of the time-to-quality benchmark: KerasTuner's ``Hyperband``, seeds as executions.

Needs the bench extra (``pip install study[bench]``). The space's parameters become KerasTuner
hyperparameters, except ``epochs``: Hyperband allots epochs itself, up to the space's highest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import keras_tuner
import numpy as np
from optuna.distributions import (
    BaseDistribution as Distribution,
)
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from benchmarks.ttq_common import Problem, Recorder, build

_EPOCHS = "epochs"


def _hyperparameter(hp: keras_tuner.HyperParameters, name: str, dist: Distribution) -> Any:
    """Declare (or read) the KerasTuner hyperparameter of an Optuna distribution."""
    if isinstance(dist, CategoricalDistribution):
        return hp.Choice(name, list(dist.choices))
    assert isinstance(dist, IntDistribution | FloatDistribution)
    sampling = "log" if dist.log else "linear"
    if isinstance(dist, IntDistribution):
        step = None if dist.log else dist.step
        return hp.Int(name, dist.low, dist.high, step=step, sampling=sampling)
    return hp.Float(name, dist.low, dist.high, step=dist.step, sampling=sampling)


class _SpaceModel(keras_tuner.HyperModel):  # type: ignore[misc]
    """The space's model for KerasTuner: one seed per execution, its data by ``lookback``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__()
        self.problem = problem
        self.builds = 0
        self.val_losses: list[float] = []

    def values(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        searched = self.problem.space.distributions()
        values = {n: _hyperparameter(hp, n, d) for n, d in searched.items() if n != _EPOCHS}
        if _EPOCHS in searched:
            values[_EPOCHS] = int(hp.values.get("tuner/epochs", 1))
        return values

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        values = self.values(hp)
        data = self.problem.data(values).for_family(self.problem.space.family)
        seed = self.builds % self.problem.seeds
        self.builds += 1
        return build(self.problem, values, data, seed)

    def fit(
        self, hp: keras_tuner.HyperParameters, model: keras.Model, *args: Any, **kwargs: Any
    ) -> Any:
        values = self.values(hp)
        params = self.problem.space.params_for(values)
        data = self.problem.data(values).for_family(self.problem.space.family)
        history = model.fit(
            data.x_train,
            data.y_train,
            validation_data=(data.x_val, data.y_val),
            batch_size=params.batch_size,
            shuffle=data.shuffle,
            verbose=0,
            **{k: v for k, v in kwargs.items() if k in ("epochs", "initial_epoch", "callbacks")},
        )
        self.val_losses.append(history.history["val_loss"][-1])
        return history


class _BudgetedHyperband(keras_tuner.Hyperband):  # type: ignore[misc]
    """Hyperband that records each trial and starts none after the budget."""

    def __init__(self, recorder: Recorder, model: _SpaceModel, **kwargs: Any) -> None:
        super().__init__(hypermodel=model, **kwargs)
        self.recorder = recorder
        self.space_model = model

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        self.space_model.val_losses.clear()
        histories = super().run_trial(trial, *args, **kwargs)
        values: Mapping[str, Any] = self.space_model.values(trial.hyperparameters)
        self.recorder.record(float(np.mean(self.space_model.val_losses)), values)
        return histories

    def _configure_tensorboard_dir(self, callbacks: Any, trial: Any, execution: int = 0) -> None:
        # KerasTuner imports TensorBoard here even without a TensorBoard callback; the
        # benchmark passes none, so there is nothing to configure (and no TensorBoard needed).
        return None

    def on_trial_end(self, trial: Any) -> None:
        super().on_trial_end(trial)
        if self.recorder.spent:
            self.oracle.max_trials = len(self.oracle.trials)


def hyperband_arm(problem: Problem, budget: float, repeat: int) -> Recorder:
    """(c) KerasTuner ``Hyperband`` with ``executions_per_trial`` = seeds."""
    recorder = Recorder(budget)
    epochs = problem.space.distributions().get(_EPOCHS)
    if isinstance(epochs, IntDistribution):
        max_epochs = epochs.high
    else:
        max_epochs = problem.space.params_for({}).epochs
    tuner = _BudgetedHyperband(
        recorder,
        _SpaceModel(problem),
        objective="val_loss",
        max_epochs=max_epochs,
        executions_per_trial=problem.seeds,
        seed=repeat,
        directory=str(problem.folder / "keras_tuner"),
        project_name=f"repeat_{repeat}",
        overwrite=True,
    )
    tuner.search(verbose=0)
    return recorder
