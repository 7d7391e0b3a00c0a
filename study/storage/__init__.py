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
    describe_distribution,
    retried_numbers,
    retry_of,
    study_record,
    trial_curves,
    trial_record,
    was_interrupted,
)
from study.storage._errors import error_reason, is_storage_error
from study.storage._final_score import FinalScore, read_final_score, write_final_score
from study.storage._open import check_storage, open_storage
from study.storage._records import PruneInfo, StudyRecord, TrialRecord
from study.storage._resume import (
    count_finished,
    count_states,
    recover,
    retry_trial,
    state_counts,
    tag_worker,
    worker_tag,
)
from study.storage._sqlite import inspect_sqlite
from study.storage._urls import (
    STORAGE_ENV,
    is_journal,
    is_sqlite,
    journal_path,
    mask_url,
    resolve_url,
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
    "KEEP_MODELS",
    "STORAGE_ENV",
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
    "finished_elsewhere",
    "inspect_sqlite",
    "is_journal",
    "is_sqlite",
    "is_storage_error",
    "journal_path",
    "keep_weights",
    "kept_trials",
    "keys",
    "load_weights",
    "mark_interrupted",
    "mask_url",
    "models_to_keep",
    "open_storage",
    "read_final_score",
    "recover",
    "resolve_url",
    "retried_numbers",
    "retry_of",
    "retry_trial",
    "secrets_of",
    "sqlite_path",
    "state_counts",
    "storage_folder",
    "study_record",
    "tag_worker",
    "trial_attrs",
    "trial_curves",
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
