"""Pruning: stop trials whose configuration overfits, as they train."""

from __future__ import annotations

from study.pruning._overfit import (
    CurvesOf,
    OverfitPruner,
    PruneDecision,
    decide_overfit,
    live_config,
    wrapped_decision,
)
from study.pruning._settings import WRAPPABLE, PrunerSettings

__all__ = [
    "WRAPPABLE",
    "CurvesOf",
    "OverfitPruner",
    "PruneDecision",
    "PrunerSettings",
    "decide_overfit",
    "live_config",
    "wrapped_decision",
]
