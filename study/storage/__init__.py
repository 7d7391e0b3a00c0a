"""Storage: where studies, their trials, curves and diagnoses live (Optuna storages).

The one owner of what a study stores: the attribute names (:mod:`study.storage.keys`), the
decoder (:func:`study_record`, :func:`trial_record`, :func:`trial_curves`), opening storages
read-only or for writing, and their URLs. What a run writes, resumes and keeps while it runs
(the encoder, re-run bookkeeping, kept weights) is :mod:`study.storage.runs`.
"""

from __future__ import annotations

from study.storage import _keys as keys
from study.storage._decode import study_record, trial_curves, trial_record
from study.storage._final_score import FinalScore
from study.storage._open import check_storage, open_storage
from study.storage._records import PruneInfo, StudyRecord, TrialRecord
from study.storage._urls import STORAGE_ENV, mask_url, resolve_url, url_from_file
from study.storage._weights import ARTIFACTS_ENV

__all__ = [
    "ARTIFACTS_ENV",
    "STORAGE_ENV",
    "FinalScore",
    "PruneInfo",
    "StudyRecord",
    "TrialRecord",
    "check_storage",
    "keys",
    "mask_url",
    "open_storage",
    "resolve_url",
    "study_record",
    "trial_curves",
    "trial_record",
    "url_from_file",
]
