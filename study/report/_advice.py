"""What to try next, derived from the trials' diagnoses."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable

from study.report._data import best_trial, param_range
from study.report._rules import Condition, Rule
from study.storage import StudyRecord, TrialRecord


@dataclasses.dataclass(frozen=True)
class Advice:
    """One suggestion.

    Attributes:
        category: The fit category it addresses (for its colour), or ``""``.
        text: The suggestion, quoting the trials behind it.
    """

    category: str
    text: str


def advise(record: StudyRecord, rules: list[Rule]) -> list[Advice]:
    """Suggestions for the next study, most pressing first (empty when nothing stands out)."""
    diagnosed = [t for t in record.trials if t.diagnosis is not None]
    items = [
        *_underfit(record, diagnosed),
        *_overfit(diagnosed, rules),
        *_unstable(diagnosed),
        *_simple(diagnosed),
        *_failed(record),
        *_edges(record),
    ]
    return [a for a in items if a is not None]


def _of(trials: list[TrialRecord], category: str) -> list[TrialRecord]:
    return [t for t in trials if t.category == category]


def _kind(trials: list[TrialRecord], kind: str) -> list[TrialRecord]:
    return [t for t in trials if t.diagnosis and t.diagnosis.verdict.kind == kind]


def _underfit(record: StudyRecord, diagnosed: list[TrialRecord]) -> list[Advice]:
    under = _of(diagnosed, "underfit")
    if not under:
        return []
    items = []
    improving = _kind(under, "still_improving")
    if len(improving) * 2 >= len(under):
        where = _epochs_hint(record)
        items.append(
            Advice(
                "underfit",
                f"{len(improving)} of {len(under)} underfit trials were "
                f"still improving at their last epoch: raise the epochs {where}.",
            )
        )
    capacity = _kind(under, "capacity")
    if capacity:
        items.append(
            Advice(
                "underfit",
                f"{len(capacity)} of {len(under)} underfit trials "
                "plateaued with a high training loss: raise the capacity (units, "
                "layers) or lower the regularisation (dropout, l2).",
            )
        )
    return items


def _epochs_hint(record: StudyRecord) -> str:
    if "epochs" in record.searched:
        return f"range (now {record.searched['epochs']})"
    if "epochs" in record.fixed:
        return f"(now fixed at {record.fixed['epochs']})"
    return "setting"


def _overfit(diagnosed: list[TrialRecord], rules: list[Rule]) -> list[Advice]:
    over = _of(diagnosed, "overfit")
    if not over:
        return []
    items = []
    for rule in [r for r in rules if r.category == "overfit"][:2]:
        fixes = "; ".join(_fix(c) for c in rule.conditions)
        items.append(
            Advice(
                "overfit",
                f"overfit trials cluster at {rule.region_text()} "
                f"({rule.hits} of {rule.support} trials there overfit): {fixes}.",
            )
        )
    if not items:
        items.append(
            Advice(
                "overfit",
                f"{len(over)} of {len(diagnosed)} trials overfit: raise "
                "dropout or l2, cap the units, or train fewer epochs.",
            )
        )
    turned = [t.diagnosis.verdict.evidence.best_epoch for t in over if t.diagnosis]
    epochs = [e for e in turned if e is not None]
    if len(epochs) >= 3:
        items.append(
            Advice(
                "overfit",
                f"overfit trials reached their best validation loss "
                f"around epoch {round(statistics.median(epochs))} (median): training "
                "much longer than that only costs time.",
            )
        )
    return items


def _fix(condition: Condition) -> str:
    name, value = condition.param, condition.text().split(" ", 2)[2]
    return {
        "≥": f"cap {name} below {value}",
        "<": f"raise {name} to at least {value}",
        "=": f"avoid {name} = {value}",
        "≠": f"try {name} = {value}",
    }[condition.op]


def _unstable(diagnosed: list[TrialRecord]) -> list[Advice]:
    bad = _of(diagnosed, "unstable")
    if not bad:
        return []
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


def _edges(record: StudyRecord) -> list[Advice]:
    best = best_trial(record)
    if best is None:
        return []
    items = []
    for name, description in record.searched.items():
        bounds, value = param_range(description), best.params.get(name)
        if bounds is None or not isinstance(value, int | float) or bounds[0] == bounds[1]:
            continue
        side = "bottom" if value <= bounds[0] else "top" if value >= bounds[1] else ""
        if side:
            items.append(
                Advice(
                    "",
                    f"the best trial's {name} ({value:g}) is at the {side} of "
                    f"its range {description}: widen the range past it.",
                )
            )
    return items
