"""Pruning: stop trials whose configuration overfits, as they train."""

from __future__ import annotations

from study.pruning._overfit import OverfitPruner, PruneDecision, decide_overfit
from study.pruning._settings import WRAPPABLE, PrunerSettings

__all__ = ["WRAPPABLE", "OverfitPruner", "PruneDecision", "PrunerSettings", "decide_overfit"]
