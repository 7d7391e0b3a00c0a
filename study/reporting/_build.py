"""Assemble the report: prepare each section's data, draw its figures, render the page."""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from study.atomic import write_text_atomic
from study.evidence import Recommendation, value_text
from study.followup import describe, study_distributions
from study.reporting._advice import advise
from study.reporting._best import best_by_category, pruned_beat_best
from study.reporting._curves_data import curve_panel, log_scale, representative_trials
from study.reporting._curves_fig import curves_figure, trial_figure
from study.reporting._data import (
    ParamInfo,
    agreement_of,
    best_trial,
    history_frame,
    param_infos,
    sample_rows,
    summarize,
    trials_frame,
)
from study.reporting._figures import importance_figure
from study.reporting._fitmap import fit_map_frame, pair_cells, param_pairs, strip_frame
from study.reporting._fitmap_fig import fit_map_figure, pairs_figure
from study.reporting._images import Image, image, report_style
from study.reporting._importance import param_importance, top_params
from study.reporting._limits import MAX_CURVES
from study.reporting._objective_fig import history_figure, objective_figure
from study.reporting._page import render_page
from study.reporting._palette import CATEGORY_COLORS
from study.reporting._rules import Rule, learn_rules
from study.reporting._table import fmt, trial_table
from study.storage import StudyRecord, TrialRecord
from study.wording import plural

MAX_SCATTER = 1500
"""At most this many trials are drawn per objective plot."""


@dataclasses.dataclass(frozen=True)
class Section:
    """A section's figures, and notes saying why a figure is missing."""

    images: list[Image] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    rules: list[Rule] = dataclasses.field(default_factory=list)
    caption: str = ""


def build_report(
    record: StudyRecord,
    out_dir: Path,
    *,
    max_curves: int = MAX_CURVES,
    trials: Sequence[int] = (),
    partial: bool = False,
) -> Path:
    """Write the report of ``record`` as one self-contained ``index.html`` in ``out_dir``.

    The page is written to a temporary file in ``out_dir`` and renamed into place, so a
    reader (or a browser reloading it) sees the previous page or the new one, never a
    truncated one; a run can thus rewrite the report while it goes on.

    Args:
        record: The stored study.
        out_dir: The folder to write to (created if needed).
        max_curves: Trials whose learning curves the page shows (the best and typical ones).
        trials: Numbers of further trials whose learning curves the page shows each on its own.
        partial: Whether the study is still running: the page then opens with a line saying it
            is partial and when (UTC) it was written.

    Returns:
        The path of ``index.html``.

    Raises:
        ValueError: ``max_curves`` is negative or ``trials`` names a trial the study lacks.
        InputError: The page could not be written (the previous page, if any, is left
            intact).
    """
    html = render_report(record, max_curves=max_curves, trials=trials, partial=partial)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    write_text_atomic(path, html)
    return path


def render_report(
    record: StudyRecord,
    *,
    max_curves: int = MAX_CURVES,
    trials: Sequence[int] = (),
    partial: bool = False,
    written_at: datetime.datetime | None = None,
) -> str:
    """The report page of ``record`` as HTML text (see :func:`build_report`).

    Args:
        record: The stored study.
        max_curves: As in :func:`build_report`.
        trials: As in :func:`build_report`.
        partial: As in :func:`build_report`.
        written_at: The time a partial page states (``None``: now, in UTC).
    """
    if max_curves < 0:
        raise ValueError(f"`max_curves` must be >= 0, but got max_curves={max_curves}.")
    known = {t.number for t in record.trials}
    missing = [n for n in trials if n not in known]
    if missing:
        raise ValueError(
            f"`trials` must be numbers of trials in study {record.name!r}, but got {missing}."
        )
    with report_style():
        context = _context(record, max_curves, trials)
    context["partial"] = _partial_line(record, written_at) if partial else ""
    return render_page(context)


