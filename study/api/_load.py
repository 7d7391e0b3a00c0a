"""A stored study as DataFrames, its recommended trial and its report."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from study.api._read import load_record
from study.api._trials import trials_table
from study.curves import SERIES, SeedCurves

if TYPE_CHECKING:
    import pandas as pd

    from study.evidence import Recommendation
    from study.storage import StudyRecord
    from study.verdicts import VerdictInputs


__all__ = ["StudyFrames", "frames_of", "load", "recommended", "report"]


class StudyFrames(NamedTuple):
    """A stored study as two DataFrames (unpack as ``trials, curves = study.load(name)``).

    Attributes:
        trials: The trials table (:func:`study.api.trials_table`, whose rows ``show --json``
            and ``export`` give too), one row per trial: ``number``, ``state``, ``value``
            (the mean over the seeds), what the seeds say of it (``value_se``, its standard
            error, and ``value_low``/``value_high``, its t interval at 90 %, NaN with fewer
            than two finite seeds; ``n_seeds``, the seeds with a finite value), one
            ``params_<name>`` column per parameter, the diagnosis (``category``, ``kind``,
            ``confidence``, ``agreement``, ``best_epoch``, ``advice``), ``pruned_epoch``,
            ``epochs`` (the epochs trained per seed: where the trial stopped, beside the
            planned ``params_epochs``), ``seed_epochs`` (summed over seeds: the training
            cost), ``error`` and ``duration_seconds``. A number that is not finite is NaN.
        curves: The learning curves in long form, one row per value: ``trial``, ``seed``,
            ``epoch`` (1-based), ``series`` (``train_loss``, ``val_loss``, ``fit_loss``,
            ``train_metric``, ``val_metric``, ``val_loss_trimmed``) and ``value``, with the
            trial's verdict inputs beside them: ``val_samples`` (the seed's validation size),
            ``baseline_loss``, ``reached_loss`` (the lowest validation loss the study's other
            trials reached) and ``diagnosis_settings`` (a JSON object of the diagnosis
            settings that differ from the defaults; empty for none).

    ``trials.attrs["test_score"]`` holds the recommended trial's score on the test split, as
    :meth:`study.storage.FinalScore.summary` gives it (test and validation losses per seed,
    their means, and how optimistic validation was), or ``None`` when the study has none.
    """

    trials: pd.DataFrame
    curves: pd.DataFrame


def load(name: str, storage: str | None = None) -> StudyFrames:
    """Return stored study ``name``'s trials and learning curves as DataFrames.

    Args:
        name: The study's name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.

    Raises:
        InputError: No storage at the URL, no study of that name in it, or a study that
            ``python -m study`` cannot read (see :func:`study.api.load_record`).
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
    trials = trials_table(record)
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


def _curve_rows(number: int, curves: SeedCurves) -> list[tuple[int, int, int, str, float]]:
    rows = []
    for name in SERIES:
        values = getattr(curves, name)
        if values is not None:
            rows += [(number, curves.seed, i + 1, name, float(v)) for i, v in enumerate(values)]
    return rows


def recommended(name: str, storage: str | None = None) -> Recommendation:
    """Return the configuration to use from stored study ``name``, and why.

    The complete trial with the best mean allowing for its seeds' spread (see
    :func:`study.evidence.recommend`): it is Optuna's ``best_trial`` unless another trial's
    mean is as good within noise with seeds that agree more, or the best one's seeds diverged,
    and ``reason`` then says so in one line.

    Args:
        name: The study's name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.

    Raises:
        InputError: No storage at the URL, no study of that name in it, or a study that
            ``python -m study`` cannot read (see :func:`study.api.load_record`).
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
    from study.reporting import MAX_CURVES, build_report, safe_dirname

    record = load_record(name, storage)
    folder = Path(out) if out is not None else Path("reports") / safe_dirname(name)
    limit = MAX_CURVES if max_curves is None else max_curves
    return Path(build_report(record, folder, max_curves=limit, trials=trials))
