"""The Python API for notebooks: diagnose any curves, load a stored study, write its report.

Every function returns a typed record or pandas DataFrames and never prints. TensorFlow is
never imported here; pandas and the drawing stack load only when a function needs them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

import numpy as np

from study.curves import SERIES, SeedCurves
from study.diagnosis import DiagnosisConfig, TrialDiagnosis, diagnose_seeds
from study.errors import InputError

if TYPE_CHECKING:
    import keras
    import pandas as pd

    from study.curvefiles import CurveContext
    from study.evidence import Recommendation
    from study.runner import RunResult, TrialCallback
    from study.storage import StudyRecord, TrialRecord
    from study.verdicts import VerdictInputs

__all__ = [
    "FitDiagnosis",
    "StudyFrames",
    "diagnose",
    "diagnose_with_context",
    "load",
    "load_model",
    "load_record",
    "recommended",
    "report",
    "run",
]


@dataclasses.dataclass(frozen=True, repr=False)
class FitDiagnosis(TrialDiagnosis):
    """A :class:`~study.diagnosis.TrialDiagnosis` that reads as one line in a notebook.

    ``repr`` gives the verdict, the agreement of the seeds, the best epoch and the advice,
    e.g. ``<FitDiagnosis overfit/turning_point: 3 of 3 seeds overfit, confidence 0.81, best
    epoch 152 of 400. Validation loss ...>``.
    """

    @classmethod
    def of(cls, diagnosis: TrialDiagnosis) -> FitDiagnosis:
        """Wrap a trial diagnosis (fields are shared, nothing is recomputed)."""
        return cls(**{f.name: getattr(diagnosis, f.name) for f in dataclasses.fields(diagnosis)})

    def __repr__(self) -> str:
        verdict = self.verdict
        label = verdict.category + (f"/{verdict.kind}" if verdict.kind else "")
        ev = verdict.evidence
        best = "" if ev.best_epoch is None else f", best epoch {ev.best_epoch} of {ev.epochs}"
        return (
            f"<FitDiagnosis {label}: {self.agreement_text()}, confidence "
            f"{verdict.confidence:.2f}{best}. {verdict.advice}>"
        )


class StudyFrames(NamedTuple):
    """A stored study as two DataFrames (unpack as ``trials, curves = study.load(name)``).

    Attributes:
        trials: One row per trial: ``number``, ``state``, ``value`` (the mean over the
            seeds), what the seeds say of it (``value_se``, its standard error, and
            ``value_low``/``value_high``, its t interval at 90 %, NaN with fewer than two
            finite seeds; ``n_seeds``, the seeds with a finite value), one ``params_<name>``
            column per parameter, the diagnosis (``category``, ``kind``, ``confidence``,
            ``agreement``, ``best_epoch``, ``advice``), ``pruned_epoch``, ``epochs`` (the
            epochs trained per seed: where the trial stopped, beside the planned
            ``params_epochs``), ``seed_epochs`` (summed over seeds: the training cost),
            ``error`` and ``duration_seconds``.
        curves: The learning curves in long form, one row per value: ``trial``, ``seed``,
            ``epoch`` (1-based), ``series`` (``train_loss``, ``val_loss``, ``fit_loss``,
            ``train_metric``, ``val_metric``, ``val_loss_trimmed``) and ``value``, with the
            trial's verdict inputs beside them: ``val_samples`` (the seed's validation size),
            ``baseline_loss``, ``reached_loss`` (the lowest validation loss the study's other
            trials reached) and ``diagnosis_settings`` (a JSON object of the diagnosis
            settings that differ from the defaults; empty for none).

    ``trials.attrs["test_score"]`` holds the best trial's score on the test split, as
    :meth:`study.storage.FinalScore.summary` gives it (test and validation losses per seed,
    their means, and how optimistic validation was), or ``None`` when the study has none.
    """

    trials: pd.DataFrame
    curves: pd.DataFrame


CurveSource = Any
"""What :func:`diagnose` reads: a Keras ``History``, a dict of per-epoch lists, a DataFrame,
a :class:`~study.curves.SeedCurves`, a file path, or a list of these (one seed each)."""


def diagnose(
    source: CurveSource,
    *,
    config: DiagnosisConfig | Mapping[str, Any] | None = None,
    baseline_loss: float | None = None,
    reached_loss: float | None = None,
    val_samples: int | None = None,
) -> FitDiagnosis:
    """Diagnose the fit of learning curves from anywhere, as ``python -m study diagnose`` does.

    Curves exported by `study` (:func:`load`'s ``curves`` frame, or ``python -m study export``)
    carry their trial's verdict inputs (validation size, baseline, the loss the study reached
    and its diagnosis settings): one trial's curves then get the verdict the study shows.
    An argument given here takes precedence over what the curves carry.

    Args:
        source: A Keras ``History`` (what ``model.fit`` returns) or its ``history`` dict
            (``loss``, ``val_loss`` and optional accuracies); a DataFrame with those columns,
            with a ``seed`` column for several seeds, or in the long layout of :func:`load`
            (one trial); a :class:`~study.curves.SeedCurves`; a curve file path (CSVLogger,
            history JSON, ``study export`` CSV); or a list of these, read as the seeds of one
            configuration. Seeds may differ in length (e.g. ``EarlyStopping`` runs).
        config: Diagnosis thresholds, or a mapping of the ones to override.
        baseline_loss: Validation loss of the trivial predictor, if known; underfitting is
            judged against it.
        reached_loss: The lowest validation loss other configurations of the same task
            reached, if known; a curve that levels off is called too small a model only if
            they did materially better.
        val_samples: The number of validation samples behind ``val_loss``, if known: a rise
            that a few samples can cause is judged with that in mind.

    Returns:
        The verdict over the seeds, with each seed's own diagnosis.

    Raises:
        InputError: Curves that cannot be read (no ``val_loss``, too few epochs, ...).
    """
    items = list(source) if isinstance(source, (list, tuple)) else [source]
    if not items:
        raise InputError("`source` must hold at least one curve, but got an empty list.")
    read = [_trial_of(item) for item in items]
    curves = [c for seeds, _ in read for c in seeds]
    context = _merged([c for _, c in read])
    return FitDiagnosis.of(
        diagnose_with_context(
            curves,
            context,
            config=config,
            baseline_loss=baseline_loss,
            reached_loss=reached_loss,
            val_samples=val_samples,
        )
    )


def diagnose_with_context(
    curves: Sequence[SeedCurves],
    context: CurveContext,
    *,
    config: DiagnosisConfig | Mapping[str, Any] | None = None,
    baseline_loss: float | None = None,
    reached_loss: float | None = None,
    val_samples: int | None = None,
) -> TrialDiagnosis:
    """Diagnose seeds read from curve files with the context they carry (see :func:`diagnose`).

    Seeds are numbered in reading order. Arguments given take precedence over ``context``.

    Raises:
        InputError: A bad setting in ``config`` or in the curves' context.
    """
    if not isinstance(config, DiagnosisConfig):
        config = DiagnosisConfig.from_mapping({**context.settings, **dict(config or {})})
    if val_samples is not None and (isinstance(val_samples, bool) or val_samples < 1):
        raise InputError(f"`val_samples` must be an integer >= 1, but got {val_samples!r}.")
    numbered = [
        dataclasses.replace(c, seed=i, val_samples=val_samples or c.val_samples)
        for i, c in enumerate(curves)
    ]
    return diagnose_seeds(
        numbered,
        config=config,
        baseline_loss=context.baseline_loss if baseline_loss is None else baseline_loss,
        reached_loss=context.reached_loss if reached_loss is None else reached_loss,
    )


def _merged(contexts: Sequence[CurveContext]) -> CurveContext:
    """One context for seeds read from several sources: the first value each field has."""
    from study.curvefiles import CurveContext  # pandas: only when curves are read

    return CurveContext(
        baseline_loss=next((c.baseline_loss for c in contexts if c.baseline_loss), None),
        reached_loss=next((c.reached_loss for c in contexts if c.reached_loss), None),
        settings=next((c.settings for c in contexts if c.settings), {}),
    )


def _trial_of(item: Any) -> tuple[list[SeedCurves], CurveContext]:
    """The seeds one source item holds, and the verdict inputs it carries."""
    from study.curvefiles import CurveContext, read_trial_curves, trial_from_columns

    if isinstance(item, SeedCurves):
        return [item], CurveContext()
    if isinstance(item, (str, os.PathLike)):
        return read_trial_curves(Path(item))
    history = getattr(item, "history", None)
    if isinstance(history, Mapping):  # A keras.callbacks.History.
        item = history
    if isinstance(item, Mapping):
        columns = {
            str(k): list(np.asarray(v))
            for k, v in item.items()
            if not isinstance(v, (str, bytes)) and np.ndim(v) == 1
        }
        return trial_from_columns(columns, "history")
    if hasattr(item, "columns") and hasattr(item, "to_dict"):  # A pandas DataFrame.
        return trial_from_columns({str(c): item[c].to_numpy() for c in item.columns}, "frame")
    raise InputError(
        f"cannot read curves from a {type(item).__name__}; pass a Keras History, a dict of "
        "per-epoch lists, a DataFrame or a curve file path."
    )


def load_record(name: str, storage: str | None = None) -> StudyRecord:
    """Return stored study ``name`` as the typed record the report is built from.

    Complete trials carry their verdict judged against the whole study
    (:func:`study.verdicts.judged_against_study`).

    Args:
        name: The study's name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.

    Raises:
        InputError: No storage at the URL, or no study of that name in it.
    """
    import optuna

    from study.storage import mask_url, open_storage, resolve_url, study_record
    from study.verdicts import judged_against_study

    url = resolve_url(storage)
    opened = open_storage(url, must_exist=True)
    try:
        loaded = optuna.load_study(study_name=name, storage=opened)
    except KeyError:
        names = sorted(s.study_name for s in optuna.get_all_study_summaries(opened))
        raise InputError(
            f"no study named {name!r} in {mask_url(url)}; studies there: "
            f"{', '.join(names) or 'none'}."
        ) from None
    return judged_against_study(study_record(loaded, mask_url(url)))


def load(name: str, storage: str | None = None) -> StudyFrames:
    """Return stored study ``name``'s trials and learning curves as DataFrames.

    Args:
        name: The study's name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.

    Raises:
        InputError: No storage at the URL, or no study of that name in it.
    """
    return frames_of(load_record(name, storage))


def frames_of(record: StudyRecord) -> StudyFrames:
    """Lay a study record out as :class:`StudyFrames`.

    The curves carry each trial's verdict inputs (:data:`study.curvefiles.CONTEXT_COLUMNS`),
    so that :func:`diagnose` of one trial's rows gives the verdict of the ``trials`` frame.
    """
    import pandas as pd

    from study.verdicts import verdict_inputs

    inputs = verdict_inputs(record)
    trials = pd.DataFrame([_trial_row(t) for t in record.trials], columns=_columns(record))
    context = {t.number: _context_row(inputs.get(t.number)) for t in record.trials}
    rows = [
        (*row, c.val_samples, *context[t.number])
        for t in record.trials
        for c in t.seeds
        for row in _curve_rows(t.number, c)
    ]
    score = record.test_score
    trials.attrs["test_score"] = None if score is None else score.summary()
    curves = pd.DataFrame(
        rows,
        columns=[
            "trial",
            "seed",
            "epoch",
            "series",
            "value",
            "val_samples",
            "baseline_loss",
            "reached_loss",
            "diagnosis_settings",
        ],
    )
    return StudyFrames(trials=trials, curves=curves)


def _context_row(given: VerdictInputs | None) -> tuple[float | None, float | None, str]:
    """A trial's verdict inputs as the curves frame's context columns."""
    if given is None:
        return None, None, ""
    settings = given.settings()
    text = json.dumps(settings, sort_keys=True) if settings else ""
    return given.baseline_loss, given.reached_loss, text


_DIAGNOSIS_COLUMNS = ("category", "kind", "confidence", "agreement", "best_epoch", "advice")


def _columns(record: StudyRecord) -> list[str]:
    params = sorted({k for t in record.trials for k in t.params})
    return [
        "number",
        "state",
        "value",
        *_EVIDENCE_COLUMNS,
        *(f"params_{p}" for p in params),
        *_DIAGNOSIS_COLUMNS,
        "pruned_epoch",
        "epochs",
        "seed_epochs",
        "error",
        "duration_seconds",
    ]


_EVIDENCE_COLUMNS = ("value_se", "value_low", "value_high", "n_seeds")


def _trial_row(trial: TrialRecord) -> dict[str, Any]:
    diagnosis = trial.diagnosis.to_dict() if trial.diagnosis is not None else {}
    evidence = trial.evidence
    return {
        "number": trial.number,
        "state": trial.state,
        "value": trial.value,
        "value_se": None if evidence is None else evidence.std_error,
        "value_low": None if evidence is None else evidence.low,
        "value_high": None if evidence is None else evidence.high,
        "n_seeds": None if evidence is None else evidence.n,
        **{f"params_{k}": v for k, v in trial.params.items()},
        **{k: diagnosis.get(k) for k in _DIAGNOSIS_COLUMNS},
        "pruned_epoch": None if trial.pruned is None else trial.pruned.epoch,
        "epochs": trial.epochs_trained,
        "seed_epochs": trial.seed_epochs,
        "error": trial.error,
        "duration_seconds": trial.duration_seconds,
    }


def _curve_rows(number: int, curves: SeedCurves) -> list[tuple[int, int, int, str, float]]:
    rows = []
    for name in SERIES:
        values = getattr(curves, name)
        if values is not None:
            rows += [(number, curves.seed, i + 1, name, float(v)) for i, v in enumerate(values)]
    return rows


def recommended(name: str, storage: str | None = None) -> Recommendation:
    """Return the configuration to use from stored study ``name``, and why.

    The complete trial with the best worse end of its seeds' interval (see
    :func:`study.evidence.recommend`): it is Optuna's ``best_trial`` unless that trial's
    seeds spread or diverged, and ``reason`` then says so in one line.

    Args:
        name: The study's name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.

    Raises:
        InputError: No storage at the URL, or no study of that name in it.
    """
    return load_record(name, storage).recommendation


def report(
    name: str,
    storage: str | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    trials: Sequence[int] = (),
    max_curves: int | None = None,
) -> Path:
    """Write stored study ``name``'s HTML report and return the path of its ``index.html``.

    Args:
        name: The study's name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.
        out: The folder to write to; ``None`` for ``reports/<NAME>/``.
        trials: Trials whose learning curves the page also shows on their own.
        max_curves: Trials in the learning-curve overview (``None``: the report's default).

    Raises:
        InputError: No such storage or study.
        ValueError: ``trials`` names a trial the study lacks, or ``max_curves < 0``.
    """
    from study.report import MAX_CURVES, build_report, safe_dirname

    record = load_record(name, storage)
    folder = Path(out) if out is not None else Path("reports") / safe_dirname(name)
    limit = MAX_CURVES if max_curves is None else max_curves
    return Path(build_report(record, folder, max_curves=limit, trials=trials))


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
) -> keras.Model:
    """Return a trained model out of stored study ``name``: a kept trial's seed.

    A run keeps the final weights of its best few trials (three by default) in an Optuna
    artifact folder beside the study: the weights when training ended, also for a trial
    that was pruned or overfit (not those of its best validation epoch). The model is the
    trial's own (the ``lstm`` or ``mlp`` network of :func:`study.models.build_keras_model`,
    or the builder's), compiled, with the seed's weights loaded: ``model.predict(windows)``
    works on windows laid out and scaled as the task's training windows are
    (``study.runner.load_model`` also returns the task's data, scaled, beside the model).

    Args:
        name: The study's name.
        trial: The trial's number; ``None`` for the best trial that kept its weights.
        seed: The seed; ``None`` for the trial's seed of lowest final validation loss.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.
        artifacts: The folder of kept weights; ``None`` for ``$STUDY_ARTIFACTS`` or
            ``<file>.artifacts`` beside an SQLite or journal file.
        trust_stored_model: Import the builder module a study of its own model names.

    Raises:
        InputError: No such storage, study, trial or seed; no artifact folder; a trial that
            kept no weights.
    """
    from study.runner import load_model as load_kept

    model, _ = load_kept(
        name,
        trial,
        seed,
        storage,
        artifacts=artifacts,
        trust_stored_model=trust_stored_model,
    )
    return model
