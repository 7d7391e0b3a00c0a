"""The trials table: one row per trial, the same columns for ``show``, ``export`` and
:func:`study.load`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from study.storage import StudyRecord, TrialRecord


__all__ = ["DIAGNOSIS_COLUMNS", "EVIDENCE_COLUMNS", "trial_columns", "trial_row", "trials_table"]

EVIDENCE_COLUMNS = ("value_se", "value_low", "value_high", "n_seeds")
"""What the seeds say of a trial's value (see :func:`trial_row`)."""
DIAGNOSIS_COLUMNS = ("category", "kind", "confidence", "agreement", "best_epoch", "advice")
"""The trial's verdict, as :meth:`study.diagnosis.TrialDiagnosis.to_dict` gives it."""
_FLOAT_COLUMNS = ("value", "value_se", "value_low", "value_high", "duration_seconds")


def trial_columns(record: StudyRecord) -> list[str]:
    """The columns of :func:`trials_table`, in order: one ``params_<name>`` per parameter."""
    params = sorted({k for t in record.trials for k in t.params})
    return [
        "number",
        "state",
        "value",
        *EVIDENCE_COLUMNS,
        *(f"params_{p}" for p in params),
        *DIAGNOSIS_COLUMNS,
        "pruned_epoch",
        "epochs",
        "seed_epochs",
        "error",
        "duration_seconds",
    ]


def trial_row(trial: TrialRecord) -> dict[str, Any]:
    """One trial's row of the trials table, as plain JSON-able values.

    ``value`` is the mean over the seeds; ``value_se`` its standard error and
    ``value_low``/``value_high`` its t interval (:class:`study.evidence.TrialEvidence`);
    ``n_seeds`` the seeds with a finite value. A number that is not finite, or that the seeds
    do not give (fewer than two finite seeds for an interval), is ``None``. ``epochs`` is
    what each seed trained (where the trial stopped), ``seed_epochs`` their sum.

    Args:
        trial: The decoded trial, its verdict judged against the whole study (see
            :func:`study.verdicts.judged_against_study`).
    """
    diagnosis = trial.diagnosis.to_dict() if trial.diagnosis is not None else {}
    return {
        "number": trial.number,
        "state": trial.state,
        "value": _finite(trial.value),
        **_evidence(trial),
        **{f"params_{k}": v for k, v in trial.params.items()},
        **{k: diagnosis.get(k) for k in DIAGNOSIS_COLUMNS},
        "pruned_epoch": None if trial.pruned is None else trial.pruned.epoch,
        "epochs": trial.epochs_trained,
        "seed_epochs": trial.seed_epochs,
        "error": trial.error,
        "duration_seconds": trial.duration_seconds,
    }


def trials_table(record: StudyRecord) -> pd.DataFrame:
    """The study's trials as a DataFrame: :func:`trial_row` of each, :func:`trial_columns`.

    Missing numbers (``None`` in the rows) are NaN in the frame.
    """
    import pandas as pd

    rows = [trial_row(t) for t in record.trials]
    frame = pd.DataFrame(rows, columns=trial_columns(record))
    # A column whose every row is missing would otherwise hold None objects, not NaN.
    return frame.astype(dict.fromkeys(_FLOAT_COLUMNS, float))


def _evidence(trial: TrialRecord) -> dict[str, Any]:
    evidence = trial.evidence
    if evidence is None:
        return dict.fromkeys(EVIDENCE_COLUMNS)
    interval = evidence.has_interval
    return {
        "value_se": _finite(evidence.std_error),
        "value_low": _finite(evidence.low) if interval else None,
        "value_high": _finite(evidence.high) if interval else None,
        "n_seeds": evidence.n,
    }


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
