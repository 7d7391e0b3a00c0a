"""Setting a run up: the search space to use, the task's data, and the study in storage.

Everything here is checked before anything is stored or trained: a resumed study must be
resumed with the search space it was created with.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path

import optuna

from study.diagnosis import DiagnosisConfig
from study.errors import InputError
from study.pruning import OverfitPruner, PrunerSettings
from study.space import SearchSpace, load_space, parse_space
from study.storage import keys, write_study_attrs
from study.tasks import TaskData, load_task


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What the user asked for on the command line.

    Attributes:
        study: The study's name.
        trials: Finished trials the study should reach.
        space: The search-space file; ``None`` to reuse a stored study's space.
        seeds: Seeds per trial, overriding the file.
        overrides: ``--set`` values, by parameter name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.
        jobs: Seed workers per trial; ``None`` for the cores available.
        backend: joblib backend of the seed workers: ``loky``, ``threading`` or ``dask``.
        scheduler: Address of the Dask scheduler (``dask`` only); ``None`` starts a local
            cluster for the run.
    """

    study: str
    trials: int
    space: Path | None = None
    seeds: int | None = None
    overrides: Mapping[str, str] = dataclasses.field(default_factory=dict)
    storage: str | None = None
    jobs: int | None = None
    backend: str = "loky"
    scheduler: str | None = None


def existing_study(storage: optuna.storages.BaseStorage, name: str) -> optuna.Study | None:
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        return None


def resolve_space(options: RunOptions, existing: optuna.Study | None) -> SearchSpace:
    if existing is None:
        if options.space is None:
            raise InputError(
                f"study '{options.study}' does not exist yet; give --space FILE to create it."
            )
        return load_space(options.space, overrides=options.overrides, seeds=options.seeds)
    attrs = existing.user_attrs
    stored_overrides = {k: str(v) for k, v in attrs.get(keys.STUDY_OVERRIDES, {}).items()}
    overrides = dict(options.overrides) or stored_overrides
    seeds = options.seeds if options.seeds is not None else attrs.get(keys.STUDY_SEEDS)
    if options.space is None:
        path = Path(attrs.get(keys.STUDY_SPACE_PATH, "stored space"))
        text = attrs.get(keys.STUDY_SPACE_TEXT, "")
        return parse_space(text, path, overrides=overrides, seeds=seeds)
    space = load_space(options.space, overrides=overrides, seeds=seeds)
    stored = attrs.get(keys.STUDY_FINGERPRINT, "{}")
    if space.fingerprint() != stored:
        raise InputError(
            f"study '{options.study}' was created with a different search space "
            f"({_first_difference(stored, space.fingerprint())}); "
            "resume with the original file and settings, or choose a new --study name."
        )
    return space


def _first_difference(stored: str, given: str) -> str:
    old, new = json.loads(stored), json.loads(given)
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            return f"{key}: stored {old.get(key)!r}, given {new.get(key)!r}"
    return "stored space unreadable"


def task_data(space: SearchSpace) -> TaskData:
    data = load_task(space.task)
    if space.objective == "final_val_accuracy" and data.kind == "regression":
        raise InputError(
            f"{space.path}: objective final_val_accuracy needs a classification task, but "
            f"task '{space.task.label}' is regression; use final_val_loss or best_val_loss."
        )
    return data


def open_study(
    storage: optuna.storages.BaseStorage,
    name: str,
    space: SearchSpace,
    data: TaskData,
    existing: optuna.Study | None,
    pruning: PrunerSettings,
    diagnosis: DiagnosisConfig,
    *,
    single_process: bool,
) -> optuna.Study:
    done = 0 if existing is None else len(existing.get_trials(deepcopy=False))
    seed = space.sampler_seed + done
    if not single_process:
        # Workers that start together must not draw the same parameters.
        seed = (seed * 100_003 + os.getpid()) % 2**32
    pruner: optuna.pruners.BasePruner = optuna.pruners.NopPruner()
    if pruning.enabled:
        pruner = OverfitPruner(pruning.wrapped(), settings=pruning, config=diagnosis)
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        direction=space.direction,
        # Seeded by the trials so far: a resumed study does not replay its first samples.
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner,
        load_if_exists=True,
    )
    if existing is None:
        write_study_attrs(study, _study_attrs(space, data))
    return study


def _study_attrs(space: SearchSpace, data: TaskData) -> dict[str, object]:
    return {
        keys.STUDY_FAMILY: space.family,
        keys.STUDY_TASK: space.task.to_dict(),
        keys.STUDY_TASK_LABEL: space.task.label,
        keys.STUDY_TASK_DESCRIPTION: data.description,
        keys.STUDY_OBJECTIVE: space.objective,
        keys.STUDY_SEEDS: space.seeds,
        keys.STUDY_SEARCHED: space.describe_searched(),
        keys.STUDY_FIXED: dict(space.fixed),
        keys.STUDY_OVERRIDES: dict(space.overrides),
        keys.STUDY_BASELINE_LOSS: data.baseline_loss,
        keys.STUDY_SPACE_TEXT: space.text,
        keys.STUDY_SPACE_PATH: str(space.path.resolve()),
        keys.STUDY_FINGERPRINT: space.fingerprint(),
    }
