"""What to try next, derived from the fit map and the rules shown on the same page.

The parameter advice comes from :func:`study.followup.find_directions` (which directions of a
parameter moved trials from overfit or underfit to good fit, with their support). Before a
suggestion to raise or lower a parameter is shown it is checked against the page's rules: a
suggestion that a rule contradicts (raising ``units`` to leave overfit while a rule says
``units ≥ 64 → overfit``) is replaced by a note that the trials disagree, so the page never
advises against its own rules. Where the trials are too few, the advice says so. The epochs
advice quotes what ``python -m study next`` writes (:func:`study.followup.follow_up`), so the
page and the follow-up space never point different ways.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable

import pandas as pd
from optuna.distributions import FloatDistribution, IntDistribution

from study.followup import (
    Findings,
    describe,
    find_directions,
    follow_up,
    study_distributions,
)
from study.reporting._consistency import first_rule
from study.reporting._data import best_trial, trials_frame
from study.reporting._rules import Rule
from study.storage import StudyRecord, TrialRecord
from study.wording import plural


@dataclasses.dataclass(frozen=True)
class Advice:
    """One suggestion.

    Attributes:
        category: The fit category it addresses (for its colour), or ``""``.
        text: The suggestion, quoting the trials behind it.
    """

    category: str
    text: str


def advise(
    record: StudyRecord, rules: list[Rule], frame: pd.DataFrame | None = None
) -> list[Advice]:
    """Suggestions for the next study, most pressing first (empty when nothing stands out).

    Args:
        record: The stored study.
        rules: The rules the page shows; no suggestion contradicts one of them.
        frame: The study's :func:`~study.reporting._data.trials_frame` (computed when ``None``).
    """
    frame = trials_frame(record) if frame is None else frame
    diagnosed = [t for t in record.trials if t.diagnosis is not None]
    items = [
        *_underfit(record, diagnosed, rules, frame),
        *_overfit(diagnosed),
        *[a for f in find_directions(record) for a in _directions(f, rules, frame)],
        *_unstable(diagnosed, rules, frame),
        *_simple(diagnosed),
        *_failed(record),
        *_edges(record, rules, frame),
    ]
    return [a for a in items if a is not None]


def _of(trials: list[TrialRecord], category: str) -> list[TrialRecord]:
    return [t for t in trials if t.category == category]


def _kind(trials: list[TrialRecord], kind: str) -> list[TrialRecord]:
    return [t for t in trials if t.diagnosis and t.diagnosis.verdict.kind == kind]


def _underfit(
    record: StudyRecord, diagnosed: list[TrialRecord], rules: list[Rule], frame: pd.DataFrame
) -> list[Advice]:
    under = _of(diagnosed, "underfit")
    if not under:
        return []
    rows = frame[frame["category"] == "underfit"]
    items = []
    improving = _kind(under, "still_improving")
    if len(improving) * 2 >= len(under):
        said = (
            f"{len(improving)} of {len(under)} underfit trials were still improving at "
            "their last epoch"
        )
        against = first_rule("contradicts", rules, "epochs", "raise", rows, leaving="underfit")
        if against is None:
            items.append(Advice("underfit", f"{said}: {_epochs_step(record)}."))
        else:
            items.append(
                Advice(
                    "underfit",
                    f"{said}, yet the rule {against.text()} "
                    f"says more epochs did not help: {_UNSETTLED}.",
                )
            )
    capacity = _kind(under, "capacity")
    raise_ = [
        p
        for p in ("units", "layers")
        if not first_rule("contradicts", rules, p, "raise", rows, leaving="underfit")
    ]
    if capacity and raise_:
        items.append(
            Advice(
                "underfit",
                f"{len(capacity)} of {len(under)} underfit trials plateaued with a high "
                f"training loss: raise {' or '.join(raise_)}, or lower the regularisation "
                "(dropout, l2).",
            )
        )
    return items


_UNSETTLED = "more trials will settle it"


def _epochs_step(record: StudyRecord) -> str:
    """What to do about the epochs: what ``python -m study next`` writes, so the two agree."""
    try:
        change = next((c for c in follow_up(record).changes if c.param == "epochs"), None)
    except ValueError:  # No search-space file to follow up: only the page advises.
        change = None
    if change is None:
        return f"raise the epochs {_epochs_hint(record)}"
    entry = change.entry
    now = (
        f"{entry['low']}..{entry['high']}"
        if isinstance(entry, dict) and "low" in entry
        else str(entry)
    )
    return f"`python -m study next` sets the epochs to {now} ({change.reason})"


def _epochs_hint(record: StudyRecord) -> str:
    searched = study_distributions(record)
    if "epochs" in searched:
        return f"range (now {describe(searched['epochs'])})"
    if "epochs" in record.fixed:
        return f"(now fixed at {record.fixed['epochs']})"
    return "setting"


def _overfit(diagnosed: list[TrialRecord]) -> list[Advice]:
    over = _of(diagnosed, "overfit")
    turned = [t.diagnosis.verdict.evidence.best_epoch for t in over if t.diagnosis]
    epochs = [e for e in turned if e is not None]
    if len(epochs) < 3:
        return []
    return [
        Advice(
            "overfit",
            f"{plural(len(over), 'overfit trial')} reached their best validation loss around "
            f"epoch {round(statistics.median(epochs))} (median): training much longer than that "
            "only costs time.",
        )
    ]


def _directions(findings: Findings, rules: list[Rule], frame: pd.DataFrame) -> list[Advice]:
    """Each direction that leads from ``findings.problem`` to good fit, checked against rules."""
    problem = findings.problem
    rows = frame[frame["category"] == problem]
    if not findings.directions:
        return [
            Advice(
                problem,
                f"{plural(findings.n_problem, problem + ' trial')} — evidence too thin: "
                f"{findings.thin}. Run more trials before narrowing the space.",
            )
        ]
    items = []
    for d in findings.directions[:3]:
        against = first_rule(
            "contradicts", rules, d.param, d.move, rows, leaving=problem, choice=d.choice
        )
        if against is not None:
            items.append(
                Advice(
                    problem,
                    f"{d.param}: the trials disagree — {d.support()}, but the rule "
                    f"{against.text()} points the other way: {_UNSETTLED}.",
                )
            )
            continue
        agree = first_rule(
            "supports", rules, d.param, d.move, rows, leaving=problem, choice=d.choice
        )
        also = f"; so does the rule {agree.text()}" if agree else ""
        items.append(Advice(problem, f"{problem} → good fit: {d.action()} — {d.support()}{also}."))
    return items


def _unstable(
    diagnosed: list[TrialRecord], rules: list[Rule], frame: pd.DataFrame
) -> list[Advice]:
    bad = _of(diagnosed, "unstable")
    if not bad:
        return []
    rows = frame[frame["category"] == "unstable"]
    against = first_rule("contradicts", rules, "learning_rate", "lower", rows, leaving="unstable")
    if against is not None:
        return [
            Advice(
                "unstable",
                f"{len(bad)} of {len(diagnosed)} trials were unstable, yet the rule "
                f"{against.text()} says a lower learning rate did not help: add gradient "
                f"clipping; {_UNSETTLED}.",
            )
        ]
    text = f"{len(bad)} of {len(diagnosed)} trials were unstable: lower the learning rate"
    rates = _numbers(t.params.get("learning_rate") for t in bad)
    others = _numbers(t.params.get("learning_rate") for t in diagnosed if t.category != "unstable")
    if rates and others:
        text += (
            f" (median learning_rate {statistics.median(rates):.3g} in unstable trials vs "
            f"{statistics.median(others):.3g} in the others)"
        )
    return [Advice("unstable", text + " or add gradient clipping.")]


def _numbers(values: Iterable[object]) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _simple(diagnosed: list[TrialRecord]) -> list[Advice]:
    items = []
    stuck = _of(diagnosed, "not_learning")
    if stuck:
        items.append(
            Advice(
                "not_learning",
                f"{len(stuck)} of {len(diagnosed)} trials did not "
                "learn (validation loss never beat the trivial predictor): check the "
                "learning-rate range and that the inputs carry signal.",
            )
        )
    better = _of(diagnosed, "validation_better")
    if better:
        items.append(
            Advice(
                "validation_better",
                f"{len(better)} of {len(diagnosed)} trials had "
                "a lower validation than training loss: heavy dropout or "
                "regularisation inflates the training loss, or the validation split "
                "is easier than the training split.",
            )
        )
    return items


def _failed(record: StudyRecord) -> list[Advice]:
    failed = [t for t in record.trials if t.state == "FAIL"]
    if not failed:
        return []
    first = next((t.error for t in failed if t.error), None)
    detail = f"; the first error: {first}" if first else ""
    return [Advice("", f"{len(failed)} of {len(record.trials)} trials failed{detail}.")]


def _edges(record: StudyRecord, rules: list[Rule], frame: pd.DataFrame) -> list[Advice]:
    best = best_trial(record)
    if best is None:
        return []
    row = frame[frame["number"] == best.number]
    items = []
    for name, dist in study_distributions(record).items():
        value = best.params.get(name)
        if not isinstance(dist, IntDistribution | FloatDistribution) or dist.low == dist.high:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        side = "bottom" if value <= dist.low else "top" if value >= dist.high else ""
        move = "lower" if side == "bottom" else "raise"
        if side and first_rule("contradicts", rules, name, move, row, leaving=None) is None:
            items.append(
                Advice(
                    "",
                    f"the best trial's {name} ({value:g}) is at the {side} of its range "
                    f"{dist.low:g}..{dist.high:g}: widen the range past it.",
                )
            )
    return items
