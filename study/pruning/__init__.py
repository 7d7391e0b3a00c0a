"""Pruning: stop trials whose configuration overfits, or cannot beat the best, as they train."""

from __future__ import annotations

from study.pruning._overfit import (
    CurvesOf,
    OverfitPruner,
    PruneDecision,
    decide_overfit,
    live_config,
    wrapped_decision,
)
from study.pruning._settings import WRAPPABLE, PrunerSettings, WillNotWinSettings
from study.pruning._will_not_win import (
    TrialForecast,
    WinEvidence,
    decide_will_not_win,
    forecast_trial,
    judge_will_not_win,
    win_evidence,
)

__all__ = [
    "WRAPPABLE",
    "CurvesOf",
    "OverfitPruner",
    "PruneDecision",
    "PrunerSettings",
    "TrialForecast",
    "WillNotWinSettings",
    "WinEvidence",
    "decide_overfit",
    "decide_will_not_win",
    "forecast_trial",
    "judge_will_not_win",
    "live_config",
    "win_evidence",
    "wrapped_decision",
]
