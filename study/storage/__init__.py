"""Storage: where studies, their trials, curves and diagnoses live (Optuna storages).

The one owner of what a study stores: the attribute names (:mod:`study.storage.keys`), the
encoder (``write_*``, :func:`trial_attrs`) and the decoder (:func:`trial_record`,
:func:`study_record`), opening storages read-only or for writing, and resuming interrupted
trials.
"""

from __future__ import annotations

from study.storage import _keys as keys
from study.storage._attrs import (
    finished_elsewhere,
    mark_interrupted,
    trial_attrs,
    write_error,
    write_params,
    write_study_attrs,
    write_trial_result,
)
from study.storage._decode import (
    OWN_FAMILY,
    OWN_TASK,
    describe_distribution,
    retried_numbers,
    retry_of,
    study_description,
    study_record,
    trial_curves,
    trial_diagnosis,
    trial_record,
    was_interrupted,
)
from study.storage._errors import error_reason, is_storage_error, storage_cause
from study.storage._final_score import FinalScore, read_final_score, write_final_score
from study.storage._journal import repair_journal
from study.storage._open import (
    check_storage,
    heartbeat_settings,
    open_storage,
    storage_exists,
)
from study.storage._records import PruneInfo, StudyRecord, TrialRecord
from study.storage._resume import (
    WORKER_ATTR,
    count_finished,
    count_states,
    fail_dead_workers,
    fail_interrupted,
    recover,
    requeue,
    retry_trial,
    state_counts,
    tag_worker,
    worker_tag,
)
from study.storage._sqlite import inspect_sqlite, lock_sqlite
from study.storage._urls import (
    DEFAULT_STORAGE,
    STORAGE_ENV,
    STORAGE_FILE_ENV,
    is_journal,
    is_sqlite,
    journal_path,
    mask_url,
    resolve_url,
    scrub,
    secrets_of,
    sqlite_path,
    url_from_file,
)
from study.storage._weights import (
    ARTIFACTS_ENV,
    KEEP_MODELS,
    Weights,
    artifacts_folder,
    keep_weights,
    kept_trials,
    load_weights,
    models_to_keep,
    storage_folder,
)

__all__ = [
    "ARTIFACTS_ENV",
    "DEFAULT_STORAGE",
    "KEEP_MODELS",
    "OWN_FAMILY",
    "OWN_TASK",
    "STORAGE_ENV",
    "STORAGE_FILE_ENV",
    "WORKER_ATTR",
    "FinalScore",
    "PruneInfo",
    "StudyRecord",
    "TrialRecord",
    "Weights",
    "artifacts_folder",
    "check_storage",
    "count_finished",
    "count_states",
    "describe_distribution",
    "error_reason",
    "fail_dead_workers",
    "fail_interrupted",
    "finished_elsewhere",
    "heartbeat_settings",
    "inspect_sqlite",
    "is_journal",
    "is_sqlite",
    "is_storage_error",
    "journal_path",
    "keep_weights",
    "kept_trials",
    "keys",
    "load_weights",
    "lock_sqlite",
    "mark_interrupted",
    "mask_url",
    "models_to_keep",
    "open_storage",
    "read_final_score",
    "recover",
    "repair_journal",
    "requeue",
    "resolve_url",
    "retried_numbers",
    "retry_of",
    "retry_trial",
    "scrub",
    "secrets_of",
    "sqlite_path",
    "state_counts",
    "storage_cause",
    "storage_exists",
    "storage_folder",
    "study_description",
    "study_record",
    "tag_worker",
    "trial_attrs",
    "trial_curves",
    "trial_diagnosis",
    "trial_record",
    "url_from_file",
    "was_interrupted",
    "worker_tag",
    "write_error",
    "write_final_score",
    "write_params",
    "write_study_attrs",
    "write_trial_result",
]
