"""Human-readable rules from parameters to fit category, learnt by a shallow decision tree."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from study.reporting._data import ParamInfo
from study.reporting._design import Column, design_matrix
from study.reporting._palette import NO_CATEGORY

Op = Literal["<", "≥", "=", "≠"]


@dataclasses.dataclass(frozen=True)
class Condition:
    """One test on a parameter, e.g. ``units ≥ 64`` or ``optimizer = sgd``."""

    param: str
    op: Op
    value: Any

    def holds(self, frame: pd.DataFrame) -> pd.Series:
        """Whether each row of ``frame`` passes the test."""
        column = frame[self.param]
        if self.op in ("=", "≠"):
            equal = column.astype(str) == str(self.value)
            return equal if self.op == "=" else ~equal
        values = pd.to_numeric(column, errors="coerce")
        return cast("pd.Series", values < self.value if self.op == "<" else values >= self.value)

    def text(self) -> str:
        """The test in words, e.g. ``"dropout < 0.2"``."""
        value = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        return f"{self.param} {self.op} {value}"


@dataclasses.dataclass(frozen=True)
class Rule:
    """A region of the search space where one fit category dominates.

    Attributes:
        conditions: The tests that define the region (all must hold).
        category: The most common category in the region.
        support: Diagnosed trials in the region.
        hits: Trials of the region in ``category``.
    """

    conditions: tuple[Condition, ...]
    category: str
    support: int
    hits: int

    @property
    def precision(self) -> float:
        """``hits / support``."""
        return self.hits / self.support if self.support else 0.0

    def region_text(self) -> str:
        """The conditions joined by "and"."""
        return " and ".join(c.text() for c in self.conditions)

    def text(self) -> str:
        """E.g. ``"units ≥ 64 and dropout < 0.2 → overfit in 9 of 10 trials"``."""
        return f"{self.region_text()} → {self.category} in {self.hits} of {self.support} trials"


def learn_rules(
    frame: pd.DataFrame,
    params: list[ParamInfo],
    *,
    max_depth: int = 3,
    min_support: int = 3,
    min_precision: float = 0.6,
    max_rules: int = 6,
) -> list[Rule]:
    """Learn rules "parameters → category" from the diagnosed trials of ``frame``.

    The support of each rule is counted again on the trials after its thresholds are rounded
    to readable numbers, so the counts are exact for the rule as written.

    Returns:
        Rules with at least ``min_support`` trials and ``min_precision``, most hits first.
    """
    diagnosed = frame[frame["category"] != NO_CATEGORY]
    if len(diagnosed) < 2 * min_support or not params or diagnosed["category"].nunique() < 2:
        return []
    x, columns = design_matrix(diagnosed, params)
    tree = DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=max(min_support, len(diagnosed) // 30),
        random_state=0,
    ).fit(x.to_numpy(), diagnosed["category"].to_numpy())
    rules: dict[str, Rule] = {}
    for path in _leaf_paths(tree):
        conditions = _simplify(
            [_condition(columns[f], x.iloc[:, f], t, right) for f, t, right in path]
        )
        rule = _evaluate(conditions, diagnosed)
        if rule and rule.support >= min_support and rule.precision >= min_precision:
            rules.setdefault(rule.text(), rule)
    ranked = sorted(rules.values(), key=lambda r: (-r.hits * r.precision, r.text()))
    return ranked[:max_rules]


def _leaf_paths(tree: DecisionTreeClassifier) -> list[list[tuple[int, float, bool]]]:
    """Each leaf's path as (feature, threshold, went right) steps."""
    t = tree.tree_
    paths: list[list[tuple[int, float, bool]]] = []
    stack: list[tuple[int, list[tuple[int, float, bool]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        if t.children_left[node] == -1:
            paths.append(path)
            continue
        f, thr = int(t.feature[node]), float(t.threshold[node])
        stack.append((int(t.children_left[node]), [*path, (f, thr, False)]))
        stack.append((int(t.children_right[node]), [*path, (f, thr, True)]))
    return [p for p in paths if p]


def _condition(column: Column, values: pd.Series, threshold: float, right: bool) -> Condition:
    if column.choice is not None:
        return Condition(column.param, "=" if right else "≠", column.choice)
    below, above = values[values <= threshold], values[values > threshold]
    cut = float(above.min())
    if not below.empty and not np.allclose(values, values.round()):
        cut = nice_cut(float(below.max()), cut)
    value: Any = (
        int(cut) if float(cut).is_integer() and np.allclose(values, values.round()) else cut
    )
    return Condition(column.param, "≥" if right else "<", value)


def nice_cut(low: float, high: float) -> float:
    """The number with the fewest significant digits in ``(low, high]`` (``high`` if none)."""
    for digits in range(1, 7):
        for candidate in (_round_sig(high, digits), _ceil_sig(low, digits)):
            if candidate is not None and low < candidate <= high:
                return candidate
    return high


def _round_sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def _ceil_sig(x: float, digits: int) -> float | None:
    if x <= 0 or not math.isfinite(x):
        return None
    scale = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    return float(f"{(math.floor(x / scale) + 1) * scale:.{digits + 1}g}")


def _simplify(conditions: list[Condition]) -> tuple[Condition, ...]:
    """Merge tests on the same parameter: the tightest bound wins; "=" makes "≠" redundant."""
    kept: dict[tuple[str, str], Condition] = {}
    for c in conditions:
        key = (c.param, c.op if c.op != "≠" else f"≠{c.value}")
        old = kept.get(key)
        if (
            old is None
            or (c.op == "<" and c.value < old.value)
            or (c.op == "≥" and c.value > old.value)
        ):
            kept[key] = c
    equal = {c.param for c in kept.values() if c.op == "="}
    return tuple(c for c in kept.values() if not (c.op == "≠" and c.param in equal))


def _evaluate(conditions: tuple[Condition, ...], frame: pd.DataFrame) -> Rule | None:
    mask = pd.Series(True, index=frame.index)
    for c in conditions:
        mask &= c.holds(frame)
    inside = frame.loc[mask, "category"]
    if inside.empty:
        return None
    counts = inside.value_counts()
    return Rule(conditions, str(counts.index[0]), int(mask.sum()), int(counts.iloc[0]))
