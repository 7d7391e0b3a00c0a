"""A trained model out of a stored study: a kept trial's seed, rebuilt with its weights.

A run keeps the final weights of its best few trials (:func:`study.storage.keep_weights`).
:func:`load_model` rebuilds the trial's Keras model as the trial built it (the reference
model of :func:`study.models.build_keras_model`, or the builder's own model) for the task's
data, and loads the seed's kept weights into it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import optuna
from optuna.trial import FrozenTrial

from study.errors import InputError
from study.runner._setup import RunOptions, existing_study, resolve_space, task_source
from study.space import SearchSpace
from study.storage import (
    ARTIFACTS_ENV,
    Weights,
    artifacts_folder,
    kept_trials,
    load_weights,
    mask_url,
    open_storage,
    resolve_url,
    trial_curves,
)

if TYPE_CHECKING:
    import keras

    from study.tasks import TaskData


@dataclasses.dataclass(frozen=True)
class KeptModel:
    """Which kept weights to load, and the task's data the model was trained on.

    Attributes:
        trial: The trial's number.
        seed: The seed whose weights are loaded.
        data: The task's data (windows of the trial's lookback), scaled as the model saw it:
            a model's inputs must be scaled the same way.
    """

    trial: int
    seed: int
    data: TaskData


def load_model(
    name: str,
    trial: int | None = None,
    seed: int | None = None,
    storage: str | None = None,
    *,
    artifacts: str | os.PathLike[str] | None = None,
    trust_stored_model: bool = False,
) -> tuple[keras.Model, KeptModel]:
    """Return a kept trial's seed as a compiled ``keras.Model`` with its trained weights.

    Args:
        name: The study's name.
        trial: The trial's number; ``None`` for the best trial that kept its weights.
        seed: The seed; ``None`` for the trial's seed of lowest final validation loss.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.
        artifacts: The folder of kept weights; ``None`` for ``$STUDY_ARTIFACTS`` or beside
            the SQLite or journal file.
        trust_stored_model: Allow importing the builder module a study of its own model names.

    Returns:
        The model, and which trial and seed it is with the task's data.

    Raises:
        InputError: No such study, trial or seed; no artifact folder; no kept weights.
    """
    study, chosen, weights = _kept(name, trial, storage, artifacts)
    seed = _chosen_seed(chosen, weights, seed)
    return _rebuilt(study, chosen, {seed: weights[seed]}, trust_stored_model)[0]


def load_models(
    name: str,
    trial: int | None = None,
    storage: str | None = None,
    *,
    artifacts: str | os.PathLike[str] | None = None,
    trust_stored_model: bool = False,
) -> list[tuple[keras.Model, KeptModel]]:
    """Return every kept seed of a trial as a model, in seed order (see :func:`load_model`).

    Raises:
        InputError: No such study or trial; no artifact folder; no kept weights.
    """
    study, chosen, weights = _kept(name, trial, storage, artifacts)
    return _rebuilt(study, chosen, weights, trust_stored_model)


def _kept(
    name: str, trial: int | None, storage: str | None, artifacts: str | os.PathLike[str] | None
) -> tuple[optuna.Study, FrozenTrial, dict[int, Weights]]:
    """Open the study, choose the trial and read its kept weights (nothing is written)."""
    url = resolve_url(storage)
    study = existing_study(open_storage(url, must_exist=True), name)
    if study is None:
        raise InputError(f"no study named {name!r} in {mask_url(url)}.")
    folder = artifacts_folder(url, artifacts)
    if folder is None:
        raise InputError(
            f"{mask_url(url)} has no default artifact folder; give the folder of kept weights "
            f"with artifacts= (--artifacts) or ${ARTIFACTS_ENV}."
        )
    chosen = _chosen_trial(study, trial)
    return study, chosen, load_weights(chosen, folder)


def _rebuilt(
    study: optuna.Study, trial: FrozenTrial, weights: dict[int, Weights], trust: bool
) -> list[tuple[keras.Model, KeptModel]]:
    """Build the trial's model once per seed, on the task's data, with the seed's weights."""
    options = RunOptions(study=study.study_name, trials=0, trust_stored_model=trust)
    space = resolve_space(options, study, None)
    data = task_source(space).data(space.lookback(trial.params))
    out = []
    for seed, seed_weights in sorted(weights.items()):
        model = _built(space, trial, data, seed)
        model.set_weights(list(seed_weights))
        out.append((model, KeptModel(trial=trial.number, seed=seed, data=data)))
    return out


def _built(space: SearchSpace, trial: FrozenTrial, data: TaskData, seed: int) -> keras.Model:
    """Build the trial's model for ``seed``, as the trial built it."""
    import keras  # TensorFlow loads only when a model is built.

    from study.engine import build_model
    from study.models import build_keras_model

    custom = space.custom_model(trial.params)
    if custom is not None:
        keras.utils.set_random_seed(seed)
        model = build_model(custom, data)
    else:
        params = space.params_for(trial.params)
        model = build_keras_model(space.family, params, data, seed)
    return model


def _chosen_trial(study: optuna.Study, number: int | None) -> FrozenTrial:
    """The trial asked for, or the best one that kept its weights."""
    if number is None:
        kept = kept_trials(study)
        if not kept:
            raise InputError(
                f"study {study.study_name!r} kept no weights; run trials with kept models "
                "(the best few trials of a run keep theirs) to load one."
            )
        return kept[0]
    trials = study.get_trials(deepcopy=False)
    found = [t for t in trials if t.number == number]
    if not found:
        span = f"trials 0..{len(trials) - 1}" if trials else "no trials"
        raise InputError(
            f"`trial` must name a trial of study {study.study_name!r}, but got "
            f"trial={number}; the study has {span}."
        )
    return found[0]


def _chosen_seed(trial: FrozenTrial, weights: dict[int, Weights], seed: int | None) -> int:
    if seed is not None:
        if seed not in weights:
            raise InputError(
                f"`seed` must be one of trial {trial.number}'s kept seeds "
                f"{sorted(weights)}, but got seed={seed}."
            )
        return seed
    finals = {c.seed: _last(c.val_loss) for c in trial_curves(trial) if c.seed in weights}
    return min(sorted(weights), key=lambda s: finals.get(s, np.inf))


def _last(series: npt.NDArray[np.float64]) -> float:
    value = float(series[-1]) if len(series) else np.inf
    return value if np.isfinite(value) else np.inf
