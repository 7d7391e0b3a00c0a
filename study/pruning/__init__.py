"""Pruning: stop trials whose configuration overfits, or cannot beat the best, as they train.

One policy decides: :class:`PruningPolicy` is what may stop a trial and :func:`decide_pruning`
applies it to the curves so far. The runner, :class:`OverfitPruner` and
:class:`study.keras.OverfitPruningCallback` adapt it to where they run.
"""

from __future__ import annotations

from study.pruning._overfit import PruneDecision, decide_overfit, live_config, wrapped_decision
from study.pruning._policy import PruningPolicy, decide_pruning
from study.pruning._pruner import CurvesOf, OverfitPruner
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
    "PruningPolicy",
    "TrialForecast",
    "WillNotWinSettings",
    "WinEvidence",
    "decide_overfit",
    "decide_pruning",
    "decide_will_not_win",
    "forecast_trial",
    "judge_will_not_win",
    "live_config",
    "win_evidence",
    "wrapped_decision",
]
