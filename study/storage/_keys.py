"""The names under which a study is stored beside Optuna's own fields: one place for all.

Two kinds of trial attributes, chosen by who reads them:

* **User attributes** hold what a person browsing the study with ``optuna trials`` or
  optuna-dashboard wants to see, kept short (well under 2 KB per trial): the parameters, the
  fit verdict in one line, why it was pruned or failed, which trial it re-runs.
* **System attributes** hold the bulk that only ``study`` decodes: every seed's learning
  curves and the full diagnosis. Neither Optuna's CLI nor optuna-dashboard shows trial system
  attributes, and every Optuna storage (SQLite, PostgreSQL, journal file) keeps them beside the
  trial, so the curves stay where the trial is without flooding those tools.

The previous layout (:data:`FORMAT` 1) kept everything in user attributes; the decoder reads
both.
"""

from __future__ import annotations

FORMAT = 2
"""Version of the stored layout: 2 keeps curves and the full diagnosis in system attributes."""

# Study user attributes (written once, when the study is created).
STUDY_FORMAT = "format"
STUDY_FAMILY = "family"
STUDY_TASK = "task"
STUDY_TASK_LABEL = "task_label"
STUDY_TASK_DESCRIPTION = "task_description"
STUDY_OBJECTIVE = "objective"
STUDY_SEEDS = "seeds"
STUDY_SEARCHED = "searched"
STUDY_FIXED = "fixed"
STUDY_OVERRIDES = "overrides"
STUDY_BASELINE_LOSS = "baseline_loss"
STUDY_SPACE_TEXT = "space_text"
STUDY_SPACE_PATH = "space_path"
STUDY_FINGERPRINT = "fingerprint"
STUDY_TEST_SCORE = "test_score"  # Written at the end of a run, or by `evaluate`.

# Trial user attributes: short, readable in Optuna's own tools.
PARAMS = "params"
"""Every model parameter's value (sampled, fixed or default)."""
DIAGNOSIS = "diagnosis"
"""The verdict's summary (category, agreement, advice); format 1 stored the full record here."""
DIAGNOSIS_SUMMARY = (
    "category",
    "kind",
    "confidence",
    "agreement",
    "agreement_text",
    "best_epoch",
    "advice",
    "disagreeing",
)
"""The keys of a diagnosis kept readable in the user attributes (and shown by ``show``)."""
PRUNED = "pruned"
"""Why and when the trial was pruned (:class:`~study.storage.PruneInfo` as a dict)."""
ERROR = "error"
"""Why the trial failed, cut to :data:`ERROR_SHOWN` characters (the full text is a system
attribute)."""
INTERRUPTED = "interrupted"
"""Set on a trial that a Ctrl-C (or a failing storage) stopped; it is re-run."""
RETRY_OF = "retry_of"
"""On a re-run: the number of the interrupted trial it re-runs."""
WORKER = "worker"
"""On a running trial: the process running it, ``{"host", "pid", "started", "heartbeat"}``."""

# Trial system attributes: the bulk, decoded by `study` only.
CURVES = "study:curves"
"""Every seed's learning curves (``SeedCurves.to_dict`` of each seed, in seed order)."""
FULL_DIAGNOSIS = "study:diagnosis"
"""The full :class:`~study.diagnosis.TrialDiagnosis` (every seed's verdict and evidence)."""
FULL_ERROR = "study:error"
"""The whole error text when :data:`ERROR` had to be cut."""
RETRY_HISTORY = "retry_history"
"""Optuna's key (``RetryHeartbeatStaleTrialCallback``): the trials a re-run re-runs, oldest
first."""

# Format 1 only: read, never written.
LEGACY_CURVES = "curves"

ERROR_SHOWN = 300
"""Characters of an error message kept in the readable user attribute."""
