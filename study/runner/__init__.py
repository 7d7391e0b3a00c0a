"""Running a study: the objective of one trial and the loop that resumes and reaches a target."""

from __future__ import annotations

from study.runner._evaluate import evaluate, score_on_test
from study.runner._models import KeptModel, load_model, load_models
from study.runner._objective import Objective, RunSettings, sample
from study.runner._run import RunResult, TrialCallback, run
from study.runner._setup import RunOptions
from study.runner._value import objective_value

__all__ = [
    "KeptModel",
    "Objective",
    "RunOptions",
    "RunResult",
    "RunSettings",
    "TrialCallback",
    "evaluate",
    "load_model",
    "load_models",
    "objective_value",
    "run",
    "sample",
    "score_on_test",
]
