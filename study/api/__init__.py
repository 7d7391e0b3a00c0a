"""The Python API for notebooks: diagnose any curves, load a stored study, write its report.

Every function returns a typed record or pandas DataFrames; only :func:`run` prints, one line
per trial to the ``out`` it is given. Importing the API loads no TensorFlow: pandas, the
drawing stack and TensorFlow load only when a function needs them.
"""

from __future__ import annotations

from study.api._diagnose import CurveSource, FitDiagnosis, diagnose, diagnose_with_context
from study.api._load import StudyFrames, frames_of, load, recommended, report
from study.api._read import load_record
from study.api._run import load_model, run
from study.api._trials import trial_columns, trial_row, trials_table

__all__ = [
    "CurveSource",
    "FitDiagnosis",
    "StudyFrames",
    "diagnose",
    "diagnose_with_context",
    "frames_of",
    "load",
    "load_model",
    "load_record",
    "recommended",
    "report",
    "run",
    "trial_columns",
    "trial_row",
    "trials_table",
]
