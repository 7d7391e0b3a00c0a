"""The follow-up search space: the study's space moved towards where its keepers lie.

The keepers are the good fits worth keeping
(:attr:`~study.diagnosis.TrialDiagnosis.worth_keeping`): read beside the whole study, a good fit
materially behind the study's best, or one the pruner stopped, is not one. Each searched
parameter is kept, narrowed, shifted or extended, each change with its reason:

- a numeric range is narrowed to the span of the keepers (with a margin of
  :data:`MARGIN` of the old range on each side), and shifted past an end the keepers reach;
- ``epochs`` is extended to twice the longest still-improving trial when at least
  :data:`MIN_TRIALS` trials were still improving at their last epoch;
- a choice that no keeper used, among at least :data:`MIN_TRIALS` diagnosed trials, is
  dropped;
- where overfitting dominates (the most common category, at least :data:`MIN_TRIALS` trials)
  ranges of the regularisation parameters the study did not search are added.

Too few keepers (fewer than :data:`MIN_TRIALS`) leave a range as it was, and say so.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from optuna.distributions import BaseDistribution, CategoricalDistribution

from study.followup._directions import MIN_TRIALS, Direction, find_directions
from study.followup._ranges import (
    NumericDistribution,
    clip_to_valid,
    describe,
    from_unit,
    range_entry,
    study_distributions,
    to_unit,
)
from study.params import PARAMS
from study.storage import StudyRecord, TrialRecord
from study.wording import plural

Action = Literal["kept", "narrowed", "shifted", "extended", "added", "dropped choices"]

MARGIN = 0.1
"""Margin kept beyond the keepers' span, as a share of the old range (log-scaled if log)."""
EDGE = 0.9
"""Keepers beyond this share of the range (or below 1 - EDGE) reach its end."""
SHIFT = 0.25
"""How far past a reached end the range moves, as a share of the old range."""
REGULARISATION: dict[str, dict[str, Any]] = {
    "l2": {"low": 1e-5, "high": 1e-2, "log": True},
    "dropout": {"low": 0.1, "high": 0.5},
}
"""Ranges added where overfitting dominates and the study did not search the parameter."""


@dataclasses.dataclass(frozen=True)
class Change:
    """What the follow-up does to one parameter, and why.

    Attributes:
        param: The parameter.
        action: What changed.
        entry: The new ``[params]`` entry: a table (``low``/``high``/``log``/``step`` or
            ``choices``) or a fixed value.
        reason: One line saying why, quoting the trials behind it.
    """

    param: str
    action: Action
    entry: Any
    reason: str


@dataclasses.dataclass(frozen=True)
class FollowUp:
    """A follow-up search space of a stored study.

    Attributes:
        study: The study's name.
        base: The study's search-space file as a TOML document (its tables other than
            ``params`` carry over unchanged).
        changes: One per parameter the follow-up searches or adds, in order.
        fixed: The parameters the study held fixed (by its file or ``--set``).
        summary: One line on the study's fits.
    """

    study: str
    base: dict[str, Any]
    changes: tuple[Change, ...]
    fixed: dict[str, Any]
    summary: str


