"""Setting a run up: the search space to use, the task's data, and the study in storage.

Everything here is checked before anything is stored or trained: a resumed study must be
resumed with the search space it was created with.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import joblib
import optuna

from study.diagnosis import DiagnosisConfig
from study.errors import InputError
from study.parallel import warm_up
from study.pruning import PrunerSettings
from study.space import (
    SearchSpace,
    closest_difference,
    load_space,
    parse_space,
    sample_values,
)
from study.storage import keys
from study.storage.runs import KEEP_MODELS, write_study_attrs
from study.tasks import TaskData, TaskSource, load_source


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What the user asked for on the command line.

    Attributes:
        study: The study's name.
        trials: Finished trials the study should reach.
        space: The search-space file; ``None`` to reuse a stored study's space.
        space_text: The search space as TOML text, read instead of a file; ``space`` then
            only names where it is recorded to come from (and where a task's relative CSV
            path is found from).
        seeds: Seeds per trial, overriding the file.
        overrides: ``--set`` values, by parameter name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.
        jobs: Seed workers per trial; ``None`` for the cores available.
        backend: joblib backend of the seed workers: ``loky``, ``threading`` or ``dask``.
        scheduler: Address of the Dask scheduler (``dask`` only); ``None`` starts a local
            cluster for the run.
        debug: Re-raise the first error of a seed, with its traceback, instead of recording
            it and going on.
        artifacts: The folder of kept weights (see :class:`~study.runner.RunSettings`).
        keep_models: Trials whose seeds' final weights the study keeps (0: none).
        trust_stored_model: Resuming without ``space`` may import the builder module that
            the stored study names (its own model). Without it, a stored study never runs
            code on its own: the same ``space`` file must be given.
    """

    study: str
    trials: int
    space: Path | None = None
    space_text: str | None = None
    seeds: int | None = None
    overrides: Mapping[str, str] = dataclasses.field(default_factory=dict)
    storage: str | None = None
    jobs: int | None = None
    backend: str = "loky"
    scheduler: str | None = None
    debug: bool = False
    trust_stored_model: bool = False
    artifacts: str | None = None
    keep_models: int = KEEP_MODELS


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """Everything a run needs besides storage, validated before storage is opened for writing.

    Attributes:
        space: The search space.
        data: The task's data.
        diagnosis: Diagnosis thresholds.
        pruning: The overfit pruner's settings.
        jobs: Seed workers per trial.
        jobs_note: Why ``jobs`` is lower than asked, or ``None``.
        source: The task's data loaded once: a searched lookback's windows and the test
            split come from it (``data`` is its default).
    """

    space: SearchSpace
    data: TaskData
    diagnosis: DiagnosisConfig
    pruning: PrunerSettings
    jobs: int
    jobs_note: str | None = None
    source: TaskSource | None = None


def plan_run(space: SearchSpace, options: RunOptions) -> RunPlan:
    """Validate the space's settings, load its data and size the seed workers.

    Raises:
        InputError: A bad ``[diagnosis]`` or ``[pruner]`` table, or unusable data.
    """
    try:
        diagnosis = DiagnosisConfig.from_mapping(space.diagnosis)
    except ValueError as e:
        raise InputError(f"{space.path}: {e}") from None
    try:
        pruning = PrunerSettings.from_mapping(space.pruner)
    except ValueError as e:
        raise InputError(f"{space.path}: [pruner] {e}") from None
    jobs, note = cap_jobs(options.jobs, space.seeds, options.backend)
    source = task_source(space)
    return RunPlan(space, source.data(), diagnosis, pruning, jobs, note, source)


def cap_jobs(asked: int | None, seeds: int, backend: str) -> tuple[int, str | None]:
    """Seed workers per trial: as asked (default: the cores), at most one per seed and core.

    A Dask cluster's cores are not this machine's, so only the seeds cap them there. Returns
    the number and, when it is lower than asked, a note saying why.
    """
    cores = None if backend == "dask" else max(1, joblib.cpu_count())
    limits = [seeds] + ([cores] if cores is not None else [])
    jobs = min([asked or cores or seeds, *limits])
    if asked is None or jobs >= asked:
        return jobs, None
    why = f"{seeds} seed(s) per trial" + ("" if cores is None else f", {cores} core(s)")
    return jobs, f"--jobs {asked} capped at {jobs} ({why})"


def existing_study(storage: optuna.storages.BaseStorage, name: str) -> optuna.Study | None:
    """The stored study ``name``, or ``None``.

    A study whose creation by a run was cut short (stopped before its definition was stored)
    has no trials and nothing but this tool's study attributes: it is returned and completed.

    Raises:
        InputError: The study was not made by ``python -m study run`` (Optuna made it
            directly): a run would mix its trials with foreign ones. Nothing is written.
    """
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        return None
    if keys.STUDY_FINGERPRINT in study.user_attrs or _cut_short(study):
        return study
    raise InputError(
        f"study '{name}' in this storage was not made by `python -m study run` (it has no "
        "stored search space); a run never adds trials to it: choose another --study name."
    )


