"""A trained model out of a stored study: a kept trial's seed, rebuilt with its weights.

A run keeps the final weights of its best few trials (:func:`study.storage.runs.keep_weights`), and
for a pruned or overfit trial also each seed's weights of its best validation epoch.
:func:`load_model` rebuilds the trial's Keras model as the trial built it (the reference
model of :func:`study.models.build_keras_model`, or the builder's own model) for the task's
data, and loads the seed's kept weights into it. The :class:`KeptModel` beside it carries
the task's scaling, so the model can be used on raw data.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import optuna
from optuna.trial import FrozenTrial

from study.errors import InputError
from study.runner._setup import RunOptions, existing_study, resolve_space, task_source
from study.space import SearchSpace
from study.storage import (
    ARTIFACTS_ENV,
    mask_url,
    open_storage,
    resolve_url,
    trial_curves,
)
from study.storage.runs import (
    Weights,
    artifacts_folder,
    kept_trials,
    load_weights,
    stored_recommended,
)
from study.tasks import Standardisation

WeightsChoice = Literal["best", "final"]
"""Which kept weights to load: a seed's best validation epoch's (where kept), or its final."""

if TYPE_CHECKING:
    import keras

    from study.tasks import TaskData


@dataclasses.dataclass(frozen=True)
class KeptModel:
    """Which kept weights were loaded, and what using the model on raw data needs.

    The model predicts scaled targets from scaled inputs: :meth:`scale_inputs` turns raw
    samples into its inputs, and :meth:`unscale` turns its predictions back into the target's
    units, with the scaling fitted on the task's training rows.

    Attributes:
        trial: The trial's number.
        seed: The seed whose weights are loaded.
        data: The task's data (windows of the trial's lookback), scaled as the model saw it.
        weights: ``"best"``: the weights of the seed's best validation epoch; ``"final"``:
            those when training ended.
        epoch: The epoch (1-based) whose weights are loaded.
        input_shape: One sample's shape as the model takes it (an MLP takes a window
            flattened).
    """

    trial: int
    seed: int
    data: TaskData
    weights: WeightsChoice = "final"
    epoch: int = 0
    input_shape: tuple[int, ...] = ()

    @property
    def lookback(self) -> int | None:
        """Rows per window of a series task, or ``None`` for a table's rows."""
        return int(self.data.x_train.shape[1]) if self.data.sequential else None

    def scale_inputs(self, x_raw: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Scale raw samples as training did and lay them out as the model's inputs.

        Args:
            x_raw: Raw windows, shape ``(n, lookback, n_columns)`` or one window
                ``(lookback, n_columns)``, for a series; rows ``(n, n_columns)`` for a table.
                A CSV series' columns are its numeric columns in the file's order, the time
                column left out (the target's own column included); a CSV table's are its
                feature columns.

        Returns:
            Shape ``(n, *input_shape)``, float32: ``model.predict`` takes it as it is.

        Raises:
            ValueError: The samples do not have the task's window or row shape.
        """
        x = np.asarray(x_raw, dtype=np.float64)
        sample = tuple(int(d) for d in self.data.x_train.shape[1:])
        if x.shape[-len(sample) :] != sample:
            raise ValueError(
                f"`x_raw` must end with one sample's shape {sample} (lookback, columns), "
                f"but got shape {x.shape}."
            )
        scaling = self.data.input_scaling
        scaled = x if scaling is None else scaling.apply(x)
        shape = self.input_shape or sample
        return np.ascontiguousarray(scaled.reshape(-1, *shape), dtype=np.float32)

    def unscale(self, y_pred: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Map the model's predictions back to the target's units (as they are for classes)."""
        scaling: Standardisation | None = self.data.target_scaling
        y = np.asarray(y_pred, dtype=np.float64)
        return y if scaling is None else scaling.invert(y)


def load_model(
    name: str,
    trial: int | None = None,
    seed: int | None = None,
    storage: str | None = None,
    *,
    artifacts: str | os.PathLike[str] | None = None,
    trust_stored_model: bool = False,
    weights: WeightsChoice = "best",
) -> tuple[keras.Model, KeptModel]:
    """Return a kept trial's seed as a compiled ``keras.Model`` with its trained weights.

    Args:
        name: The study's name.
        trial: The trial's number; ``None`` for the recommended trial (``show`` names it)
            when it kept its weights, else the best trial that kept them.
        seed: The seed; ``None`` for the trial's seed of lowest validation loss at the epoch
            whose weights are loaded.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.
        artifacts: The folder of kept weights; ``None`` for ``$STUDY_ARTIFACTS`` or beside
            the SQLite or journal file.
        trust_stored_model: Allow importing the builder module a study of its own model names.
        weights: ``"best"``: the seed's weights of its best validation epoch where the run
            kept them (a pruned or overfit trial's seeds whose best epoch came before their
            last), else its final weights; ``"final"``: the weights when training ended.

    Returns:
        The model, and which trial, seed and epoch it is with the task's data and scaling.

    Raises:
        InputError: No such study, trial or seed; no artifact folder; no kept weights.
    """
    study, chosen, kept = _kept(name, trial, storage, artifacts, weights)
    seed = _chosen_seed(chosen, kept, seed)
    return _rebuilt(study, chosen, {seed: kept[seed]}, trust_stored_model)[0]


def load_models(
    name: str,
    trial: int | None = None,
    storage: str | None = None,
    *,
    artifacts: str | os.PathLike[str] | None = None,
    trust_stored_model: bool = False,
    weights: WeightsChoice = "best",
) -> list[tuple[keras.Model, KeptModel]]:
    """Return every kept seed of a trial as a model, in seed order (see :func:`load_model`).

    Raises:
        InputError: No such study or trial; no artifact folder; no kept weights.
    """
    study, chosen, kept = _kept(name, trial, storage, artifacts, weights)
    return _rebuilt(study, chosen, kept, trust_stored_model)


@dataclasses.dataclass(frozen=True)
class _Loaded:
    """One seed's loaded weights, which they are and the epoch they are from (1-based)."""

    weights: Weights
    choice: WeightsChoice
    epoch: int
    val_loss: float


def _kept(
    name: str,
    trial: int | None,
    storage: str | None,
    artifacts: str | os.PathLike[str] | None,
    choice: WeightsChoice,
) -> tuple[optuna.Study, FrozenTrial, dict[int, _Loaded]]:
    """Open the study, choose the trial and read its kept weights (nothing is written)."""
    if choice not in ("best", "final"):
        raise InputError(f"`weights` must be 'best' or 'final', but got weights={choice!r}.")
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
    return study, chosen, _loaded(chosen, folder, choice)


def _loaded(trial: FrozenTrial, folder: Path, choice: WeightsChoice) -> dict[int, _Loaded]:
    """Each kept seed's weights as chosen: its best epoch's where kept and asked for."""
    final = load_weights(trial, folder)
    best = load_weights(trial, folder, best=True) if choice == "best" else {}
    curves = {c.seed: c.val_loss for c in trial_curves(trial)}
    out = {}
    for seed, weights in final.items():
        losses = curves.get(seed, np.zeros(0))
        if seed in best and np.isfinite(losses).any():
            epoch = int(np.nanargmin(losses))
            out[seed] = _Loaded(best[seed], "best", epoch + 1, float(losses[epoch]))
        else:
            out[seed] = _Loaded(weights, "final", len(losses), _last(losses))
    return out


def _rebuilt(
    study: optuna.Study, trial: FrozenTrial, weights: dict[int, _Loaded], trust: bool
) -> list[tuple[keras.Model, KeptModel]]:
    """Build the trial's model once per seed, on the task's data, with the seed's weights."""
    options = RunOptions(study=study.study_name, trials=0, trust_stored_model=trust)
    space = resolve_space(options, study, None)
    data = task_source(space).data(space.lookback(trial.params))
    out = []
    for seed, loaded in sorted(weights.items()):
        model = _built(space, trial, data, seed)
        model.set_weights(list(loaded.weights))
        shape = tuple(int(d) for d in model.inputs[0].shape[1:]) if model.inputs else ()
        kept = KeptModel(trial.number, seed, data, loaded.choice, loaded.epoch, shape)
        out.append((model, kept))
    return out


def _built(space: SearchSpace, trial: FrozenTrial, data: TaskData, seed: int) -> keras.Model:
    """Build the trial's model for ``seed``, as the trial built it."""
    import keras  # TensorFlow loads only when a model is built.

    from study.engine import build_compiled_model
    from study.models import build_keras_model

    custom = space.custom_model(trial.params)
    if custom is not None:
        keras.utils.set_random_seed(seed)
        model = build_compiled_model(custom, data)
    else:
        params = space.params_for(trial.params)
        model = build_keras_model(space.family, params, data, seed)
    return model


def _chosen_trial(study: optuna.Study, number: int | None) -> FrozenTrial:
    """The trial asked for, else the recommended one if it kept its weights, else the best."""
    if number is None:
        kept = kept_trials(study)
        if not kept:
            raise InputError(
                f"study {study.study_name!r} kept no weights; run trials with kept models "
                "(the best few trials of a run keep theirs) to load one."
            )
        recommended = stored_recommended(study)
        return next((t for t in kept if t.number == recommended), kept[0])
    trials = study.get_trials(deepcopy=False)
    found = [t for t in trials if t.number == number]
    if not found:
        span = f"trials 0..{len(trials) - 1}" if trials else "no trials"
        raise InputError(
            f"`trial` must name a trial of study {study.study_name!r}, but got "
            f"trial={number}; the study has {span}."
        )
    return found[0]


def _chosen_seed(trial: FrozenTrial, weights: dict[int, _Loaded], seed: int | None) -> int:
    if seed is not None:
        if seed not in weights:
            raise InputError(
                f"`seed` must be one of trial {trial.number}'s kept seeds "
                f"{sorted(weights)}, but got seed={seed}."
            )
        return seed
    return min(sorted(weights), key=lambda s: weights[s].val_loss)


def _last(series: npt.NDArray[np.float64]) -> float:
    value = float(series[-1]) if len(series) else np.inf
    return value if np.isfinite(value) else np.inf
