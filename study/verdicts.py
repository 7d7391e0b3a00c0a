"""A study's verdicts judged against the whole study, as it stands when it is read.

A trial's verdict is stored when the trial finishes, judged against the lowest validation loss
the study had reached *so far* (``reached_loss``, see :func:`study.diagnosis.diagnose_curve`):
the first trials of a study are judged without it. Whether a curve that levels off near the
trivial predictor's loss is too small a model (or simply as good as this task gets) depends on
what the other configurations reach, so the readers of a stored study (``report``, ``next``,
``show``, :func:`study.load`) judge each complete trial again against every other finished
trial. Pruned trials keep their stored verdict: it is the one that stopped them.

On the counterfactual corpus (``benchmarks/diagnosis_corpus.py``) this is the difference
between the verdicts a run stores (94-96 % right, by the order the trials ran in) and those
judged against the whole study (96 %).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib

from study.diagnosis import DiagnosisConfig, diagnose_seeds, lowest_val_loss
from study.errors import InputError
from study.storage import StudyRecord, TrialRecord

__all__ = ["judged_against_study", "study_config"]


def judged_against_study(record: StudyRecord) -> StudyRecord:
    """Return ``record`` with each complete trial's verdict judged against all finished trials.

    Each complete, diagnosed trial is diagnosed again from its stored curves with the study's
    diagnosis settings, its baseline loss and, as ``reached_loss``, the lowest validation loss
    any *other* complete or pruned trial reached. Nothing stored changes.
    """
    lowest = {
        t.number: lowest_val_loss(t.seeds)
        for t in record.trials
        if t.state in ("COMPLETE", "PRUNED") and t.seeds
    }
    config = study_config(record.space_text)
    trials = tuple(_judged(t, lowest, config, record.baseline_loss) for t in record.trials)
    return dataclasses.replace(record, trials=trials)


def study_config(space_text: str) -> DiagnosisConfig:
    """The diagnosis settings of the ``[diagnosis]`` table of a study's stored search space.

    A space that does not parse (or has no such table) gives the default settings: the run
    that stored it accepted it, so only a text stored by another tool can fail here.
    """
    try:
        table = tomllib.loads(space_text).get("diagnosis", {}) if space_text else {}
        return DiagnosisConfig.from_mapping(table)
    except (tomllib.TOMLDecodeError, InputError):
        return DiagnosisConfig()


def _judged(
    trial: TrialRecord,
    lowest: dict[int, float],
    config: DiagnosisConfig,
    baseline_loss: float | None,
) -> TrialRecord:
    usable = [c for c in trial.seeds if c.epochs_trained > 0]
    if trial.state != "COMPLETE" or trial.diagnosis is None or not usable:
        return trial
    others = [v for n, v in lowest.items() if n != trial.number and math.isfinite(v)]
    diagnosis = diagnose_seeds(
        usable, config=config, baseline_loss=baseline_loss,
        reached_loss=min(others) if others else None,
    )
    return dataclasses.replace(trial, diagnosis=diagnosis)
