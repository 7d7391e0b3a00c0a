"""What every arm of the time-to-quality benchmark shares: the problem, the clock, training.

Every arm but ``study run`` trains through :func:`fit_seeds`: the model of
:func:`study.models.build_keras_model` (or the space's own builder), ``model.fit`` on the
task's training split, scored on its validation split. :func:`test_loss` scores the
configuration an arm hands back the same way for every arm.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from study.curves import FloatArray
from study.engine import build_model
from study.models import build_keras_model, make_optimizer
from study.space import SearchSpace
from study.tasks import TaskData, TaskSource

ARMS = ("study", "optuna", "hyperband", "floor", "random")
ANCHORS = ("optuna", "hyperband", "floor", "random")


@dataclasses.dataclass(frozen=True)
class Problem:
    """One task of the benchmark, as every arm sees it.

    Attributes:
        name: The task's name in the results (``sunspots``, ``digits``, ``breast_cancer``).
        doc: The search space as a dict of TOML tables, for ``study.run``.
        space: The same space, validated.
        source: The task's data: training, validation and the test split no arm sees.
        folder: A scratch folder for the arms' storages.
    """

    name: str
    doc: Mapping[str, Any]
    space: SearchSpace
    source: TaskSource
    folder: Path

    @property
    def seeds(self) -> int:
        """Seeds trained per configuration."""
        return self.space.seeds

    def data(self, values: Mapping[str, Any]) -> TaskData:
        """The training and validation data of a configuration (its ``lookback``)."""
        return self.source.data(self.space.lookback(values))

    def test(self, values: Mapping[str, Any]) -> TaskData:
        """The training data and the test split of a configuration."""
        test = self.source.test_data(self.space.lookback(values))
        if test is None:
            raise ValueError(f"task {self.name} holds no test split.")
        return test


class Recorder:
    """An arm's best-so-far validation loss against wall time, and what it would hand back.

    Args:
        budget: Seconds after which the arm starts no new configuration.
    """

    def __init__(self, budget: float) -> None:
        self.started = time.perf_counter()
        self.budget = budget
        self.curve: list[tuple[float, float]] = []
        self.best: dict[str, Any] | None = None
        self.trials = 0

    @property
    def elapsed(self) -> float:
        """Seconds since the arm started."""
        return time.perf_counter() - self.started

    @property
    def spent(self) -> bool:
        """Whether the budget is spent."""
        return self.elapsed >= self.budget

    def record(self, value: float | None, values: Mapping[str, Any] | None) -> None:
        """Count one finished configuration; keep it if its validation loss is the best."""
        self.trials += 1
        if value is None or values is None or not np.isfinite(value):
            return
        if not self.curve or value < self.curve[-1][1]:
            self.curve.append((round(self.elapsed, 2), float(value)))
            self.best = dict(values)


def build(problem: Problem, values: Mapping[str, Any], data: TaskData, seed: int) -> keras.Model:
    """Build and compile a configuration's model for one seed, as ``study run`` builds it."""
    keras.utils.set_random_seed(seed)
    space = problem.space
    custom = space.custom_model(values)
    if custom is None:
        return build_keras_model(space.family, space.params_for(values), data, seed)
    model = build_model(custom, data)
    if not model.compiled:
        model.compile(optimizer=make_optimizer(space.params_for(values)), loss=data.loss)
    return model


def fit_seeds(
    problem: Problem,
    values: Mapping[str, Any],
    *,
    epochs: int | None = None,
    first_callbacks: Sequence[keras.callbacks.Callback] = (),
) -> float:
    """Train a configuration once per seed with ``model.fit``; return the mean final val loss.

    Args:
        problem: The task.
        values: The configuration's sampled values.
        epochs: Epochs to train; ``None`` for the configuration's own.
        first_callbacks: Keras callbacks of the first seed's training (a pruning callback
            reads one curve).
    """
    params = problem.space.params_for(values)
    data = problem.data(values).for_family(problem.space.family)
    losses = []
    for seed in range(problem.seeds):
        model = build(problem, values, data, seed)
        history = model.fit(
            data.x_train,
            data.y_train,
            validation_data=(data.x_val, data.y_val),
            epochs=epochs or params.epochs,
            batch_size=params.batch_size,
            shuffle=data.shuffle,
            callbacks=list(first_callbacks) if seed == 0 else [],
            verbose=0,
        )
        losses.append(history.history["val_loss"][-1])
    return float(np.mean(losses))


def test_loss(problem: Problem, values: Mapping[str, Any]) -> float:
    """Retrain a configuration once per seed on the training split; mean loss on the test split."""
    return float(np.mean(test_losses(problem, values)))


def test_losses(problem: Problem, values: Mapping[str, Any]) -> FloatArray:
    """Retrain a configuration once per seed on the training split; its loss on each test
    sample, mean over the seeds.

    Each seed's penalty (the L2 terms the model trains on) is spread evenly over the samples,
    so that their mean is the loss ``model.evaluate`` reports; two configurations' losses on
    the same samples can then be compared pairwise.
    """
    params = problem.space.params_for(values)
    data = problem.test(values).for_family(problem.space.family)
    per_sample = keras.losses.get(data.loss)
    losses = []
    for seed in range(problem.seeds):
        model = build(problem, values, data, seed)
        model.fit(
            data.x_train,
            data.y_train,
            epochs=params.epochs,
            batch_size=params.batch_size,
            shuffle=data.shuffle,
            verbose=0,
        )
        reported = model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)["loss"]
        predicted = model.predict(data.x_val, verbose=0)
        samples = np.asarray(per_sample(data.y_val, predicted), dtype=np.float64).reshape(-1)
        losses.append(samples + (reported - samples.mean()))
    mean: FloatArray = np.mean(losses, axis=0)
    return mean
