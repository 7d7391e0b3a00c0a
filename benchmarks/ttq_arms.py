"""The arms of the time-to-quality benchmark that need Optuna only (and one that needs more).

Each arm searches one :class:`~benchmarks.ttq_common.Problem` until its budget is spent (the
configuration in training then finishes; none starts after it) and returns its
:class:`~benchmarks.ttq_common.Recorder`. KerasTuner's Hyperband is in
:mod:`benchmarks.ttq_hyperband`.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import optuna

import study
from benchmarks.ttq_common import Problem, Recorder, fit_seeds

FLOOR_KEEP = 3
"""Configurations the floor trains fully after one epoch of each."""


class _BudgetSpent(Exception):
    """Raised by the study arm's trial callback to end ``study.run`` after the budget."""


def study_arm(problem: Problem, budget: float, repeat: int) -> Recorder:
    """(a) ``study.run``: TPE, the seed-batched engine, overfit and will-not-win pruning."""
    recorder = Recorder(budget)
    doc = {**problem.doc, "sampler_seed": repeat}
    doc["pruner"] = {**dict(problem.doc.get("pruner", {})), "will_not_win": True}

    def after_trial(_: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        complete = trial.state == optuna.trial.TrialState.COMPLETE
        recorder.record(trial.value if complete else None, trial.params)
        if recorder.spent:
            raise _BudgetSpent

    storage = f"sqlite:///{problem.folder}/study_{repeat}.db"
    with contextlib.suppress(_BudgetSpent):
        study.run(
            doc,
            name=f"{problem.name}-{repeat}",
            trials=100_000,
            storage=storage,
            jobs=1,
            keep_models=0,
            callbacks=[after_trial],
            out=io.StringIO(),
        )
    return recorder


def optuna_arm(problem: Problem, budget: float, repeat: int, *, pruned: bool) -> Recorder:
    """(b) TPE with ``MedianPruner`` and Keras pruning, or (e) random search without pruning.

    Seeds train one after another with ``model.fit``; the objective is their mean final
    validation loss. The pruning callback reads the first seed's curve.
    """
    if pruned:
        # Optional: the bench extra (pip install study[bench]).
        from optuna_integration import KerasPruningCallback

        sampler: optuna.samplers.BaseSampler = optuna.samplers.TPESampler(seed=repeat)
        pruner: optuna.pruners.BasePruner = optuna.pruners.MedianPruner()
    else:
        sampler, pruner = optuna.samplers.RandomSampler(seed=repeat), optuna.pruners.NopPruner()
    search = optuna.create_study(sampler=sampler, pruner=pruner)
    distributions = problem.space.distributions()
    recorder = Recorder(budget)
    while not recorder.spent:
        trial = search.ask(distributions)
        callbacks = [KerasPruningCallback(trial, "val_loss")] if pruned else []
        try:
            value = fit_seeds(problem, trial.params, first_callbacks=callbacks)
        except optuna.TrialPruned:
            search.tell(trial, state=optuna.trial.TrialState.PRUNED)
            recorder.record(None, None)
            continue
        search.tell(trial, value)
        recorder.record(value, trial.params)
    return recorder


def floor_arm(problem: Problem, budget: float, repeat: int) -> Recorder:
    """(d) Train random configurations one epoch each for half the budget, then the best fully.

    The :data:`FLOOR_KEEP` configurations of lowest one-epoch validation loss train with their
    own epochs in the second half.
    """
    sampler = optuna.samplers.RandomSampler(seed=repeat)
    search = optuna.create_study(sampler=sampler)
    distributions = problem.space.distributions()
    recorder = Recorder(budget)
    screened: list[tuple[float, dict[str, Any]]] = []
    while recorder.elapsed < budget / 2 or not screened:
        params = search.ask(distributions).params
        screened.append((fit_seeds(problem, params, epochs=1), params))
    screened.sort(key=lambda pair: pair[0])
    for _, params in screened[:FLOOR_KEEP]:
        recorder.record(fit_seeds(problem, params), params)
        if recorder.spent:
            break
    return recorder


def run_arm(arm: str, problem: Problem, budget: float, repeat: int) -> Recorder:
    """Run arm ``arm`` (``study``, ``optuna``, ``hyperband``, ``floor`` or ``random``)."""
    with warnings.catch_warnings():
        # Every arm trains many short runs; Optuna's and Keras' per-trial warnings are noise.
        warnings.simplefilter("ignore")
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        if arm == "study":
            return study_arm(problem, budget, repeat)
        if arm == "optuna":
            return optuna_arm(problem, budget, repeat, pruned=True)
        if arm == "random":
            return optuna_arm(problem, budget, repeat, pruned=False)
        if arm == "floor":
            return floor_arm(problem, budget, repeat)
        if arm == "hyperband":
            # Optional: the bench extra (pip install study[bench]).
            from benchmarks.ttq_hyperband import hyperband_arm

            return hyperband_arm(problem, budget, repeat)
    raise ValueError(f"unknown arm {arm!r}.")
