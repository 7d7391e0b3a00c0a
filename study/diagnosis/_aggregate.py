"""Diagnose a trial from all its seeds: the seeds vote, the mean curve explains.

Each seed with at least one epoch is diagnosed (seeds that failed before their first epoch are
skipped). The verdict's category is the seeds' majority vote; a tie goes to the diagnosis of
the mean curve over seeds (see :func:`mean_curve`), else to the tied category with the most
total confidence. The kind is the vote among the seeds in that category. The evidence and
advice come from the mean curve when its diagnosis matches the verdict, else from the most
confident seed that does (its advice then names the seed, whose curve it quotes). The
verdict's confidence is the agreement times the agreeing seeds' mean confidence. A verdict
the seeds cannot settle (they disagree, straddle the minimum, the explaining curve is itself
uncertain, or the confidence is low; see :class:`~study.diagnosis.DiagnosisConfig`) is marked
``uncertain``, and its advice says why.

One exception to the vote: seeds that straddle the validation minimum (some still improving,
some past their minimum, no category holding a majority) show a trial trained for about the
right number of epochs, so the verdict is a good fit at the boundary, not the plurality.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from study.curves import SERIES, SeedCurves
from study.diagnosis._config import DiagnosisConfig
from study.diagnosis._records import CATEGORIES, Category, Diagnosis, Kind, TrialDiagnosis
from study.diagnosis._rules import diagnose_curve

__all__ = ["diagnose_seeds", "lowest_val_loss", "mean_curve"]

_LOSSES = ("train_loss", "val_loss", "val_loss_trimmed", "fit_loss")
_STRADDLING = "seeds straddling the minimum"


def diagnose_seeds(
    curves: Sequence[SeedCurves],
    *,
    config: DiagnosisConfig | None = None,
    baseline_loss: float | None = None,
    reached_loss: float | None = None,
) -> TrialDiagnosis:
    """Diagnose a trial from the curves of its seeds (see the module docstring for the vote).

    Args:
        curves: One entry per seed.
        config: Thresholds; the defaults when ``None``.
        baseline_loss: Validation loss of the trivial predictor, if known.
        reached_loss: The lowest validation loss other trials of the same task reached, if
            known (see :func:`diagnose_curve`).

    Raises:
        ValueError: No seed has an epoch to diagnose.
    """
    usable = [c for c in curves if c.epochs_trained > 0]
    if not usable:
        stops = ", ".join(sorted({c.stop for c in curves})) or "no seeds"
        raise ValueError(
            f"None of the {len(curves)} seeds trained an epoch to diagnose (stop: {stops})."
        )
    config = DiagnosisConfig() if config is None else config
    diagnose = functools.partial(
        diagnose_curve, config=config, baseline_loss=baseline_loss, reached_loss=reached_loss
    )
    seeds = tuple(diagnose(c) for c in usable)
    mean = mean_curve(usable)
    mean_dx = None if mean is None else diagnose(mean)
    ids = tuple(c.seed for c in usable)
    if _straddles(seeds):
        return _hedged(_boundary(seeds, ids, mean_dx), config)
    category = _vote_category(seeds, None if mean_dx is None else mean_dx.category)
    members = [d for d in seeds if d.category == category]
    kind = _vote_kind(members, mean_dx)
    verdict = _verdict(category, kind, members, mean_dx, seeds, usable, mean)
    trial = TrialDiagnosis(
        verdict=verdict,
        seeds=seeds,
        seed_ids=ids,
        agreement=len(members) / len(seeds),
        disagreeing=tuple(s for s, d in zip(ids, seeds, strict=True) if d.category != category),
    )
    return _hedged(trial, config)


def _hedged(trial: TrialDiagnosis, config: DiagnosisConfig) -> TrialDiagnosis:
    """The trial with its verdict marked uncertain, and the advice saying why, when it is."""
    verdict = trial.verdict
    reason = _uncertainty(trial, config)
    if reason is None:
        return trial
    advice = f"{verdict.advice} (uncertain: {reason})"
    verdict = dataclasses.replace(verdict, uncertain=reason, advice=advice)
    return dataclasses.replace(trial, verdict=verdict)


def _uncertainty(trial: TrialDiagnosis, config: DiagnosisConfig) -> str | None:
    """Why the seeds cannot settle the verdict, or ``None``: the first reason that holds."""
    verdict = trial.verdict
    if verdict.evidence.details.get("evidence_from") == _STRADDLING:
        return "the seeds straddle the validation minimum"
    if len(trial.seeds) > 1 and trial.agreement < config.uncertain_agreement:
        return f"the seeds disagree, {trial.agreement_text()}"
    if verdict.uncertain is not None:
        return verdict.uncertain
    if verdict.confidence < config.uncertain_confidence:
        return f"confidence {verdict.confidence:g} is below {config.uncertain_confidence:g}"
    return None


def mean_curve(curves: Sequence[SeedCurves]) -> SeedCurves | None:
    """The geometric-mean curve over the seeds whose losses stayed finite.

    Losses are averaged in log space (a geometric mean), like the diagnosis reads them, so that
    one seed at a higher level does not dominate; metrics are averaged plainly. Seeds that ran
    less than half as long as the longest finite seed are left out, and the others are cut to
    their common length, so that the mean never jumps where a seed stopped. A series enters
    the mean only when every included seed has it.

    Returns:
        The mean curve (seed ``-1``), or ``None`` when no seed stayed finite.
    """
    finite = [c for c in curves if c.stop != "diverged" and c.epochs_trained and _finite(c)]
    if not finite:
        return None
    longest = max(c.epochs_trained for c in finite)
    kept = [c for c in finite if 2 * c.epochs_trained >= longest]
    length = min(c.epochs_trained for c in kept)
    series: dict[str, np.ndarray | None] = {}
    for name in SERIES:
        values = [getattr(c, name) for c in kept]
        if any(v is None for v in values):
            series[name] = None
            continue
        block = np.vstack([v[:length] for v in values])
        if name in _LOSSES:
            series[name] = np.exp(np.mean(np.log(np.maximum(block, 1e-300)), axis=0))
        else:
            series[name] = np.mean(block, axis=0)
    return SeedCurves(
        seed=-1,
        train_loss=series["train_loss"],  # type: ignore[arg-type]
        val_loss=series["val_loss"],  # type: ignore[arg-type]
        fit_loss=series["fit_loss"],
        train_metric=series["train_metric"],
        val_metric=series["val_metric"],
        epochs_planned=max(c.epochs_planned for c in kept),
        val_samples=_common_val_samples(kept),
        val_loss_trimmed=series["val_loss_trimmed"],
    )


def lowest_val_loss(curves: Sequence[SeedCurves]) -> float:
    """The minimum of the seeds' mean validation curve: what a trial reached.

    It is the ``reached_loss`` other trials of the study are judged against. ``nan`` when the
    trial has no finite, positive validation loss.
    """
    mean = mean_curve(curves)
    if mean is None:
        return math.nan
    finite = mean.val_loss[np.isfinite(mean.val_loss)]
    return float(finite.min()) if len(finite) and finite.min() > 0 else math.nan


def _common_val_samples(curves: Sequence[SeedCurves]) -> int | None:
    """The validation size every seed shares (the smallest when they differ), or ``None``."""
    sizes = [c.val_samples for c in curves]
    return None if any(s is None for s in sizes) else min(s for s in sizes if s is not None)


def _finite(curves: SeedCurves) -> bool:
    return all(
        bool(np.all(np.isfinite(getattr(curves, name))))
        for name in _LOSSES
        if getattr(curves, name) is not None
    )


def _straddles(seeds: Sequence[Diagnosis]) -> bool:
    """Some seeds before the minimum, some past it, and no category with a majority."""
    kinds = Counter(d.kind or d.category for d in seeds)
    before = kinds["still_improving"]
    after = kinds["turning_point"] + kinds["memorising"]
    top = max(Counter(d.category for d in seeds).values())
    return before > 0 and after > 0 and 2 * top <= len(seeds)


def _boundary(
    seeds: Sequence[Diagnosis], ids: tuple[int, ...], mean_dx: Diagnosis | None
) -> TrialDiagnosis:
    """A good fit at the boundary: the seeds bracket the validation minimum."""
    kinds = Counter(d.kind or d.category for d in seeds)
    before, good = kinds["still_improving"], kinds["good_fit"]
    after = len(seeds) - before - good
    source = mean_dx if mean_dx is not None else max(seeds, key=lambda d: d.confidence)
    ev = source.evidence
    advice = (
        f"keep about {ev.epochs} epochs: the seeds straddle the validation minimum "
        f"({before} still improving, {after} past it, {good} at it); validation "
        f"{_g(ev.final_val_loss)} at the end vs {_g(ev.best_val_loss)} at best"
    )
    straddling = before + after + good
    verdict = Diagnosis(
        category="good_fit",
        kind=None,
        # a boundary is uncertain by nature: never more than an even chance
        confidence=round(0.5 * straddling / len(seeds), 3),
        evidence=dataclasses.replace(ev, details={**ev.details, "evidence_from": _STRADDLING}),
        advice=advice,
    )
    return TrialDiagnosis(
        verdict=verdict,
        seeds=tuple(seeds),
        seed_ids=ids,
        agreement=good / len(seeds),
        disagreeing=tuple(s for s, d in zip(ids, seeds, strict=True) if d.category != "good_fit"),
    )


def _g(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _vote_category(seeds: Sequence[Diagnosis], tie_break: Category | None) -> Category:
    counts = Counter(d.category for d in seeds)
    top = max(counts.values())
    tied = [c for c in CATEGORIES if counts.get(c) == top]
    if len(tied) == 1:
        return tied[0]
    if tie_break in tied:
        return tie_break
    weight = {c: sum(d.confidence for d in seeds if d.category == c) for c in tied}
    return max(tied, key=lambda c: weight[c])


def _vote_kind(members: Sequence[Diagnosis], mean_dx: Diagnosis | None) -> Kind | None:
    counts = Counter(d.kind for d in members)
    top = max(counts.values())
    tied = [k for k, n in counts.items() if n == top]
    if mean_dx is not None and mean_dx.kind in tied:
        return mean_dx.kind
    return tied[0]


def _verdict(
    category: Category,
    kind: Kind | None,
    members: Sequence[Diagnosis],
    mean_dx: Diagnosis | None,
    seeds: Sequence[Diagnosis],
    usable: Sequence[SeedCurves],
    mean: SeedCurves | None,
) -> Diagnosis:
    """The verdict, explained by the mean curve when it agrees, else by a seed."""
    agrees = mean_dx is not None and (mean_dx.category, mean_dx.kind) == (category, kind)
    if agrees and mean_dx is not None and mean is not None:
        source, origin = mean_dx, f"mean of seeds over {mean.epochs_trained} epochs"
    else:
        pairs = [(d, c) for d, c in zip(seeds, usable, strict=True) if d.kind == kind]
        pairs = [(d, c) for d, c in pairs if d.category == category]
        source, curve = max(pairs, key=lambda p: p[0].confidence)
        origin = f"seed {curve.seed}"
        # its epochs and values are that seed's, not the mean curve's a report plots
        source = dataclasses.replace(source, advice=f"seed {curve.seed}: {source.advice}")
    agreement = len(members) / len(seeds)
    confidence = agreement * float(np.mean([d.confidence for d in members]))
    details = {**source.evidence.details, "evidence_from": origin}
    return Diagnosis(
        category=category,
        kind=kind,
        confidence=round(confidence, 3),
        evidence=dataclasses.replace(source.evidence, details=details),
        advice=source.advice,
        uncertain=source.uncertain,
    )