def follow_up(record: StudyRecord) -> FollowUp:
    """The follow-up search space of ``record`` (see the module docstring).

    A CSV task's relative ``csv`` path (relative to the folder of the search-space file the
    study was created with) is made absolute, so the follow-up space runs from wherever it is
    written.

    Raises:
        ValueError: The study was made by its own Optuna objective (it has no search-space
            file to follow up), stores no readable search-space text, or no trial sampled a
            parameter yet.
    """
    if record.own_objective:
        raise ValueError(
            f"study {record.name!r} was made by your own Optuna objective, not by `study run`, "
            "so it has no search-space file to follow up; `python -m study report` shows its "
            "directions."
        )
    try:
        base = tomllib.loads(record.space_text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(
            f"the stored search space of {record.name!r} is not TOML ({e})."
        ) from None
    base = _with_absolute_csv(base, record.space_path)
    distributions = study_distributions(record)
    if not base or not distributions:
        raise ValueError(
            f"study {record.name!r} has no stored search space with a sampled parameter yet; "
            "run some trials first."
        )
    diagnosed = [t for t in record.trials if t.category is not None]
    directions = [d for f in find_directions(record) for d in f.directions]
    changes = [_change(name, dist, diagnosed, directions) for name, dist in distributions.items()]
    fixed = {k: v for k, v in record.fixed.items() if k not in distributions}
    changes += _fixed_epochs(record, diagnosed, set(distributions))
    changes += _regularisation(record, diagnosed, set(distributions))
    fixed = {k: v for k, v in fixed.items() if k not in {c.param for c in changes}}
    return FollowUp(record.name, base, tuple(changes), fixed, _summary(diagnosed))


def _with_absolute_csv(base: dict[str, Any], space_path: str) -> dict[str, Any]:
    task = base.get("task")
    if not isinstance(task, dict) or not task.get("csv") or not space_path:
        return base
    csv = Path(str(task["csv"]))
    if csv.is_absolute():
        return base
    return {**base, "task": {**task, "csv": str(Path(space_path).parent / csv)}}


def _keepers(diagnosed: list[TrialRecord]) -> list[TrialRecord]:
    """The good fits worth keeping, read beside the whole study."""
    return [t for t in diagnosed if t.diagnosis is not None and t.diagnosis.worth_keeping]


def _kept(n: int) -> str:
    """E.g. ``"2 good fits worth keeping"``."""
    return f"{plural(n, 'good fit')} worth keeping"


def _summary(diagnosed: list[TrialRecord]) -> str:
    counts = Counter(str(t.category) for t in diagnosed)
    parts = ", ".join(f"{n} {c}" for c, n in counts.most_common())
    return f"{plural(len(diagnosed), 'diagnosed trial')}: {parts or 'none'}"


def _change(
    name: str,
    dist: BaseDistribution,
    diagnosed: list[TrialRecord],
    directions: list[Direction],
) -> Change:
    if isinstance(dist, CategoricalDistribution):
        return _choices(name, dist, diagnosed)
    assert isinstance(dist, NumericDistribution)  # study_distributions holds no other kind
    change = _numeric(name, dist, diagnosed)
    if name == "epochs":
        change = _extend_epochs(change, dist, diagnosed)
    said = [
        f"{d.action()} to leave {d.problem}: {d.support()}" for d in directions if d.param == name
    ]
    if said:
        change = dataclasses.replace(change, reason=f"{change.reason}; " + "; ".join(said))
    return change


def _numeric(name: str, dist: NumericDistribution, diagnosed: list[TrialRecord]) -> Change:
    old = range_entry(name, dist, dist.low, dist.high)
    good = [float(t.params[name]) for t in _keepers(diagnosed) if _number(t.params.get(name))]
    if len(good) < MIN_TRIALS:
        return Change(name, "kept", old, f"kept: only {_kept(len(good))}, too few to move it")
    span = f"the {_kept(len(good))} lie at {_fmt(min(good))}..{_fmt(max(good))}"
    top, bottom = to_unit(dist, max(good)), to_unit(dist, min(good))
    low = bottom - (SHIFT if bottom <= 1 - EDGE else MARGIN)
    high = top + (SHIFT if top >= EDGE else MARGIN)  # keepers at an end: the best may lie past it
    bottom_value, top_value = from_unit(dist, low), from_unit(dist, high)
    if name not in PARAMS:  # A builder's own parameter: its valid values are the builder's.
        bottom_value, top_value = max(bottom_value, dist.low), min(top_value, dist.high)
    new = range_entry(name, dist, *clip_to_valid(name, bottom_value, top_value))
    ends = [
        e
        for e, past in (("bottom", new["low"] < dist.low), ("top", new["high"] > dist.high))
        if past
    ]
    if new == old or (not ends and low <= 0 and high >= 1):
        return Change(name, "kept", old, f"kept: {span}, across the whole range")
    if ends:
        where = f"shifted past the {' and '.join(ends)}, which keepers reach"
        return Change(name, "shifted", new, f"{where} (was {describe(dist)}): {span}")
    return Change(name, "narrowed", new, f"narrowed to the keepers (was {describe(dist)}): {span}")


def _extend_epochs(
    change: Change, dist: NumericDistribution, diagnosed: list[TrialRecord]
) -> Change:
    improving = _still_improving(diagnosed)
    if len(improving) < MIN_TRIALS:
        return change
    longest = max(int(t.params.get("epochs", 0)) for t in improving)
    entry = dict(change.entry)
    if 2 * longest <= entry["high"]:
        return change
    low, high = clip_to_valid("epochs", float(entry["low"]), float(2 * longest))
    entry = range_entry("epochs", dist, low, high)
    reason = (
        f"extended (was {describe(dist)}): {len(improving)} of {len(diagnosed)} trials were "
        f"still improving at their last epoch (the longest at {longest} epochs)"
    )
    if change.action != "kept":
        reason += f"; also {change.reason}"
    return Change("epochs", "extended", entry, reason)


def _still_improving(diagnosed: list[TrialRecord]) -> list[TrialRecord]:
    return [
        t
        for t in diagnosed
        if t.diagnosis is not None and t.diagnosis.verdict.kind == "still_improving"
    ]


def _fixed_epochs(
    record: StudyRecord, diagnosed: list[TrialRecord], searched: set[str]
) -> list[Change]:
    """Twice the fixed epochs when enough trials were still improving at their last epoch."""
    improving = _still_improving(diagnosed)
    epochs = record.fixed.get("epochs")
    if "epochs" in searched or not isinstance(epochs, int) or len(improving) < MIN_TRIALS:
        return []
    reason = (
        f"extended (was fixed at {epochs}): {len(improving)} of {len(diagnosed)} trials were "
        "still improving at their last epoch"
    )
    return [
        Change(
            "epochs", "extended", int(clip_to_valid("epochs", 2 * epochs, 2 * epochs)[1]), reason
        )
    ]


def _choices(name: str, dist: CategoricalDistribution, diagnosed: list[TrialRecord]) -> Change:
    old = {"choices": list(dist.choices)}
    good = {t.number for t in _keepers(diagnosed)}
    if len(good) < MIN_TRIALS:
        why = f"kept: only {_kept(len(good))}, too few to drop a choice"
        return Change(name, "kept", old, why)
    dropped = []
    for choice in dist.choices:
        tried = [t for t in diagnosed if str(t.params.get(name)) == str(choice)]
        if len(tried) >= MIN_TRIALS and not any(t.number in good for t in tried):
            dropped.append((choice, len(tried)))
    kept = [c for c in dist.choices if c not in {d for d, _ in dropped}]
    if not dropped or not kept:
        return Change(name, "kept", old, "kept: every choice has keepers or too few trials")
    why = ", ".join(f"{c} (no keeper in {n} trials)" for c, n in dropped)
    return Change(name, "dropped choices", {"choices": kept}, f"dropped {why}")


def _regularisation(
    record: StudyRecord, diagnosed: list[TrialRecord], searched: set[str]
) -> list[Change]:
    counts = Counter(str(t.category) for t in diagnosed)
    over = counts.get("overfit", 0)
    if over < MIN_TRIALS or over < max(counts.values()):
        return []
    changes = []
    for name, entry in REGULARISATION.items():
        if name in searched or record.family not in PARAMS[name].families:
            continue
        was = f"fixed at {record.fixed[name]}" if name in record.fixed else "at its default"
        changes.append(
            Change(
                name,
                "added",
                dict(entry),
                f"added: overfitting dominates ({over} of {len(diagnosed)} diagnosed trials) "
                f"and {name} was {was}",
            )
        )
    return changes


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: float) -> str:
    return f"{value:.3g}"
