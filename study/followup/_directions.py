"""Which parameter directions separate good fits from overfit or underfit trials.

For each problem category (overfit, underfit) and each searched parameter, the good-fit
trials are compared with the trials of that category: numbers by a Mann-Whitney U test (the
share of (good fit, problem) pairs where the good fit has the larger value is its effect
size), choices by Fisher's exact test on "this choice or another" against "good fit or
problem". A direction is reported only when both groups have enough trials and the test
separates them; otherwise the finding says the evidence is too thin.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Any, Literal

from optuna.distributions import BaseDistribution, CategoricalDistribution
from scipy.stats import fisher_exact, mannwhitneyu

from study.followup._ranges import is_numeric, study_distributions
from study.storage import StudyRecord, TrialRecord
from study.wording import plural

Problem = Literal["overfit", "underfit"]
PROBLEMS: tuple[Problem, ...] = ("overfit", "underfit")
Move = Literal["raise", "lower", "use"]

MIN_TRIALS = 3
"""Fewer trials than this in either group give no direction."""
MAX_P = 0.2
"""A direction is reported when its test's p-value is at most this."""
STRONG_P = 0.05
"""Below this p-value the evidence is called clear, else weak."""


@dataclasses.dataclass(frozen=True)
class Direction:
    """A change of one parameter that moved trials from a problem category to good fit.

    Attributes:
        param: The parameter.
        problem: The category the change leads away from.
        move: ``raise`` or ``lower`` a number, or ``use`` a choice.
        choice: The choice to use (``move == "use"``), else ``None``.
        n_good: Good-fit trials compared.
        n_problem: Trials of ``problem`` compared.
        share: For numbers, the share of (good fit, problem) pairs where the good fit lies on
            the ``move`` side; for a choice, the share of its trials that are good fits.
        p_value: The test's two-sided p-value.
        good_median: The good fits' median value (numbers), else ``None``.
        problem_median: The problem trials' median value (numbers), else ``None``.
    """

    param: str
    problem: Problem
    move: Move
    choice: Any
    n_good: int
    n_problem: int
    share: float
    p_value: float
    good_median: float | None = None
    problem_median: float | None = None

    @property
    def strong(self) -> bool:
        """Whether the evidence is clear (``p_value < STRONG_P``) rather than weak."""
        return self.p_value < STRONG_P

    def action(self) -> str:
        """E.g. ``"raise units"`` or ``"use optimizer = adam"``."""
        if self.move == "use":
            return f"use {self.param} = {self.choice}"
        return f"{self.move} {self.param}"

    def support(self) -> str:
        """The evidence in words, with the trials behind it."""
        groups = f"{self.n_good} good fits vs {self.n_problem} {self.problem}"
        strength = "clear" if self.strong else "weak"
        if self.move == "use":
            return (
                f"{self.share:.0%} of the compared trials with {self.param} = {self.choice} "
                f"were good fits ({groups}; p = {self.p_value:.2g}, {strength})"
            )
        side = "larger" if self.move == "raise" else "smaller"
        return (
            f"good fits had the {side} {self.param} in {self.share:.0%} of pairs "
            f"(median {self.good_median:.3g} vs {self.problem_median:.3g}; {groups}; "
            f"p = {self.p_value:.2g}, {strength})"
        )


@dataclasses.dataclass(frozen=True)
class Findings:
    """What moved trials of one problem category to good fit.

    Attributes:
        problem: The category.
        n_problem: Diagnosed trials in it.
        n_good: Diagnosed good-fit trials.
        directions: Directions that passed the test, most significant first.
        thin: Why no direction could be drawn (empty when ``directions`` holds some).
    """

    problem: Problem
    n_problem: int
    n_good: int
    directions: tuple[Direction, ...]
    thin: str = ""


def find_directions(
    record: StudyRecord, *, min_trials: int = MIN_TRIALS, max_p: float = MAX_P
) -> list[Findings]:
    """The findings for each problem category that has at least one diagnosed trial.

    Args:
        record: The stored study.
        min_trials: Fewest trials in either group to test a parameter.
        max_p: Largest p-value of a reported direction.
    """
    diagnosed = [t for t in record.trials if t.category is not None]
    good = [t for t in diagnosed if t.category == "good_fit"]
    distributions = study_distributions(record)
    out = []
    for problem in PROBLEMS:
        bad = [t for t in diagnosed if t.category == problem]
        if bad:
            out.append(_findings(problem, good, bad, distributions, min_trials, max_p))
    return out


def _findings(
    problem: Problem,
    good: list[TrialRecord],
    bad: list[TrialRecord],
    distributions: dict[str, BaseDistribution],
    min_trials: int,
    max_p: float,
) -> Findings:
    if min(len(good), len(bad)) < min_trials:
        thin = (
            f"only {plural(len(good), 'good fit')} and {plural(len(bad), problem + ' trial')}: "
            "too few to say "
            f"which settings move a trial to good fit ({min_trials} of each needed)"
        )
        return Findings(problem, len(bad), len(good), (), thin)
    tested = [
        _direction(name, d, problem, good, bad, min_trials) for name, d in distributions.items()
    ]
    found = sorted((d for d in tested if d and d.p_value <= max_p), key=lambda d: d.p_value)
    thin = (
        ""
        if found
        else (
            f"no searched parameter separates the {len(good)} good fits from the {len(bad)} "
            f"{problem} trials (p > {max_p:g} for each)"
        )
    )
    return Findings(problem, len(bad), len(good), tuple(found), thin)


def _direction(
    name: str,
    distribution: BaseDistribution,
    problem: Problem,
    good: list[TrialRecord],
    bad: list[TrialRecord],
    min_trials: int,
) -> Direction | None:
    if isinstance(distribution, CategoricalDistribution):
        return _choice_direction(name, problem, good, bad, min_trials)
    if not is_numeric(distribution):
        return None
    g, b = _numbers(good, name), _numbers(bad, name)
    if min(len(g), len(b)) < min_trials or len(set(g) | set(b)) < 2:
        return None
    result = mannwhitneyu(g, b, alternative="two-sided")
    above = float(result.statistic) / (len(g) * len(b))  # share of pairs with good > problem
    move: Move = "raise" if above >= 0.5 else "lower"
    return Direction(
        name,
        problem,
        move,
        None,
        len(g),
        len(b),
        max(above, 1 - above),
        float(result.pvalue),
        statistics.median(g),
        statistics.median(b),
    )


def _choice_direction(
    name: str, problem: Problem, good: list[TrialRecord], bad: list[TrialRecord], min_trials: int
) -> Direction | None:
    g, b = [t.params.get(name) for t in good], [t.params.get(name) for t in bad]
    best: Direction | None = None
    for choice in sorted({str(v) for v in g + b if v is not None}):
        in_g, in_b = sum(str(v) == choice for v in g), sum(str(v) == choice for v in b)
        if in_g + in_b < min_trials:
            continue
        table = [[in_g, in_b], [len(g) - in_g, len(b) - in_b]]
        odds, p = fisher_exact(table, alternative="two-sided")
        if not odds > 1.0:  # only a choice that favours good fits is a direction
            continue
        found = Direction(
            name, problem, "use", choice, len(g), len(b), in_g / (in_g + in_b), float(p)
        )
        if best is None or found.p_value < best.p_value:
            best = found
    return best


def _numbers(trials: list[TrialRecord], name: str) -> list[float]:
    values = [t.params.get(name) for t in trials]
    return [
        float(v)
        for v in values
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    ]