def _partial_line(record: StudyRecord, written_at: datetime.datetime | None) -> str:
    when = (written_at or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    finished = sum(t.state in ("COMPLETE", "PRUNED", "FAIL") for t in record.trials)
    return (
        f"Partial report: the study is still running; written {when:%Y-%m-%d %H:%M:%S} UTC "
        f"after {plural(finished, 'finished trial')}."
    )


def _context(record: StudyRecord, max_curves: int, trials: Sequence[int]) -> dict[str, Any]:
    frame = trials_frame(record)
    params = param_infos(record, frame)
    importance = param_importance(frame, params)
    rules = learn_rules(frame, params)
    summary = summarize(record)
    return {
        "record": record,
        "summary": summary,
        "wall_time": _duration(summary.wall_seconds),
        "best": _best(record),
        "best_of": [_best_row(t) for t in best_by_category(record)],
        "pruned_note": _pruned_note(record),
        "space": [(n, describe(d)) for n, d in study_distributions(record).items()],
        "colors": CATEGORY_COLORS,
        "fit_map": _fit_map(frame, top_params(importance, params, k=3), params),
        "drivers": _drivers(importance, rules),
        "curves": _curves(record, max_curves, trials),
        "objective": _objective(frame, params, record),
        "table": trial_table(frame, params, record.objective, _recommended(record)),
        "advice": advise(record, rules, frame),
    }


def _best(record: StudyRecord) -> dict[str, Any] | None:
    """The trial the summary shows: the recommended one, else the best by value."""
    recommendation = record.recommendation
    numbers = {t.number: t for t in record.trials}
    chosen = (
        numbers.get(recommendation.recommended) if recommendation.recommended is not None else None
    )
    best = chosen or best_trial(record)
    if best is None:
        return None
    evidence = best.evidence
    return {
        "title": "Recommended trial" if chosen else "Best trial",
        "number": best.number,
        "value": value_text(best.value, evidence.half_width if evidence else math.nan),
        "seeds": _seeds_note(best),
        "why": recommendation.reason if chosen else "",
        "differs": chosen is not None and recommendation.differs,
        "best_mean": recommendation.best_mean,
        "category": best.category,
        "agreement": best.diagnosis.agreement_text() if best.diagnosis else agreement_of(best),
        "advice": best.diagnosis.verdict.advice if best.diagnosis else "",
        "params": [(k, fmt(v)) for k, v in best.params.items()],
    }


def _recommended(record: StudyRecord) -> Recommendation | None:
    recommendation = record.recommendation
    return recommendation if recommendation.recommended is not None else None


def _seeds_note(trial: TrialRecord) -> str:
    """What the ``±`` is: ``mean of 3 seeds ± half its 90 % interval``."""
    evidence = trial.evidence
    if evidence is None or not evidence.has_interval:
        return ""
    return f"mean of {evidence.n} seeds ± half its {evidence.level:.0%} interval"


def _best_row(trial: TrialRecord) -> dict[str, Any]:
    return {
        "category": trial.category,
        "number": trial.number,
        "state": trial.state.lower(),
        "value": value_text(
            trial.value, trial.evidence.half_width if trial.evidence else math.nan
        ),
        "agreement": agreement_of(trial),
        "stop": f"epoch {trial.pruned.epoch} of {trial.pruned.epochs_planned}"
        if trial.pruned
        else "",
    }


def _pruned_note(record: StudyRecord) -> str:
    """One line when pruned trials beat the best complete trial, with the early-stop choice."""
    found = pruned_beat_best(record, best_trial(record))
    if found is None:
        return ""
    shown = ", ".join(
        f"#{t.number} {fmt(t.value)} at epoch {t.pruned.epoch if t.pruned else '?'}"
        for t in found.pruned[:3]
    )
    best = found.best_complete
    n = len(found.pruned)
    text = (
        f"{plural(n, 'pruned trial')} beat{'s' if n == 1 else ''} the best "
        f"complete trial #{best.number} ({fmt(best.value)}) on {record.objective} at the stop "
        f"({shown}). Optuna never ranks a pruned trial best, as it did not finish its planned "
        "epochs; yet such a configuration, trained for fewer epochs, is the better model."
    )
    early = found.early
    if early is not None:
        text += (
            f" The best early-stopped alternative: #{early.number} stopped at epoch "
            f"{early.epoch} of {early.planned} gives {fmt(early.value)} (mean over its seeds "
            f"there); rerun it with epochs = {early.epoch}."
        )
    return text


def _fit_map(frame: pd.DataFrame, top: list[ParamInfo], params: list[ParamInfo]) -> Section:
    fit_map = fit_map_frame(frame, params)
    if fit_map.empty or not params:
        why = "no trial has a diagnosis yet" if params else "the study searches no parameter"
        return Section(notes=[f"No fit map: {why}."])
    images = [image(fit_map_figure(strip_frame(fit_map), params), "Parameter values by fit")]
    pairs = param_pairs(top)
    if pairs and len(fit_map) >= 10:
        cells = [(pair_cells(fit_map, x, y), x, y) for x, y in pairs]
        images.append(
            image(
                pairs_figure(cells),
                "Dominant fit in binned pairs of the most "
                "important parameters (share of trials, number of trials)",
            )
        )
    return Section(images=images)


def _drivers(importance: pd.DataFrame, rules: list[Rule]) -> Section:
    notes = []
    images = []
    if importance.empty:
        notes.append("Too few trials to estimate which parameters matter.")
    else:
        images.append(image(importance_figure(importance), "Parameter importance"))
    if not rules:
        notes.append("No rule from parameters to fit category holds in enough trials.")
    return Section(images=images, notes=notes, rules=rules)


def _curves(record: StudyRecord, max_curves: int, trials: Sequence[int]) -> Section:
    chosen = representative_trials(record, max_curves)
    panels = [p for t, role in chosen if (p := curve_panel(t, role=role)) is not None]
    by_number = {t.number: t for t in record.trials}
    requested = {n: curve_panel(by_number[n], role="requested") for n in trials}
    drawn = panels + [p for p in requested.values() if p is not None]
    log_y = log_scale(drawn)
    images = (
        [image(curves_figure(panels, log_y=log_y), "Best and typical trials")] if panels else []
    )
    notes = [] if panels else ["No trial has trained an epoch yet."]
    for number, panel in requested.items():
        if panel is None:
            notes.append(f"Trial #{number} has no learning curves.")
        else:
            images.append(image(trial_figure(panel, log_y=log_y), f"Trial #{number}"))
    scale = (
        "log scale on every panel, so shapes compare at any loss level"
        if log_y
        else "linear scale on every panel (some loss is zero or negative)"
    )
    return Section(images=images, notes=notes, caption=f"Loss axis: {scale}." if drawn else "")


def _objective(frame: pd.DataFrame, params: list[ParamInfo], record: StudyRecord) -> Section:
    history = history_frame(frame, record.direction)
    if history.empty:
        return Section(notes=[f"No trial has completed with a finite {record.objective} yet."])
    facts = {"pruned": int(history["pruned"].sum()), "points": len(history)}
    images = []
    if params:
        shown = frame.merge(history[["number", "pruned"]], on="number")
        done = sample_rows(shown, MAX_SCATTER)
        images.append(
            image(
                objective_figure(done, params, record.objective),
                f"{record.objective} against each parameter (completed trials; pruned trials "
                "as crosses at their value where they stopped)",
                facts={"pruned": int(done["pruned"].sum()), "points": len(done)},
            )
        )
    images.append(
        image(history_figure(history, record.objective), "Optimisation history", facts=facts)
    )
    return Section(images=images)


def _duration(seconds: float) -> str:
    return str(datetime.timedelta(seconds=round(seconds)))
