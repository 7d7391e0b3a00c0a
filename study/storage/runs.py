"""A run's side of the storage: what it writes, resumes and keeps while it runs.

The encoder of a trial's attributes (``write_*``, :func:`trial_attrs`), the bookkeeping of
interrupted and re-run trials (:func:`recover`, :func:`retry_trial`, worker tags and state
counts), the final test score, the kept weights of the best trials, and what a run needs
to know of its storage's kind. The runner, the Keras callbacks and the follow-up space use
these; a user reads a study through :mod:`study.storage`'s own names instead.
"""

from __future__ import annotations

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
    stored_recommended,
    was_interrupted,
)
from study.storage._errors import error_reason, is_storage_error
from study.storage._final_score import read_final_score, write_final_score
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
from study.storage._urls import is_journal, is_sqlite, journal_path, secrets_of, sqlite_path
from study.storage._weights import (
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
    "KEEP_MODELS",
    "Weights",
    "artifacts_folder",
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
    "load_weights",
    "mark_interrupted",
    "models_to_keep",
    "read_final_score",
    "recover",
    "retried_numbers",
    "retry_of",
    "retry_trial",
    "secrets_of",
    "sqlite_path",
    "state_counts",
    "storage_folder",
    "stored_recommended",
    "tag_worker",
    "trial_attrs",
    "was_interrupted",
    "worker_tag",
    "write_error",
    "write_final_score",
    "write_params",
    "write_study_attrs",
    "write_trial_result",
]
