"""Which trial to use: the best mean, lightly penalised by its seeds' spread.

Optuna's ``best_trial`` is the lowest (or highest) mean over a few seeds. Among many trials,
the lowest mean is biased towards the luckiest draw, so the rule ranks trials by their mean
plus :data:`SPREAD_WEIGHT` standard errors (minus, for a score): of two configurations whose
means are within noise, the one whose seeds agree is used. The weight was measured, not
assumed (``benchmarks/recommendation_check.py``): on the test splits of both counterfactual
corpora, a heavy penalty (the worse end of the one-sided 95 % interval, about 2.9 standard
errors over three seeds) handed back configurations whose test loss was worse than the best
mean's more often than better; a quarter of a standard error did best on the tuning datasets
(on three of their four corpus and objective pairs). The rule needs no prior across trials
(unlike a shrinkage estimate), so a trial's place in it (:func:`standing`) depends on its own
seeds alone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, Literal

from study.evidence._trial import Direction, TrialEvidence

SPREAD_WEIGHT = 0.25
"""Standard errors added to a trial's mean (a loss) or taken from it (a score) to rank it."""

Rule = Literal["penalised_mean", "best_mean", "none"]
"""How the recommendation was chosen.

``penalised_mean``: the best mean penalised by :data:`SPREAD_WEIGHT` standard errors among
trials without a diverged seed (or, when every trial has one, among all with an interval).
``best_mean``: no trial has two finite seeds, so no interval; the best mean, as Optuna's.
``none``: no finite seed at all.
"""


Standing = tuple[int, float]
"""A trial's place in the order :func:`recommend` chooses by, lower first: a tier, then a value
signed so that lower is better (see :func:`standing`)."""


def standing(evidence: TrialEvidence, direction: Direction) -> Standing:
    """Where the recommendation rule places a trial; the recommended trial stands lowest.

    Tier 0: two or more finite seeds and none diverged, by the penalised mean;
    tier 1: the same with a diverged seed; tier 2: one finite seed, by its value (no
    interval); tier 3: no finite seed. Among the complete trials, the lowest standing (ties:
    the lower number) is :func:`recommend`'s choice whenever a trial has a finite seed; a run
    keeps the weights of the trials that stand lowest, so the recommended trial's are kept.
    """
    if evidence.n == 0:
        return (3, math.inf)
    if not evidence.has_interval:
        return (2, _signed(evidence.mean, direction))
    return (int(evidence.diverged > 0), _penalised(evidence, direction))


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """The configuration to use, and how it relates to Optuna's best trial.

    Attributes:
        recommended: Number of the recommended trial, or ``None`` when no trial has a
            finite seed.
        best_mean: Number of the trial with the best mean (Optuna's ``best_trial``), or
            ``None``.
        rule: How ``recommended`` was chosen.
        reason: One line: why ``recommended`` differs from ``best_mean``, or what both are.
        overlapping: Trials that the seeds cannot tell apart from the recommended one
            (see :func:`overlapping`), by number.
    """

    recommended: int | None
    best_mean: int | None
    rule: Rule
    reason: str
    overlapping: tuple[int, ...] = ()

    @property
    def differs(self) -> bool:
        """Whether the recommendation is not Optuna's best trial."""
        return self.recommended != self.best_mean

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; :meth:`from_dict` reads it back."""
        record = dataclasses.asdict(self)
        record["overlapping"] = list(self.overlapping)
        return record

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recommendation:
        """Decode what :meth:`to_dict` produced."""
        return cls(
            recommended=data["recommended"],
            best_mean=data["best_mean"],
            rule=data["rule"],
            reason=data["reason"],
            overlapping=tuple(int(n) for n in data["overlapping"]),
        )


def recommend(evidence: Sequence[TrialEvidence], direction: Direction) -> Recommendation:
    """Choose the configuration to use from every complete trial's evidence.

    The rule (see the module's docstring): the best penalised mean; trials with a
    diverged seed only when every trial with an interval has one (a configuration that
    diverged once may diverge on the next seed). Ties go to the lower trial number.

    Args:
        evidence: One record per complete trial.
        direction: ``minimize`` (a loss) or ``maximize`` (a score).
    """
    finite = [e for e in evidence if e.n > 0]
    if not finite:
        return Recommendation(None, None, "none", "no trial has a finite seed")
    best_mean = min(finite, key=lambda e: (_signed(e.mean, direction), e.number))
    with_interval = [e for e in finite if e.has_interval]
    if not with_interval:
        reason = f"trial {best_mean.number}: {best_mean.describe()}; no trial has two seeds"
        return Recommendation(
            best_mean.number,
            best_mean.number,
            "best_mean",
            reason,
            overlapping(evidence, best_mean.number),
        )
    clean = [e for e in with_interval if e.diverged == 0] or with_interval
    chosen = min(clean, key=lambda e: (_penalised(e, direction), e.number))
    return Recommendation(
        recommended=chosen.number,
        best_mean=best_mean.number,
        rule="penalised_mean",
        reason=_reason(chosen, best_mean),
        overlapping=overlapping(evidence, chosen.number),
    )


def overlapping(evidence: Sequence[TrialEvidence], best: int) -> tuple[int, ...]:
    """Trials that the seeds cannot tell apart from trial ``best``, by number.

    A trial is not told apart when its interval and the best's overlap, or when either has
    no interval (one finite seed says nothing of the spread). Trials without a finite seed
    are always told apart (they diverged). ``best`` itself is left out.

    Raises:
        ValueError: ``best`` is not among ``evidence``.
    """
    by_number = {e.number: e for e in evidence}
    if best not in by_number:
        raise ValueError(f"`best` must be the number of a trial given, but got best={best}.")
    target = by_number[best]
    return tuple(
        e.number
        for e in evidence
        if e.number != best and e.n > 0 and target.n > 0 and _overlap(e, target)
    )


def _overlap(a: TrialEvidence, b: TrialEvidence) -> bool:
    if not (a.has_interval and b.has_interval):
        return True
    return a.low <= b.high and b.low <= a.high


def _signed(value: float, direction: Direction) -> float:
    """``value`` such that lower is better in either direction."""
    return value if direction == "minimize" else -value


def _penalised(evidence: TrialEvidence, direction: Direction) -> float:
    """The mean, signed so that lower is better, plus :data:`SPREAD_WEIGHT` standard errors."""
    return _signed(evidence.mean, direction) + SPREAD_WEIGHT * evidence.std_error


def _reason(chosen: TrialEvidence, best_mean: TrialEvidence) -> str:
    if chosen.number == best_mean.number:
        return (
            f"trial {chosen.number}: best mean, also allowing for its seeds' spread "
            f"({chosen.describe()})"
        )
    return (
        f"trial {best_mean.number} has the best mean ({best_mean.describe()}), but "
        f"{_weakness(best_mean)}; trial {chosen.number}'s mean is as good within noise and its "
        f"seeds agree more ({chosen.describe()})"
    )


def _weakness(trial: TrialEvidence) -> str:
    """Why the best mean is not recommended, in a few words."""
    if trial.diverged:
        return f"{trial.diverged} of its seeds diverged"
    if not trial.has_interval:
        return "one seed gives no interval"
    return f"its seeds spread (standard error {trial.std_error:.2g})"
