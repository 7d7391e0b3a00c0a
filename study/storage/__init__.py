"""Storage: where studies, their trials, curves and diagnoses live (Optuna storages)."""

from __future__ import annotations

from study.storage._attrs import study_record, trial_record, write_study_attrs, write_trial_result
from study.storage._open import (
    DEFAULT_STORAGE,
    STORAGE_ENV,
    is_sqlite,
    mask_url,
    open_storage,
    resolve_url,
)
from study.storage._records import PruneInfo, StudyRecord, TrialRecord
from study.storage._resume import count_finished, fail_interrupted, recover, retry_trial

__all__ = [
    "DEFAULT_STORAGE",
    "STORAGE_ENV",
    "PruneInfo",
    "StudyRecord",
    "TrialRecord",
    "count_finished",
    "fail_interrupted",
    "is_sqlite",
    "mask_url",
    "open_storage",
    "recover",
    "resolve_url",
    "retry_trial",
    "study_record",
    "trial_record",
    "write_study_attrs",
    "write_trial_result",
]
