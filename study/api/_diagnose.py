"""Diagnose learning curves from anywhere: a Keras History, a DataFrame, files, records."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from study.curves import SeedCurves
from study.diagnosis import DiagnosisConfig, TrialDiagnosis, diagnose_seeds
from study.errors import InputError

if TYPE_CHECKING:
    from study.curvefiles import CurveContext

__all__ = ["CurveSource", "FitDiagnosis", "diagnose", "diagnose_with_context"]


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
