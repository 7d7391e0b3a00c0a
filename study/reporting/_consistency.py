"""Whether a suggested move of a parameter agrees with the rules shown on the page.

A rule speaks about a move only for the trials it applies to: those that pass its tests on the
other parameters (at least half of the trials the move is for). Then, on the moved parameter:

- a good-fit rule whose region lies in the move's direction supports it, one on the other side
  contradicts it;
- a rule of the category the move leads away from contradicts it when the move goes into or
  deeper into its region (the region is open in that direction), and supports it when the
  trials sit in its region and the move leaves it.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd

from study.reporting._rules import Condition, Rule

Stance = Literal["supports", "contradicts"]


def rule_stance(
    rule: Rule,
    param: str,
    move: str,
    trials: pd.DataFrame,
    *,
    leaving: str | None,
    choice: object = None,
) -> Stance | None:
    """What ``rule`` says about ``move`` of ``param`` for ``trials`` (``None``: nothing).

    Args:
        rule: A rule of the page.
        param: The parameter moved.
        move: ``raise``, ``lower`` or ``use`` (a choice).
        trials: The trials the move is for (rows of the trials frame).
        leaving: The category the move leads away from; ``None`` for any but good fit.
        choice: The choice to use when ``move == "use"``.
    """
    on_param = [c for c in rule.conditions if c.param == param]
    others = [c for c in rule.conditions if c.param != param]
    if not on_param or trials.empty or not _applies(others, trials):
        return None
    if rule.category == "good_fit":
        wanted = True
    elif rule.category == leaving or (leaving is None and rule.category != "good_fit"):
        wanted = False
    else:
        return None
    if move == "use":
        probe = pd.DataFrame({param: [choice]})
        inside = all(bool(c.holds(probe).iloc[0]) for c in on_param)
        return "supports" if inside == wanted else "contradicts"
    values = pd.to_numeric(trials[param], errors="coerce").dropna()
    if values.empty:
        return None
    return _numeric_stance(on_param, float(values.median()), move == "raise", wanted)


def _applies(conditions: list[Condition], trials: pd.DataFrame) -> bool:
    mask = pd.Series(True, index=trials.index)
    for c in conditions:
        mask &= c.holds(trials)
    return bool(mask.mean() >= 0.5)


def _numeric_stance(on_param: list[Condition], m: float, up: bool, wanted: bool) -> Stance | None:
    lo = max([float(c.value) for c in on_param if c.op == "≥"], default=-math.inf)
    hi = min([float(c.value) for c in on_param if c.op == "<"], default=math.inf)
    ahead = lo > m if up else hi <= m  # the region lies in the move's direction
    behind = hi <= m if up else lo > m
    open_ahead = hi == math.inf if up else lo == -math.inf
    inside = lo <= m < hi
    if wanted:
        return "supports" if ahead else "contradicts" if behind else None
    if (ahead or inside) and open_ahead:
        return "contradicts"
    return "supports" if inside and not open_ahead else None


def first_rule(
    stance: Stance,
    rules: list[Rule],
    param: str,
    move: str,
    trials: pd.DataFrame,
    *,
    leaving: str | None,
    choice: object = None,
) -> Rule | None:
    """The first rule whose stance on the move is ``stance``, or ``None``."""
    for rule in rules:
        if rule_stance(rule, param, move, trials, leaving=leaving, choice=choice) == stance:
            return rule
    return None
