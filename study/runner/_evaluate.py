"""The final score: the study's recommended trial scored once on the test split no trial saw.

The recommended trial is the one the seeds' evidence picks (:func:`study.evidence.recommend`,
the best mean allowing for the seeds' spread), which is Optuna's ``best_trial`` unless another
trial's mean is as good within noise with seeds that agree more. The engine keeps no weights,
so the chosen trial's seeds are trained again, with the same parameters, seeds and epochs, on
the same training data, with the test split in the place of the validation split (which
training never reads). Training is
deterministic given a seed, so the seeds follow the trial's stored training curves, and their
last epoch's loss on the test split is the score of the trial's own models. The cost is one
more trial.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

import numpy as np
import numpy.typing as npt
import optuna

from study.curves import SeedCurves
from study.errors import InputError
from study.parallel import run_seeds, seed_cluster
from study.pruning import PrunerSettings, PruningPolicy
from study.runner._objective import RunSettings, trial_chunk
from study.runner._setup import RunOptions, RunPlan, existing_study, plan_run, resolve_space
from study.space import SearchSpace
from study.storage import (
    FinalScore,
    keys,
    mask_url,
    open_storage,
    resolve_url,
    trial_curves,
)
from study.storage.runs import read_final_score, stored_recommended, write_final_score
from study.tasks import TaskSource

# Retrained training losses within this relative tolerance count as the same curves.
_SAME_CURVES_RTOL = 1e-4


def score_on_test(
    study: optuna.Study,
    space: SearchSpace,
    source: TaskSource,
    *,
    n_jobs: int = 1,
    backend: str = "loky",
    pruning: PrunerSettings | None = None,
) -> FinalScore:
    """Train the recommended trial's seeds again and score them on the test split.

    Args:
        study: The study, with at least one complete trial.
        space: Its search space.
        source: Its task's data, with a test split.
        n_jobs: Seed workers.
        backend: The joblib backend of the seed workers.
        pruning: The study's ``[pruner]`` settings, so the seeds train in the same chunks
            of epochs as the trial did (its checks); the space's own when ``None``.

    Raises:
        InputError: The task has no test split, or the study no complete trial.
    """
    if not source.has_test:
        raise InputError(_no_test(study.study_name))
    best = recommended_trial(study)
    lookback = space.lookback(best.params)
    test = source.test_data(lookback)
    assert test is not None  # checked by has_test above
    params = space.params_for(best.params)
    settings = pruning or PrunerSettings.from_mapping(space.pruner)
    chunk = trial_chunk(PruningPolicy(settings), params.epochs, RunSettings().chunk_epochs)
    curves = run_seeds(
        space.family,
        params,
        test,
        list(range(space.seeds)),
        n_jobs=n_jobs,
        backend=backend,
        chunk_epochs=chunk,
        model=space.custom_model(best.params),
    )
    stored = trial_curves(best)
    return FinalScore(
        trial=best.number,
        params=dict(best.user_attrs.get(keys.PARAMS, best.params)),
        objective=space.objective,
        validation=float(best.value if best.value is not None else np.nan),
        loss=test.loss,
        validation_loss=_last(c.val_loss for c in stored),
        test_loss=_last(c.val_loss for c in curves),
        validation_accuracy=_last_metric(stored),
        test_accuracy=_last_metric(curves),
        n_test=len(test.y_val),
        reproduced=_same_training(stored, curves),
    )


def recommended_trial(study: optuna.Study) -> optuna.trial.FrozenTrial:
    """The trial the seeds recommend (see :attr:`study.storage.StudyRecord.recommendation`).

    Optuna's ``best_trial`` when the evidence names none.

    Raises:
        InputError: The study has no complete trial.
    """
    best = _best_trial(study)
    number = stored_recommended(study)
    if number is None or number == best.number:
        return best
    return next(t for t in study.get_trials(deepcopy=False) if t.number == number)


def _best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial:
    try:
        return study.best_trial
    except ValueError:
        raise InputError(
            f"study '{study.study_name}' has no complete trial to score on the test split; "
            "run some trials first."
        ) from None


def _last(series: Iterable[npt.NDArray[np.floating]]) -> tuple[float, ...]:
    return tuple(float(s[-1]) if len(s) else float("nan") for s in series)


def _last_metric(curves: Sequence[SeedCurves]) -> tuple[float, ...] | None:
    metrics = [c.val_metric for c in curves]
    if not metrics or any(m is None for m in metrics):
        return None
    return _last(m for m in metrics if m is not None)


def _same_training(stored: Sequence[SeedCurves], again: Sequence[SeedCurves]) -> bool:
    if len(stored) != len(again):
        return False
    return all(
        a.train_loss.shape == b.train_loss.shape
        and np.allclose(a.train_loss, b.train_loss, rtol=_SAME_CURVES_RTOL, equal_nan=True)
        for a, b in zip(stored, again, strict=True)
    )


def final_score(study: optuna.Study, plan: RunPlan, options: RunOptions, out: TextIO) -> None:
    """At the end of a run: score the recommended trial on the test split, store and print it.

    The stored score is kept while the recommended trial stays the same, so resuming a finished
    study trains nothing more. Without a test split or a complete trial it does nothing.
    """
    if plan.source is None or not plan.source.has_test:
        return
    if not any(
        t.state == optuna.trial.TrialState.COMPLETE for t in study.get_trials(deepcopy=False)
    ):
        print("no complete trial to score on the test split", file=out)
        return
    score = read_final_score(study)
    if score is None or score.trial != recommended_trial(study).number:
        score = _score_and_store(study, plan, options)
    print(f"final score: {score.describe()}", file=out)


def _score_and_store(study: optuna.Study, plan: RunPlan, options: RunOptions) -> FinalScore:
    """Score the recommended trial on the test split with the run's settings, and store it."""
    assert plan.source is not None  # Callers score only a task with a test split.
    score = score_on_test(
        study,
        plan.space,
        plan.source,
        n_jobs=plan.jobs,
        backend=options.backend,
        pruning=plan.pruning,
    )
    write_final_score(study, score)
    return score


def evaluate(options: RunOptions) -> FinalScore:
    """Score stored study ``options.study``'s recommended trial on its test split; store it.

    The study's own search space and data are loaded as a resumed run would load them; every
    check is made before the storage is opened for writing.

    Raises:
        InputError: No such study, a task without a test split, no complete trial, or data
            that no longer loads.
    """
    url = resolve_url(options.storage)
    existing = existing_study(open_storage(url, must_exist=True), options.study)
    if existing is None:
        raise InputError(f"no study named {options.study!r} in {mask_url(url)}.")
    plan = plan_run(resolve_space(options, existing, None), options)
    if plan.source is None or not plan.source.has_test:
        raise InputError(_no_test(options.study))
    _best_trial(existing)  # A study without a complete trial stops here, unchanged.
    study = optuna.load_study(study_name=options.study, storage=open_storage(url))
    with seed_cluster(options.backend, options.scheduler, plan.jobs):
        score = _score_and_store(study, plan, options)
    return score


def _no_test(name: str) -> str:
    return (
        f"study '{name}' has no test split to score on; give its CSV [task] a test = 0.15 "
        "in a new study (the split is cut before any trial, so it cannot be added later)."
    )
