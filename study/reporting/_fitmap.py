"""Prepared data of the fit map: parameter values by category, and binned pairs of parameters."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from study.reporting._axes import label, range_labels
from study.reporting._data import ParamInfo, sample_rows
from study.reporting._palette import CATEGORY_ORDER, NO_CATEGORY

OWN_BINS = 8
"""A parameter with at most this many distinct values gets a bin per value."""
MAX_POINTS = 400
"""At most this many trials are drawn per strip plot."""


def fit_map_frame(frame: pd.DataFrame, params: list[ParamInfo]) -> pd.DataFrame:
    """The diagnosed trials: one row per trial with ``number``, ``category`` and each parameter."""
    names = [p.name for p in params]
    diagnosed = frame[frame["category"] != NO_CATEGORY]
    return diagnosed[["number", "category", *names]].reset_index(drop=True)


def strip_frame(fit_map: pd.DataFrame, limit: int = MAX_POINTS) -> pd.DataFrame:
    """The rows of the fit map a strip plot draws: at most ``limit``, every category kept."""
    if len(fit_map) <= limit:
        return fit_map
    parts = []
    for _, group in fit_map.groupby("category", sort=False):
        share = max(1, round(limit * len(group) / len(fit_map)))
        parts.append(sample_rows(group, share))
    return pd.concat(parts).sort_index()


def bin_labels(values: pd.Series, param: ParamInfo, bins: int = 5) -> pd.Series:
    """Label each value with its bin, as an ordered categorical.

    Each value is its own bin when there are at most :data:`OWN_BINS` of them; otherwise
    there are ``bins`` equal-width bins (in log space for log parameters), labelled by
    their compact ranges (``390–480``, ``1e-3–3e-3``; whole numbers for integers).
    """
    if not param.numeric:
        labels = values.astype(str)
        return pd.Series(
            pd.Categorical(labels, sorted(labels.unique()), ordered=True), index=values.index
        )
    numbers = pd.to_numeric(values, errors="coerce").astype(float).fillna(0.0)
    distinct = np.unique(numbers)
    if len(distinct) <= max(bins, OWN_BINS):
        names = [label(v) for v in distinct]
        codes = np.searchsorted(distinct, numbers)
        return _coded(codes, names, values.index)
    low, high = float(distinct[0]), float(distinct[-1])
    edges = np.geomspace(low, high, bins + 1) if param.log else np.linspace(low, high, bins + 1)
    names = _edge_names(edges, integer=bool(np.all(distinct == np.round(distinct))))
    codes = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, bins - 1)
    return _coded(codes, names, values.index)


def _edge_names(edges: np.ndarray, *, integer: bool) -> list[str]:
    """Bin labels; whole numbers for an integer parameter while they tell the bins apart."""
    if integer:
        whole = [label(e) for e in np.round(edges)]
        names = [f"{a}–{b}" for a, b in itertools.pairwise(whole)]
        if len(set(names)) == len(names):
            return names
    return range_labels(edges)


def _coded(codes: np.ndarray, names: list[str], index: pd.Index) -> pd.Series:
    categorical = pd.Categorical.from_codes(codes.astype(np.int64), pd.Index(names), ordered=True)
    return pd.Series(categorical, index=index)


def pair_cells(fit_map: pd.DataFrame, x: ParamInfo, y: ParamInfo, bins: int = 5) -> pd.DataFrame:
    """The dominant category in each cell of a binned pair of parameters.

    Returns:
        One row per non-empty cell with columns ``x`` and ``y`` (bin labels, in order),
        ``n`` (trials), ``dominant`` (most common category), ``share`` (its fraction) and
        ``tie`` (whether another category is as common; ``dominant`` is then the first of
        the tied ones in :data:`CATEGORY_ORDER`).
    """
    cells = pd.DataFrame(
        {
            "x": bin_labels(fit_map[x.name], x, bins),
            "y": bin_labels(fit_map[y.name], y, bins),
            "category": fit_map["category"],
        }
    )
    rows = []
    for (bx, by), group in cells.groupby(["x", "y"], observed=True, sort=True):
        counts = group["category"].value_counts()
        top = max(counts.index, key=lambda c: (counts[c], -CATEGORY_ORDER.index(str(c))))
        rows.append(
            {
                "x": bx,
                "y": by,
                "n": len(group),
                "dominant": top,
                "share": counts[top] / len(group),
                "tie": int((counts == counts[top]).sum()) > 1,
            }
        )
    out = pd.DataFrame(rows, columns=["x", "y", "n", "dominant", "share", "tie"])
    out["tie"] = out["tie"].astype(bool)
    for axis in ("x", "y"):  # keep the bins in order, not sorted as text
        out[axis] = pd.Categorical(out[axis], cells[axis].cat.categories, ordered=True)
    return out


def param_pairs(params: list[ParamInfo], k: int = 3) -> list[tuple[ParamInfo, ParamInfo]]:
    """Pairs among the first ``k`` parameters (pass them most important first)."""
    return list(itertools.combinations(params[:k], 2))