def _cut_short(study: optuna.Study) -> bool:
    """Whether ``study`` is a run's own study whose definition was not stored in full."""
    own = {getattr(keys, k) for k in dir(keys) if k.startswith("STUDY_")}
    return (
        len(study.directions) == 1
        and not study.get_trials(deepcopy=False)
        and set(study.user_attrs) <= own
    )


def given_space(options: RunOptions) -> SearchSpace | None:
    """The search space of ``--space`` with the command line's settings, or ``None``."""
    if options.space is None and options.space_text is None:
        return None
    return _read_space(options, options.overrides, options.seeds)


def _read_space(
    options: RunOptions, overrides: Mapping[str, str], seeds: int | None
) -> SearchSpace:
    """The space the options give, as a file or as text, with ``overrides`` and ``seeds``."""
    if options.space_text is None:
        assert options.space is not None  # Callers check that a space is given.
        return load_space(options.space, overrides=overrides, seeds=seeds)
    path = options.space or Path(f"{options.study}.toml")
    return parse_space(options.space_text, path, overrides=overrides, seeds=seeds)


def resolve_space(
    options: RunOptions, existing: optuna.Study | None, given: SearchSpace | None
) -> SearchSpace:
    """The space of the run: ``given`` for a new study; a stored study's own otherwise.

    Raises:
        InputError: No space for a new study, or one that differs from the stored study's.
    """
    if existing is None:
        if given is None:
            raise InputError(
                f"study '{options.study}' does not exist yet; give --space FILE to create it."
            )
        return given
    attrs = existing.user_attrs
    stored_overrides = {k: str(v) for k, v in attrs.get(keys.STUDY_OVERRIDES, {}).items()}
    overrides = dict(options.overrides) or stored_overrides
    seeds = options.seeds if options.seeds is not None else attrs.get(keys.STUDY_SEEDS)
    if options.space is None and options.space_text is None:
        path = Path(attrs.get(keys.STUDY_SPACE_PATH, "stored space"))
        text = attrs.get(keys.STUDY_SPACE_TEXT, "")
        model = stored_model(text)
        if model is not None and not options.trust_stored_model:
            raise InputError(
                f"study '{options.study}' trains its own model ({model!r}), and resuming it "
                "without --space would import the code that the storage names; give the same "
                f"--space {path.name} (or --trust-stored-model if you trust this storage)."
            )
        return parse_space(text, path, overrides=overrides, seeds=seeds)
    space = _read_space(options, overrides, seeds)
    stored = attrs.get(keys.STUDY_FINGERPRINT, "{}")
    if stored not in space.fingerprints():
        raise InputError(
            f"study '{options.study}' was created with a different search space "
            f"({closest_difference(stored, space.fingerprints())}); "
            "resume with the original file and settings, or choose a new --study name."
        )
    return space


def stored_model(text: str) -> str | None:
    """The builder (``model = "module:function"``) that a stored space names, else ``None``.

    Read from the TOML text alone, before the space is parsed and its builder checked.
    """
    try:
        model = tomllib.loads(text).get("model")
    except tomllib.TOMLDecodeError:
        return None  # Parsing the space reports it, before anything is imported.
    return None if model is None else str(model)


def task_source(space: SearchSpace) -> TaskSource:
    """Load the space's task data once and check that it suits the objective."""
    source = load_source(space.task)
    data = source.data()
    if space.objective == "final_val_accuracy" and data.kind == "regression":
        raise InputError(
            f"{space.path}: objective final_val_accuracy needs a classification task, but "
            f"task '{space.task.label}' is regression; use final_val_loss or best_val_loss."
        )
    if space.model is not None:  # Build the user's model once: a bad builder stops here.
        warm_up(1)  # TensorFlow loads once, quietly, before the builder's module imports Keras.
        from study.engine import validate_builder  # Loads TensorFlow: only for such a space.

        validate_builder(space.model, sample_values(space.searched, space.fixed), data)
    return source


def open_study(
    storage: optuna.storages.BaseStorage,
    name: str,
    space: SearchSpace,
    data: TaskData,
    existing: optuna.Study | None,
    pruning: PrunerSettings,
    *,
    single_process: bool,
) -> optuna.Study:
    """Create the study (storing its definition) or load it, with a seeded sampler."""
    done = 0 if existing is None else len(existing.get_trials(deepcopy=False))
    # Wrapped to NumPy's 32-bit seeds: a study seeded at the largest one can still resume.
    seed = (space.sampler_seed + done) % 2**32
    if not single_process:
        # Workers that start together must not draw the same parameters.
        seed = (seed * 100_003 + os.getpid()) % 2**32
    # Optuna's pruner is the wrapped one alone: the runner applies the overfit policy itself.
    pruner = (pruning.wrapped() if pruning.enabled else None) or optuna.pruners.NopPruner()
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
        keys.STUDY_FAMILY: space.family if space.model is None else space.model,
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
