"""Run a sweep from Python, and load a model it kept."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from study.errors import InputError

if TYPE_CHECKING:
    import keras

    from study.runner import KeptModel, RunResult, TrialCallback

__all__ = ["load_model", "run"]


def run(
    space: str | os.PathLike[str] | Mapping[str, Any] | None,
    *,
    name: str | None = None,
    trials: int = 20,
    seeds: int | None = None,
    storage: str | None = None,
    jobs: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    debug: bool = False,
    trust_stored_model: bool = False,
    artifacts: str | os.PathLike[str] | None = None,
    keep_models: int = 3,
    callbacks: Sequence[TrialCallback] = (),
    out: TextIO | None = None,
) -> RunResult:
    """Create or resume study ``name`` and run it until it has ``trials`` finished trials.

    What ``python -m study run`` does, from Python. It prints one line per trial to ``out``
    (standard output by default; ``io.StringIO()`` keeps it quiet).

    Args:
        space: The search space: a file's path, its TOML text (a string with a line break),
            a dict of the same tables, or ``None`` to resume a stored study with its own.
        name: The study's name; ``None`` for the file's name (a path only).
        trials: Finished trials the study should reach.
        seeds: Seeds per trial, overriding the space's.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.
        jobs: Seed workers per trial; ``None`` for the cores available.
        overrides: Parameters fixed for this run, as ``--set`` fixes them.
        backend: joblib backend of the seed workers (``loky``, ``threading`` or ``dask``);
            ``None`` for ``dask`` with a ``scheduler``, else ``loky``.
        scheduler: Address of a Dask scheduler that runs every trial's seeds.
        debug: Stop at the first error of a seed, with its traceback.
        trust_stored_model: Resume a study of the user's own model with ``space=None``,
            importing the builder module that the storage names.
        artifacts: The Optuna artifact folder of kept weights; ``None`` for
            ``$STUDY_ARTIFACTS`` or ``<file>.artifacts`` beside an SQLite or journal file.
        keep_models: The best trials whose seeds' final weights are kept (0: none); see
            :func:`load_model`.
        callbacks: Called after each trial this run finishes (Optuna's ``optimize`` callbacks).
        out: Where the run's lines go.

    Returns:
        The study's name, its storage (password masked), the finished trials and the target.

    Raises:
        InputError: Bad input of any kind, found before anything is stored or trained.
        KeyboardInterrupt: The run was interrupted; the running trial re-runs on resume.
    """
    from study.runner import RunOptions
    from study.runner import run as run_study  # Training's imports load only when it runs.

    path, text = _space_source(space)
    study_name = _study_name(name, path, text)
    if not isinstance(keep_models, int) or keep_models < 0:
        raise InputError(f"`keep_models` must be 0 or more, but got keep_models={keep_models!r}.")
    for key, value in (("trials", trials), ("jobs", jobs), ("seeds", seeds)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise InputError(f"`{key}` must be a positive integer, but got {key}={value!r}.")
    options = RunOptions(
        study=study_name,
        trials=trials,
        space=path,
        space_text=text,
        seeds=seeds,
        overrides={k: str(v) for k, v in (overrides or {}).items()},
        storage=storage,
        jobs=jobs,
        backend=backend or ("dask" if scheduler is not None else "loky"),
        scheduler=scheduler,
        debug=debug,
        trust_stored_model=trust_stored_model,
        artifacts=None if artifacts is None else str(artifacts),
        keep_models=keep_models,
    )
    return run_study(options, out=out, callbacks=callbacks)


def _space_source(
    space: str | os.PathLike[str] | Mapping[str, Any] | None,
) -> tuple[Path | None, str | None]:
    """``(path, text)`` of a space given as a path, TOML text or a dict."""
    if space is None:
        return None, None
    if isinstance(space, Mapping):
        import tomlkit

        try:
            return None, tomlkit.dumps(dict(space))
        except (TypeError, ValueError) as e:
            raise InputError(
                f"`space` must be a dict of TOML values (strings, numbers, lists, tables), "
                f"but {e}."
            ) from None
    if isinstance(space, str) and "\n" in space:
        return None, space
    if isinstance(space, (str, os.PathLike)):
        return Path(space), None
    raise InputError(
        f"`space` must be a path, TOML text or a dict, but got a {type(space).__name__}."
    )


def _study_name(name: str | None, path: Path | None, text: str | None) -> str:
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"`name` must be a non-empty string, but got name={name!r}.")
        return name
    if path is None:
        given = "TOML text or a dict" if text is not None else "no space"
        raise InputError(f"`name` is needed with {given}; pass name='my-study'.")
    return path.stem


def load_model(
    name: str,
    trial: int | None = None,
    seed: int | None = None,
    storage: str | None = None,
    *,
    artifacts: str | os.PathLike[str] | None = None,
    trust_stored_model: bool = False,
    weights: Literal["best", "final"] = "best",
) -> tuple[keras.Model, KeptModel]:
    """Return a trained model out of stored study ``name``: a kept trial's seed.

    A run keeps the final weights of its best few trials (three by default) in an Optuna
    artifact folder beside the study, and for a pruned or overfit trial also each seed's
    weights of its best validation epoch (what Keras' ``EarlyStopping(restore_best_weights=
    True)`` keeps). The model is the trial's own (the ``lstm`` or ``mlp`` network of
    :func:`study.models.build_keras_model`, or the builder's), compiled, with the seed's
    weights loaded: ``model.predict(windows)`` works on windows laid out and scaled as the
    task's training windows are. Beside it comes a :class:`study.runner.KeptModel`: which
    trial, seed and epoch the weights are from, and ``scale_inputs`` and ``unscale``, which
    take raw data to the model and its predictions back to the target's units.

    Args:
        name: The study's name.
        trial: The trial's number; ``None`` for the recommended trial (``show`` names it)
            when it kept its weights, else the best trial that kept them.
        seed: The seed; ``None`` for the trial's seed of lowest validation loss at the epoch
            whose weights are loaded.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.
        artifacts: The folder of kept weights; ``None`` for ``$STUDY_ARTIFACTS`` or
            ``<file>.artifacts`` beside an SQLite or journal file.
        trust_stored_model: Import the builder module a study of its own model names.
        weights: ``"best"``: a seed's best validation epoch's weights where the run kept
            them, else its final ones; ``"final"``: the weights when training ended.

    Raises:
        InputError: No such storage, study, trial or seed; no artifact folder; a trial that
            kept no weights.
    """
    from study.runner import load_model as load_kept

    return load_kept(
        name,
        trial,
        seed,
        storage,
        artifacts=artifacts,
        trust_stored_model=trust_stored_model,
        weights=weights,
    )
