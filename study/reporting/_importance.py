"""Which parameters drive the objective and the fit: random-forest importances."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from study.reporting._data import ParamInfo
from study.reporting._design import Column, design_matrix
from study.reporting._palette import NO_CATEGORY

MIN_TRIALS = 5
"""Fewer trials than this give no importance for a target."""


def param_importance(frame: pd.DataFrame, params: list[ParamInfo]) -> pd.DataFrame:
    """Importance of each parameter for the objective and for being overfit or underfit.

    The importance is a random forest's mean decrease in impurity, summed over a choice
    parameter's columns and normalised to sum to 1 per target. The objective is ranked
    first, so that a few diverged trials do not dominate.

    Returns:
        Long frame with columns ``param``, ``target`` (``objective``, ``overfit``,
        ``underfit``) and ``importance``; targets with too few trials (or one class only)
        are absent.
    """
    parts = []
    done = frame[(frame["state"] == "COMPLETE") & frame["value"].notna()]
    if len(done) >= MIN_TRIALS and params:
        y = rankdata(done["value"].to_numpy())
        parts.append(_forest(done, params, y, "objective", classify=False))
    diagnosed = frame[frame["category"] != NO_CATEGORY]
    for category in ("overfit", "underfit"):
        y = (diagnosed["category"] == category).to_numpy()
        if len(diagnosed) >= MIN_TRIALS and params and 0 < y.sum() < len(y):
            parts.append(_forest(diagnosed, params, y, category, classify=True))
    if not parts:
        return pd.DataFrame(columns=["param", "target", "importance"])
    return pd.concat(parts, ignore_index=True)


def _forest(
    frame: pd.DataFrame, params: list[ParamInfo], y: np.ndarray, target: str, *, classify: bool
) -> pd.DataFrame:
    x, columns = design_matrix(frame, params)
    leaf = max(2, len(frame) // 100)
    model = (
        RandomForestClassifier(n_estimators=60, min_samples_leaf=leaf, random_state=0)
        if classify
        else RandomForestRegressor(n_estimators=60, min_samples_leaf=leaf, random_state=0)
    )
    model.fit(x.to_numpy(), y)
    return _by_param(model.feature_importances_, columns, target)


def _by_param(importances: np.ndarray, columns: list[Column], target: str) -> pd.DataFrame:
    totals: dict[str, float] = {}
    for value, column in zip(importances, columns, strict=True):
        totals[column.param] = totals.get(column.param, 0.0) + float(value)
    norm = sum(totals.values()) or 1.0
    return pd.DataFrame(
        {
            "param": list(totals),
            "target": target,
            "importance": [v / norm for v in totals.values()],
        }
    )


def top_params(importance: pd.DataFrame, params: list[ParamInfo], k: int = 3) -> list[ParamInfo]:
    """The ``k`` parameters with the highest mean importance over targets (all if none)."""
    if importance.empty:
        return params[:k]
    mean = importance.groupby("param")["importance"].mean()
    ranked = sorted(params, key=lambda p: -float(mean.get(p.name, 0.0)))
    return ranked[:k]
