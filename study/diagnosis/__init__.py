"""Diagnose a trial's fit from its learning curves.

:func:`diagnose_curve` reads one seed's curves; :func:`diagnose_seeds` reads all the seeds of a
trial and lets them vote; :func:`against_study_best` judges a good fit's advice against the
rest of its study. All are pure numpy/scipy and never import TensorFlow.
"""

from __future__ import annotations

from study.diagnosis._aggregate import diagnose_seeds, lowest_val_loss, mean_curve
from study.diagnosis._config import DiagnosisConfig
from study.diagnosis._records import (
    CATEGORIES,
    KINDS,
    Category,
    Diagnosis,
    Evidence,
    Kind,
    TrialDiagnosis,
)
from study.diagnosis._rules import diagnose_curve
from study.diagnosis._study import TrialOutcome, against_study_best

__all__ = [
    "CATEGORIES",
    "KINDS",
    "Category",
    "Diagnosis",
    "DiagnosisConfig",
    "Evidence",
    "Kind",
    "TrialDiagnosis",
    "TrialOutcome",
    "against_study_best",
    "diagnose_curve",
    "diagnose_seeds",
    "lowest_val_loss",
    "mean_curve",
]
