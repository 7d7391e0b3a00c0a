"""Prepared data behind the summary, the fit map, the objective plots and the trial table."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from study.followup import describe, is_numeric, study_distributions
from study.reporting._palette import CATEGORY_ORDER, NO_CATEGORY
from study.storage import StudyRecord, TrialRecord

TRIAL_COLUMNS = (
    "number",
    "state",
    "category",
    "agreement",
    "value",
    "value_half",
    "pruned_epoch",
    "seed_epochs",
    "seconds",
    "advice",
    "error",
)
"""Columns of :func:`trials_frame` before the parameter columns."""


@dataclasses.dataclass(frozen=True)
class ParamInfo:
    """How a searched parameter is plotted.

    Attributes:
        name: The parameter's name.
        numeric: Whether the parameter ranges over numbers (else over choices).
        log: Whether the range is searched on a log scale (plot it with a log axis).
        description: The range in words, e.g. ``"1..64 log"``.
        domain: The number of values the range allows (``None``: continuous, or choices).
    """

    name: str
    numeric: bool
    log: bool
    description: str
    domain: int | None = None


@dataclasses.dataclass(frozen=True)
class Summary:
    """The numbers at the top of the page.

    Attributes:
        n_trials: Number of trials in any state.
        by_state: Trials per Optuna state.
        by_category: Diagnosed trials per fit category, in :data:`CATEGORY_ORDER`.
        best: The best finished trial by the objective, or ``None``.
        seed_epochs: Epochs trained, summed over seeds and trials.
        wall_seconds: Wall time of the finished trials, summed.
        saved_seed_epochs: Seed-epochs that pruned trials had planned but did not train.
        saved_share: ``saved_seed_epochs`` as a fraction of what the study would have trained
            without pruning (``seed_epochs + saved_seed_epochs``), in [0, 1].
    """

    n_trials: int
    by_state: dict[str, int]
    by_category: dict[str, int]
    best: TrialRecord | None
    seed_epochs: int
    wall_seconds: float
    saved_seed_epochs: int
    saved_share: float


def category_of(trial: TrialRecord) -> str:
    """The trial's fit category, or :data:`NO_CATEGORY`."""
    return trial.category or NO_CATEGORY


def agreement_of(trial: TrialRecord) -> str:
    """The share of seeds that agree with the verdict, e.g. ``"4/5"`` (empty if undiagnosed)."""
    if trial.diagnosis is None:
        return ""
    d = trial.diagnosis
    return f"{len(d.seeds) - len(d.disagreeing)}/{len(d.seeds)}"


def trials_frame(record: StudyRecord) -> pd.DataFrame:
    """One row per trial, with :data:`TRIAL_COLUMNS` then one column per searched parameter.

    ``value`` is NaN when the trial has no finite objective, ``value_half`` the half-width of
    its seeds' interval (NaN without one); ``pruned_epoch`` is NaN unless the trial was pruned;
    ``seconds`` is NaN while the trial has not finished.
    """
    rows = [_trial_row(t, list(record.searched)) for t in record.trials]
    return pd.DataFrame(rows, columns=[*TRIAL_COLUMNS, *record.searched])


def _trial_row(trial: TrialRecord, params: list[str]) -> dict[str, object]:
    value = trial.value if trial.value is not None and math.isfinite(trial.value) else math.nan
    duration = trial.duration_seconds
    return {
        "number": trial.number,
        "state": trial.state,
        "category": category_of(trial),
        "agreement": agreement_of(trial),
        "value": value,
        "value_half": trial.evidence.half_width if trial.evidence else math.nan,
        "pruned_epoch": trial.pruned.epoch if trial.pruned else math.nan,
        "seed_epochs": trial.seed_epochs,
        "seconds": math.nan if duration is None else duration,
        "advice": trial.diagnosis.verdict.advice if trial.diagnosis else "",
        "error": trial.error or "",
        **{name: trial.params.get(name) for name in params},
    }


def param_infos(record: StudyRecord, frame: pd.DataFrame) -> list[ParamInfo]:
    """Describe each searched parameter that has at least one value among the trials.

    The ranges are the Optuna distributions stored with the trials, never display text.
    """
    infos = []
    for name, dist in study_distributions(record).items():
        values = frame[name].dropna() if name in frame else pd.Series([])
        if values.empty:
            continue
        numeric = is_numeric(dist) and all(_is_number(v) for v in values)
        log = numeric and bool(getattr(dist, "log", False))
        infos.append(ParamInfo(name, numeric, log, describe(dist), _domain(dist)))
    return infos


def _domain(dist: BaseDistribution) -> int | None:
    """The number of values an integer or stepped range allows; ``None`` for other ranges."""
    if not isinstance(dist, IntDistribution | FloatDistribution) or dist.step is None:
        return None
    return round((dist.high - dist.low) / dist.step) + 1


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )


def best_trial(record: StudyRecord) -> TrialRecord | None:
    """The completed trial with the best finite objective, or ``None``."""
    done = [
        t
        for t in record.trials
        if t.state == "COMPLETE" and t.value is not None and math.isfinite(t.value)
    ]
    if not done:
        return None
    sign = -1.0 if record.direction == "maximize" else 1.0
    return min(done, key=lambda t: (sign * float(t.value or 0.0), t.number))


def pruning_savings(trials: tuple[TrialRecord, ...]) -> int:
    """Seed-epochs that pruned trials had planned but did not train."""
    saved = 0
    for t in trials:
        if t.pruned is None and t.state != "PRUNED":
            continue
        fallback = t.pruned.epochs_planned if t.pruned else 0
        for s in t.seeds:
            saved += max((s.epochs_planned or fallback) - s.epochs_trained, 0)
    return saved


def summarize(record: StudyRecord) -> Summary:
    """Compute the :class:`Summary` of ``record``."""
    trained = sum(t.seed_epochs for t in record.trials)
    saved = pruning_savings(record.trials)
    counts: dict[str, int] = {}
    for t in record.trials:
        if t.category is not None:
            counts[t.category] = counts.get(t.category, 0) + 1
    return Summary(
        n_trials=len(record.trials),
        by_state=record.by_state(),
        by_category={c: counts[c] for c in CATEGORY_ORDER if c in counts},
        best=best_trial(record),
        seed_epochs=trained,
        wall_seconds=sum(t.duration_seconds or 0.0 for t in record.trials),
        saved_seed_epochs=saved,
        saved_share=saved / (trained + saved) if trained + saved else 0.0,
    )


def history_frame(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Completed and pruned trials with a finite objective, by number, with the best so far.

    A pruned trial's value is the objective where it stopped; like Optuna, the best so far
    counts completed trials only (NaN before the first one).

    Columns: ``number``, ``value``, ``category``, ``pruned`` (bool) and ``best``.
    """
    shown = frame[frame["state"].isin(["COMPLETE", "PRUNED"]) & frame["value"].notna()]
    shown = shown.sort_values("number").reset_index(drop=True)
    pruned = shown["state"] == "PRUNED"
    done = shown["value"].where(~pruned)
    best = (done.cummax() if direction == "maximize" else done.cummin()).ffill()
    return shown[["number", "value", "category"]].assign(pruned=pruned, best=best)


def sample_rows(frame: pd.DataFrame, limit: int, *, seed: int = 0) -> pd.DataFrame:
    """At most ``limit`` rows of ``frame``, drawn at random but reproducibly, in row order."""
    if len(frame) <= limit:
        return frame
    return frame.sample(n=limit, random_state=seed).sort_index()
